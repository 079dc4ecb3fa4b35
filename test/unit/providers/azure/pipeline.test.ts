import { describe, expect, it } from "vitest";
import { mapPagesLimit } from "../../../../src/providers/azure/pipeline.js";

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Emits `pages` one at a time, yielding to the event loop between pages. */
const producer =
  (pages: number[][]) =>
  async (emit: (items: readonly number[]) => void): Promise<void> => {
    for (const p of pages) {
      await tick();
      emit(p);
    }
  };

describe("mapPagesLimit", () => {
  it("maps every emitted item, in emitted order", async () => {
    const { items, results } = await mapPagesLimit(
      producer([[1, 2], [3], [], [4, 5, 6]]),
      3,
      async (n) => {
        await tick();
        return n * 10;
      },
    );
    expect(items).toEqual([1, 2, 3, 4, 5, 6]);
    expect(results).toEqual([10, 20, 30, 40, 50, 60]);
  });

  it("never has more than `limit` calls in flight, and starts calls before the listing ends", async () => {
    let inFlight = 0;
    let most = 0;
    let startedBeforeLastPage = 0;
    let listingDone = false;
    const pages = Array.from({ length: 10 }, (_, p) =>
      Array.from({ length: 25 }, (_, i) => p * 25 + i),
    );
    await mapPagesLimit(
      async (emit) => {
        await producer(pages)(emit);
        listingDone = true;
      },
      4,
      async () => {
        if (!listingDone) startedBeforeLastPage++;
        inFlight++;
        most = Math.max(most, inFlight);
        await tick();
        await tick();
        inFlight--;
      },
    );
    expect(most).toBe(4);
    expect(startedBeforeLastPage).toBeGreaterThan(0);
  });

  it("stops at the first failure, rethrows it, and ends the listing", async () => {
    let calls = 0;
    let pagesEmitted = 0;
    const boom = new Error("boom");
    const pages = Array.from({ length: 50 }, (_, p) => [p]);
    await expect(
      mapPagesLimit(
        async (emit) => {
          for (const p of pages) {
            await tick();
            emit(p);
            pagesEmitted++;
          }
        },
        2,
        async (n) => {
          calls++;
          await tick();
          if (n === 3) throw boom;
        },
      ),
    ).rejects.toBe(boom);
    expect(pagesEmitted).toBeLessThan(50);
    expect(calls).toBeLessThan(50);
  });

  it("rethrows a listing failure after the calls in flight settle", async () => {
    const err = new Error("list failed");
    await expect(
      mapPagesLimit(
        async (emit) => {
          emit([1, 2]);
          await tick();
          throw err;
        },
        2,
        async () => tick(),
      ),
    ).rejects.toBe(err);
  });

  it("returns nothing for an empty listing", async () => {
    expect(await mapPagesLimit(producer([]), 4, () => Promise.resolve(1))).toEqual({
      items: [],
      results: [],
    });
  });
});
