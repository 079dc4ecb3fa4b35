/**
 * The watch's pure parts: the wait between polls (jitter, backoff, caps) and which
 * call answers "what version is the remote at" (the store's probe, else its current
 * listed version, else a read — counted, so a cheaper path taken is proven taken).
 */
import { describe, expect, it } from "vitest";
import { nextDelay, probeVersion } from "../../../src/ops/watch.js";
import type { RemoteSnapshot, Store } from "../../../src/providers/types.js";

describe("nextDelay", () => {
  it.each([
    // interval, failures, max backoff, random → delay
    [1000, 0, 300_000, 0.5, 1000],
    [1000, 0, 300_000, 0, 900],
    [1000, 0, 300_000, 0.999_999, 1100],
    [1000, 1, 300_000, 0.5, 2000],
    [1000, 2, 300_000, 0.5, 4000],
    [1000, 3, 300_000, 0.5, 8000],
    [1000, 50, 300_000, 0.5, 8000], // at most 8 intervals
    [100_000, 5, 300_000, 0.5, 300_000], // at most the max backoff
    [600_000, 5, 300_000, 0.5, 600_000], // never below one interval
    [10, 0, 300_000, 0, 9],
  ])("interval %i, %i failures, cap %i, random %d → %i ms", (i, f, cap, r, want) => {
    expect(nextDelay(i, f, cap, () => r)).toBe(want);
  });
});

function store(parts: Partial<Store>, calls: string[]): Store {
  const snap: RemoteSnapshot = {
    exists: true,
    values: new Map([["A", "1"]]),
    version: "read-v",
    keyVersions: new Map(),
  };
  return {
    scheme: "test",
    display: "test://x",
    layout: "bundle",
    rules: { maxValueBytes: 1, nameRule: "" },
    read: () => {
      calls.push("read");
      return Promise.resolve(snap);
    },
    validate: () => {},
    write: () => Promise.reject(new Error("no writes")),
    ...parts,
  };
}

describe("probeVersion", () => {
  it("asks the store's probe when it has one (no read)", async () => {
    const calls: string[] = [];
    const s = store({ probeVersion: () => (calls.push("probe"), Promise.resolve("p1")) }, calls);
    expect(await probeVersion(s)).toBe("p1");
    expect(calls).toEqual(["probe"]);
  });

  it("else takes the current entry of listVersions (no read)", async () => {
    const calls: string[] = [];
    const s = store(
      {
        listVersions: () => {
          calls.push("list");
          return Promise.resolve([
            { id: "v2", createdAt: null, keyCount: null, current: false },
            { id: "v1", createdAt: null, keyCount: null, current: true },
          ]);
        },
      },
      calls,
    );
    expect(await probeVersion(s)).toBe("v1");
    expect(calls).toEqual(["list"]);
  });

  it("else reads, and takes the snapshot's version", async () => {
    const calls: string[] = [];
    expect(await probeVersion(store({}, calls))).toBe("read-v");
    expect(calls).toEqual(["read"]);
  });
});
