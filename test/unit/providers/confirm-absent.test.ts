import { describe, expect, it } from "vitest";
import { confirmMissing, type ByName } from "../../../src/providers/shared/confirm-absent.js";

const answers =
  (m: Record<string, ByName>) =>
  (keys: readonly string[]): Promise<Map<string, ByName>> =>
    Promise.resolve(new Map(keys.filter((k) => k in m).map((k) => [k, m[k]!])));

describe("confirmMissing: a known key a listing leaves out is asked for by name", () => {
  it("asks nothing without a base, or when the listing shows every known key", async () => {
    const never = (): Promise<Map<string, ByName>> => {
      throw new Error("asked");
    };
    expect((await confirmMissing(undefined, new Set(["A"]), never)).notes).toEqual([]);
    expect((await confirmMissing(new Set(["A"]), new Set(["A", "B"]), never)).notes).toEqual([]);
  });

  it("found → read as it is; absent → nothing; unknown or unanswered → unconfirmed", async () => {
    const asked: string[][] = [];
    const r = await confirmMissing(new Set(["A", "B", "C", "D", "E"]), new Set(["A"]), (keys) => {
      asked.push([...keys]);
      return answers({
        B: { state: "found", value: "v", version: "7" },
        C: { state: "absent" },
        D: { state: "unknown", why: "403 SecretDisabled" },
      })(keys);
    });
    expect(asked).toEqual([["B", "C", "D", "E"]]);
    expect([...r.found]).toEqual([["B", { value: "v", version: "7" }]]);
    expect(r.unconfirmed).toEqual(["D", "E"]);
    expect(r.notes).toEqual([
      "listing incomplete: B was missing from the listing but found by name",
      "listing incomplete: D not confirmed absent (403 SecretDisabled); left alone",
      "listing incomplete: E not confirmed absent (the read by name did not answer); left alone",
    ]);
    expect(r.notes.join("\n")).not.toContain("v\n");
  });

  it("throttling that outlasts the retries makes the keys unconfirmed, never absent", async () => {
    const throttled = Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" });
    const r = await confirmMissing(new Set(["K"]), new Set(), () => Promise.reject(throttled));
    expect(r.unconfirmed).toEqual(["K"]);
    expect(r.found.size).toBe(0);
  });

  it.each([
    ["gRPC RESOURCE_EXHAUSTED (Google)", { code: 8, details: "Quota exceeded" }],
    [
      "HTTP 429 wrapped in envsync's error (Azure)",
      { name: "EnvsyncError", cause: { statusCode: 429 } },
    ],
  ])("%s also leaves the keys unconfirmed", async (_n, error) => {
    const r = await confirmMissing(new Set(["K"]), new Set(), () =>
      Promise.reject(Object.assign(new Error("throttled"), error)),
    );
    expect(r.unconfirmed).toEqual(["K"]);
  });

  it("any other error is thrown (an access denied is not an absence)", async () => {
    const denied = Object.assign(new Error("denied"), { name: "AccessDeniedException" });
    await expect(
      confirmMissing(new Set(["K"]), new Set(), () => Promise.reject(denied)),
    ).rejects.toBe(denied);
  });
});
