import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isEnvsyncError, type EnvsyncError } from "../../../src/errors.js";
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

describe("base state under concurrent updates", () => {
  const entry = (file: string, k: string): Parameters<BaseStore["set"]>[0] => ({
    file,
    remote: `file:${file}.remote`,
    remoteVersion: "v",
    keys: { [k]: "h" },
    updatedAt: "t",
  });

  it("updates of different environments at once keep every base (read and written under a lock)", async () => {
    const dir = tempDir();
    // Separate handles, as separate processes would have; started together.
    const names = Array.from({ length: 8 }, (_, i) => `.env.${i}`);
    await Promise.all(names.map((n) => new BaseStore(dir).set(entry(n, `K_${n}`))));
    const s = new BaseStore(dir);
    for (const n of names) expect(s.get(n, `file:${n}.remote`)?.keys).toEqual({ [`K_${n}`]: "h" });
    expect(readdirSync(join(dir, ".envsync")).sort()).toEqual(["state.json"]);
  });

  it("a state lock left by a process that is gone is broken at once, with a note", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, ".envsync"));
    const dead = spawnSync(process.execPath, ["-e", "0"]).pid;
    writeFileSync(join(dir, ".envsync", "state.lock"), String(dead));
    const notes: string[] = [];
    const s = new BaseStore(dir, { note: (m) => notes.push(m), lockWaitMs: 0 });
    await s.set(entry(".env", "K"));
    expect(s.get(".env", "file:.env.remote")?.keys).toEqual({ K: "h" });
    expect(notes.join("\n")).toMatch(
      new RegExp(`broke the lock .*state\\.lock: left by pid ${dead}`),
    );
  });

  it("a live state lock is reported with its pid and time (exit 5), after the wait", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, ".envsync"));
    const since = "2026-12-01T10:00:00.000Z";
    writeFileSync(
      join(dir, ".envsync", "state.lock"),
      JSON.stringify({ pid: process.pid, host: hostname(), since, start: null, token: "x" }),
    );
    const s = new BaseStore(dir, { lockWaitMs: 0 });
    const err = await s.set(entry(".env", "K")).catch((e: unknown) => e);
    expect(isEnvsyncError(err, "LOCKED")).toBe(true);
    expect((err as EnvsyncError).exitCode).toBe(5);
    expect((err as Error).message).toContain(`locked by pid ${process.pid} since ${since}`);
    expect(existsSync(join(dir, ".envsync", "state.json"))).toBe(false);
  });

  it("a full disk or read-only folder is an IO error naming the errno code, with a hint", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, ".envsync"), "a file where the folder should be");
    const err = await new BaseStore(dir)
      .set(entry(".env", "K"))
      .catch((e: unknown) => e as EnvsyncError);
    expect(isEnvsyncError(err, "IO")).toBe(true);
    expect((err as EnvsyncError).message).toMatch(/EEXIST|ENOTDIR/);
    expect((err as EnvsyncError).hint).toBeTruthy();
  });
});
