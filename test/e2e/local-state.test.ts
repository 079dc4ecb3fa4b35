/**
 * Sound local state (issue 12, items 4 and 6): `.envsync/state.json` is updated under
 * a lock, so two environments synced at the same instant both keep their base (and a
 * key a teammate deletes is not resurrected by the next sync); `file:` history
 * entries are written atomically after the remote write and verified before a
 * rollback; locks left by killed runs heal; leftover temp files are cleaned; a FIFO
 * given as a `file:` remote is refused; folders are 0700 under `umask 000`; a full
 * disk is an I/O error with a hint wherever it strikes. Every value is a canary.
 *
 * Simultaneous runs are synchronised on explicit signals: each run pauses before
 * writing (ENVSYNC_PAUSE_BEFORE_WRITE) and prints a marker; once both have printed
 * it, both are released with SIGUSR2 together.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "../../src/dotenv/index.js";
import { BaseStore } from "../../src/state/base-state.js";
import { CanaryGuard, runCli, startCli, tempDir, type CliResult } from "./helpers.js";

const guard = new CanaryGuard();

/** A working copy `w/` with environments dev and prod, each its own .env and file: remote. */
function twoEnvironments(): { root: string; w: string; d0: string; p0: string } {
  const root = tempDir("envsync-state-");
  const w = join(root, "w");
  mkdirSync(w);
  writeFileSync(
    join(w, "envsync.yaml"),
    [
      "environments:",
      "  dev:",
      "    remote: file:../dev.env",
      "    file: .env.dev",
      "  prod:",
      "    remote: file:../prod.env",
      "    file: .env.prod",
      "",
    ].join("\n"),
  );
  const d0 = guard.make("D0");
  const p0 = guard.make("P0");
  writeFileSync(join(w, ".env.dev"), `D0=${d0}\n`);
  writeFileSync(join(w, ".env.prod"), `P0=${p0}\n`);
  return { root, w, d0, p0 };
}

/** Starts `args` in every cwd paused before writing; releases all together; waits. */
async function together(runs: { args: string[]; cwd: string }[]): Promise<CliResult[]> {
  const started = runs.map((r) =>
    startCli(r.args, { cwd: r.cwd, env: { ENVSYNC_PAUSE_BEFORE_WRITE: "120000" } }),
  );
  await Promise.all(started.map((s) => s.waitForStderr(/pausing/)));
  for (const s of started) s.child.kill("SIGUSR2");
  return Promise.all(started.map((s) => s.done));
}

function appendKey(path: string, key: string, value: string): void {
  writeFileSync(path, readFileSync(path, "utf8") + `${key}=${value}\n`);
}

function dropKey(path: string, key: string): void {
  const text = readFileSync(path, "utf8");
  writeFileSync(
    path,
    text
      .split("\n")
      .filter((l) => !l.startsWith(`${key}=`))
      .join("\n"),
  );
}

describe("state.json under concurrent syncs of two environments", () => {
  it("sync -e dev & sync -e prod at the same instant keep both bases; a key a teammate deletes stays deleted (20 rounds)", async () => {
    const { root, w, d0, p0 } = twoEnvironments();
    // The first syncs, at the same instant, both create the HMAC key: one key must
    // result, the one both bases were hashed with.
    for (const r of await together([
      { args: ["sync", "-e", "dev"], cwd: w },
      { args: ["sync", "-e", "prod"], cwd: w },
    ]))
      expect(r.code, r.stderr).toBe(0);
    const first = new BaseStore(w);
    const h = first.hasher(false)!;
    expect(first.get(".env.dev", "file:../dev.env")?.keys).toEqual({ D0: h("D0", d0) });
    expect(first.get(".env.prod", "file:../prod.env")?.keys).toEqual({ P0: h("P0", p0) });
    const rounds = 20;
    let lostBases = 0;
    let resurrected = 0;
    for (let i = 1; i <= rounds; i++) {
      const d = guard.make(`D${i}`);
      const p = guard.make(`P${i}`);
      appendKey(join(w, ".env.dev"), `D${i}`, d);
      appendKey(join(w, ".env.prod"), `P${i}`, p);
      const results = await together([
        { args: ["sync", "-e", "dev"], cwd: w },
        { args: ["sync", "-e", "prod"], cwd: w },
      ]);
      for (const r of results) expect(r.code, r.stderr).toBe(0);
      // Both bases hold this round's key.
      const base = new BaseStore(w);
      const devBase = base.get(".env.dev", "file:../dev.env");
      const prodBase = base.get(".env.prod", "file:../prod.env");
      if (!devBase?.keys[`D${i}`] || !prodBase?.keys[`P${i}`]) lostBases++;
      // A teammate deletes the round's keys on the remotes; the next syncs must
      // delete them locally, not push them back.
      dropKey(join(root, "dev.env"), `D${i}`);
      dropKey(join(root, "prod.env"), `P${i}`);
      for (const env of ["dev", "prod"]) {
        const r = await runCli(["sync", "-e", env], { cwd: w });
        expect(r.code, r.stderr).toBe(0);
      }
      const devRemote = parse(readFileSync(join(root, "dev.env"), "utf8"));
      const prodRemote = parse(readFileSync(join(root, "prod.env"), "utf8"));
      const devLocal = parse(readFileSync(join(w, ".env.dev"), "utf8"));
      const prodLocal = parse(readFileSync(join(w, ".env.prod"), "utf8"));
      if (`D${i}` in devRemote || `P${i}` in prodRemote) resurrected++;
      expect(devLocal).toEqual(devRemote);
      expect(prodLocal).toEqual(prodRemote);
    }
    process.stdout.write(
      `[local-state] ${rounds} simultaneous rounds: bases lost ${lostBases}, keys resurrected ${resurrected}\n`,
    );
    expect({ lostBases, resurrected }).toEqual({ lostBases: 0, resurrected: 0 });
    const all = guard.values;
    guard.checkWorkingCopy(w, {
      ".env.dev": all,
      ".env.prod": all,
      "dev.env": all,
      "prod.env": all,
    });
  });
});
