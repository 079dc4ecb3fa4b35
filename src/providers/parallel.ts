/**
 * Bounded parallelism for per-key layouts (docs/DESIGN.md, "Start-up"): at most `limit` calls in
 * flight; the first failure stops new calls and is rethrown after in-flight ones settle.
 */

/** Maps `items` through `fn` with at most `limit` concurrent calls, keeping order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  let firstError: unknown;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i] as T, i);
      } catch (e) {
        if (!failed) {
          failed = true;
          firstError = e;
        }
      }
    }
  };
  const n = Math.max(1, Math.min(limit, items.length));
  await Promise.all(Array.from({ length: n }, worker));
  if (failed) throw firstError;
  return results;
}

/**
 * A gate for calls that arrive over time (a listing's pages): `run(fn)` starts `fn` at
 * once while fewer than `limit` calls run, else when one of them ends, in arrival order.
 */
export function limiter(limit: number): <R>(fn: () => Promise<R>) => Promise<R> {
  let running = 0;
  const waiting: (() => void)[] = [];
  const max = Math.max(1, limit);
  return async <R>(fn: () => Promise<R>): Promise<R> => {
    if (running >= max) await new Promise<void>((go) => waiting.push(go));
    else running++;
    try {
      return await fn();
    } finally {
      // The slot passes to the next waiting call, or is freed.
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}

/** Splits `items` into chunks of `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
