import { existsSync, utimesSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { isEnvsyncError } from "../../../src/errors.js";
import { processStart, withFileLock } from "../../../src/state/lock.js";
import { tempDir } from "../../e2e/helpers.js";

const owner = (o: Record<string, unknown>): string =>
  JSON.stringify({ since: "2026-12-01T10:00:00.000Z", token: "t", start: null, ...o });

async function take(lock: string): Promise<{ ok: boolean; notes: string[]; err?: unknown }> {
  const notes: string[] = [];
  try {
    await withFileLock(lock, () => Promise.resolve(), {
      what: "X",
      waitMs: 0,
      note: (m) => notes.push(m),
    });
    return { ok: true, notes };
  } catch (err) {
    return { ok: false, notes, err };
  }
}

describe("withFileLock", () => {
  it("breaks a lock whose pid now belongs to another process (pid reuse: other start time)", async () => {
    const lock = join(tempDir(), "x.lock");
    expect(processStart(process.pid)).toMatch(/^\d+$/);
    writeFileSync(lock, owner({ pid: process.pid, host: hostname(), start: "1" }));
    const r = await take(lock);
    expect(r.ok).toBe(true);
    expect(r.notes.join()).toMatch(/no longer running/);
    expect(existsSync(lock)).toBe(false);
  });

  it("keeps a live holder's lock (same pid and start time) and names it", async () => {
    const lock = join(tempDir(), "x.lock");
    const start = processStart(process.pid);
    writeFileSync(lock, owner({ pid: process.pid, host: hostname(), start }));
    const r = await take(lock);
    expect(r.ok).toBe(false);
    expect(isEnvsyncError(r.err, "LOCKED")).toBe(true);
    expect((r.err as Error).message).toBe(
      `X is locked by pid ${process.pid} since 2026-12-01T10:00:00.000Z.`,
    );
    expect(existsSync(lock)).toBe(true);
  });

  it("another host's lock is kept while fresh and broken once old (its process cannot be checked)", async () => {
    const lock = join(tempDir(), "x.lock");
    writeFileSync(lock, owner({ pid: 1, host: "elsewhere.example" }));
    const fresh = await take(lock);
    expect(isEnvsyncError(fresh.err, "LOCKED")).toBe(true);
    expect((fresh.err as Error).message).toContain("pid 1 on elsewhere.example");
    const old = new Date(Date.now() - 10 * 60_000);
    utimesSync(lock, old, old);
    const stale = await take(lock);
    expect(stale.ok).toBe(true);
    expect(stale.notes.join()).toMatch(/elsewhere\.example/);
  });

  it("releases only its own lock", async () => {
    const lock = join(tempDir(), "x.lock");
    await withFileLock(
      lock,
      () => {
        // Someone breaks ours and takes a new one meanwhile: ours must not remove theirs.
        writeFileSync(lock, owner({ pid: process.pid, host: hostname(), token: "theirs" }));
        return Promise.resolve();
      },
      { what: "X", waitMs: 0 },
    );
    expect(existsSync(lock)).toBe(true);
  });
});

const lockModule = pathToFileURL(
  join(dirname(fileURLToPath(import.meta.url)), "../../../src/state/lock.ts"),
).href;

/**
 * A child that takes a lock, holds it for a few event-loop turns and releases it, and
 * calls process.exit(130) — what the CLI's SIGINT handler does — at event-loop turn
 * `argv[3]` (counted by a setImmediate chain started before the lock is asked for).
 * Prints "done" when it got through without being stopped.
 */
const exitAtTurnScript = `
import { withFileLock } from ${JSON.stringify(lockModule)};
const [lock, at] = process.argv.slice(2);
let turn = 0;
const tick = () => { if (++turn === Number(at)) process.exit(130); setImmediate(tick); };
setImmediate(tick);
await withFileLock(lock, async () => {
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
}, { what: "X" });
process.stdout.write("done\\n");
process.exit(0);
`;

describe("withFileLock and an exit at any moment (SIGINT)", () => {
  // Found by the stress run: a push stopped by SIGINT while it released its lock
  // (or while it wrote the owner into a just-created lock file) left the lock behind,
  // and the next run waited for it. Exiting at every turn of the lock's life in turn
  // reaches both windows without depending on timing.
  it("never leaves the lock behind, whichever event-loop turn the exit lands on", () => {
    const dir = tempDir();
    const script = join(dir, "exit-at-turn.mjs");
    writeFileSync(script, exitAtTurnScript);
    const left: number[] = [];
    let finished = false;
    for (let at = 1; at <= 60 && !finished; at++) {
      const lock = join(dir, `x${at}.lock`);
      const r = spawnSync(process.execPath, ["--import", "tsx", script, lock, String(at)], {
        encoding: "utf8",
      });
      expect([0, 130], r.stderr).toContain(r.status);
      finished = r.stdout === "done\n";
      if (existsSync(lock)) left.push(at);
    }
    expect(finished).toBe(true);
    expect(left).toEqual([]);
  }, 120_000);
});
