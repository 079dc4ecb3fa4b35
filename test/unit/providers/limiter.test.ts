/**
 * The gate of src/providers/parallel.ts for calls that arrive over time (the per-key
 * Secrets Manager read sends each batch as the listing's pages name it): never more
 * than `limit` calls at once, each started in arrival order, every call run, a
 * failure kept to its own call. Synchronised on explicit promises, never on time.
 */
import { describe, expect, it } from "vitest";
import { limiter } from "../../../src/providers/parallel.js";

/** A call the test ends by hand. */
function deferred(): { promise: Promise<void>; end: () => void; fail: (e: Error) => void } {
  let end!: () => void;
  let fail!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    end = res;
    fail = rej;
  });
  return { promise, end, fail };
}

/** Lets every promise callback that is ready run. */
const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

describe("limiter", () => {
  it("runs at most `limit` calls at once, the waiting ones in arrival order", async () => {
    const gate = limiter(2);
    const calls = Array.from({ length: 5 }, deferred);
    const started: number[] = [];
    let running = 0;
    let most = 0;
    const all = calls.map((c, i) =>
      gate(async () => {
        started.push(i);
        most = Math.max(most, ++running);
        await c.promise;
        running--;
        return i;
      }),
    );
    await settle();
    expect(started).toEqual([0, 1]);
    calls[1]!.end();
    await settle();
    expect(started).toEqual([0, 1, 2]);
    calls[0]!.end();
    calls[2]!.end();
    await settle();
    expect(started).toEqual([0, 1, 2, 3, 4]);
    calls[3]!.end();
    calls[4]!.end();
    expect(await Promise.all(all)).toEqual([0, 1, 2, 3, 4]);
    expect(most).toBe(2);
  });

  it("a failed call frees its slot and rejects only its own promise", async () => {
    const gate = limiter(1);
    const first = deferred();
    const a = gate(() => first.promise);
    const b = gate(() => Promise.resolve("b"));
    first.fail(new Error("boom"));
    await expect(a).rejects.toThrow("boom");
    await expect(b).resolves.toBe("b");
  });

  it("a limit below 1 still runs calls, one at a time", async () => {
    const gate = limiter(0);
    expect(
      await Promise.all([gate(() => Promise.resolve(1)), gate(() => Promise.resolve(2))]),
    ).toEqual([1, 2]);
  });
});
