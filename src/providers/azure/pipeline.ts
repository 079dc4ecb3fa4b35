/**
 * Bounded parallelism over items that arrive page by page. Key Vault lists secrets
 * 25 to a page, one round trip each, and has no batch read: starting the reads of
 * a page while the next page is fetched hides the listing's round trips behind
 * the reads. Same rules as `mapLimit` (parallel.ts): at most `limit` calls in
 * flight, the first failure stops new calls and is rethrown once in-flight ones settle.
 */

/**
 * Runs `produce`, which calls `emit` with each page of items as it arrives, and maps
 * every emitted item through `fn` with at most `limit` concurrent calls. Returns the
 * items in emitted order with their results.
 */
export async function mapPagesLimit<T, R>(
  produce: (emit: (items: readonly T[]) => void) => Promise<void>,
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<{ items: T[]; results: R[] }> {
  const items: T[] = [];
  const results: R[] = [];
  let next = 0;
  let producing = true;
  let failed = false;
  let firstError: unknown;
  let waiting: (() => void)[] = [];
  const wake = (): void => {
    const w = waiting;
    waiting = [];
    for (const resolve of w) resolve();
  };
  const fail = (e: unknown): void => {
    if (!failed) {
      failed = true;
      firstError = e;
    }
  };
  const worker = async (): Promise<void> => {
    while (!failed) {
      if (next < items.length) {
        const i = next++;
        try {
          results[i] = await fn(items[i] as T);
        } catch (e) {
          fail(e);
        }
      } else if (producing) {
        await new Promise<void>((resolve) => waiting.push(resolve));
      } else return;
    }
  };
  const workers = Array.from({ length: Math.max(1, limit) }, worker);
  try {
    await produce((page) => {
      if (failed) throw new Error("stopped: an earlier call failed"); // ends the listing, not retried
      items.push(...page);
      wake();
    });
  } catch (e) {
    fail(e);
  } finally {
    producing = false;
    wake();
  }
  await Promise.all(workers);
  if (failed) throw firstError;
  return { items, results };
}
