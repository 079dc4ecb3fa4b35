import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BaseStore } from "../../../src/state/base-state.js";
import { tempDir } from "../../e2e/helpers.js";

describe("base state", () => {
  it("stores keyed hashes, never values, in 0600 files; the key is random per working copy", async () => {
    const dir = tempDir();
    const s = new BaseStore(dir);
    const h = s.hasher()!;
    await s.set({
      file: ".env",
      remote: "file:r.env",
      remoteVersion: "v1",
      keys: { K: h("K", "hunter2-secret") },
      updatedAt: "t",
    });
    const text = readFileSync(join(dir, ".envsync", "state.json"), "utf8");
    expect(text).not.toContain("hunter2-secret");
    expect(statSync(join(dir, ".envsync", "state.json")).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, ".envsync", "state.key")).mode & 0o777).toBe(0o600);
    expect(s.get(".env", "file:r.env")?.keys.K).toBe(h("K", "hunter2-secret"));
    expect(s.get(".env", "file:other")).toBeNull();
    const other = new BaseStore(tempDir()).hasher()!;
    expect(other("K", "hunter2-secret")).not.toBe(h("K", "hunter2-secret"));
    // Same value under different keys hashes differently (equal values are not revealed).
    expect(h("A", "x")).not.toBe(h("B", "x"));
  });

  it("a damaged state file is a clear exit-2 error", async () => {
    const dir = tempDir();
    const s = new BaseStore(dir);
    await s.set({ file: ".env", remote: "r", remoteVersion: null, keys: {}, updatedAt: "t" });
    const { writeFileSync } = await import("node:fs");
    writeFileSync(join(dir, ".envsync", "state.json"), "{nope");
    expect(() => s.get(".env", "r")).toThrow(/damaged/);
  });
});
