/**
 * Writers started at the same instant (issue 12, "Nothing lost on any layout").
 *
 * Each round, every writer (2 or 3 working copies of one remote) sets a key of its
 * own and adds a new key, then runs `envsync sync` paused between its read and its
 * write (ENVSYNC_PAUSE_BEFORE_WRITE). Once every writer has read and is pausing, all
 * of them are released with one SIGUSR2 each, in the same tick: every write then
 * starts from the same version, the worst case for a store without a conditional
 * write. A writer that exits 5 (the remote moved under it) runs again until it
 * exits 0. After the round the remote must hold every writer's keys of every round
 * so far; at the end every working copy syncs once more and its `.env` must hold
 * them too. Used by test/e2e/concurrent-start.test.ts (few rounds, in `npm test`)
 * and by `npm run concurrency` (50 rounds, the table in docs/RELIABILITY.md).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "../../src/dotenv/index.js";
import { silentLogger } from "../../src/logger.js";
import { openStore } from "../../src/providers/registry.js";
import type { StoreContext } from "../../src/providers/types.js";
import {
  PAUSED,
  PAUSE_ENV,
  runCli,
  startCli,
  tempDir,
  type CanaryGuard,
  type CliResult,
} from "./helpers.js";

/** What one race (one layout, one writer count) measured. */
export interface RaceResult {
  /** Layout label. */
  readonly layout: string;
  /** Writers started together each round. */
  readonly writers: number;
  /** Rounds run (fewer than asked when the time budget ran out). */
  rounds: number;
  /** Changes made (each writer: its own key and a new key, per round). */
  changes: number;
  /** Runs that exited 5 and were run again. */
  exit5: number;
  /** Changes missing from the remote after a round, or from a `.env` at the end. */
  lost: number;
  /** Problems seen (exit codes other than 0/5, runs that never succeeded); empty when fine. */
  readonly problems: string[];
}

type Values = Record<string, string>;

/** Sets keys in a working copy's .env (appending new ones), keeping the rest. */
function setLocal(dir: string, set: Values): void {
  const path = join(dir, ".env");
  let text = readFileSync(path, "utf8");
  const current = parse(text);
  for (const [k, v] of Object.entries(set)) {
    if (k in current) text = text.replace(`${k}=${current[k]}\n`, `${k}=${v}\n`);
    else text += `${k}=${v}\n`;
  }
  writeFileSync(path, text);
}

async function remoteValues(uri: string, cwd: string): Promise<Values> {
  const ctx: StoreContext = { cwd, env: process.env, logger: silentLogger, concurrency: 8 };
  const store = await openStore(uri, ctx);
  try {
    return Object.fromEntries((await store.read()).values);
  } finally {
    await store.close?.();
  }
}

/** Runs `sync` in every working copy at once, released together after all have read. */
async function startTogether(dirs: readonly string[]): Promise<CliResult[]> {
  const runs = dirs.map((cwd) =>
    startCli(["sync"], {
      cwd,
      env: PAUSE_ENV,
      timeoutMs: 900_000,
    }),
  );
  // Every writer has read the remote and waits: release them all in one tick.
  await Promise.all(runs.map((r) => r.waitForStderr(PAUSED)));
  for (const r of runs) r.child.kill("SIGUSR2");
  return Promise.all(runs.map((r) => r.done));
}

/**
 * Runs `rounds` rounds of `writers` writers on `remote` (a URI relative to each
 * working copy), starting no new round after `deadline` (ms since the epoch). Never
 * throws for a lost change: it counts it (the caller asserts).
 */
export async function race(
  layout: string,
  remote: string,
  writers: number,
  rounds: number,
  guard: CanaryGuard,
  deadline = Number.POSITIVE_INFINITY,
): Promise<RaceResult> {
  const result: RaceResult = {
    layout,
    writers,
    rounds: 0,
    changes: 0,
    exit5: 0,
    lost: 0,
    problems: [],
  };
  const root = tempDir("envsync-race-");
  const copies = ["a", "b", "c"].slice(0, writers).map((name) => {
    const dir = join(root, name);
    mkdirSync(dir);
    writeFileSync(
      join(dir, "envsync.yaml"),
      `environments:\n  dev:\n    remote: ${JSON.stringify(remote)}\n`,
    );
    writeFileSync(join(dir, ".env"), "");
    return { name, dir, own: `OWN_${name.toUpperCase()}` };
  });
  const expected: Values = {};
  for (let i = 0; i < rounds && (i === 0 || Date.now() < deadline); i++) {
    result.rounds++;
    for (const w of copies) {
      const v = guard.make(`${w.name}${i}`);
      const set = { [w.own]: v, [`NEW_${w.name.toUpperCase()}_${i}`]: v };
      setLocal(w.dir, set);
      Object.assign(expected, set);
      result.changes += 2;
    }
    const results = await startTogether(copies.map((w) => w.dir));
    for (const [j, r] of results.entries()) {
      const w = copies[j]!;
      let code = r.code;
      let stderr = r.stderr;
      for (let k = 0; code === 5 && k < 10; k++) {
        result.exit5++;
        if (!/changed/.test(stderr)) result.problems.push(`${w.name} round ${i}: ${stderr}`);
        const again = await runCli(["sync"], { cwd: w.dir, timeoutMs: 300_000 });
        code = again.code;
        stderr = again.stderr;
      }
      if (code !== 0) result.problems.push(`${w.name} round ${i}: exit ${code}: ${stderr}`);
    }
    const now = await remoteValues(remote, copies[0]!.dir);
    for (const [k, v] of Object.entries(expected)) if (now[k] !== v) result.lost++;
  }
  // Every working copy ends with every change: the remote's and its own.
  for (const w of copies) {
    let s = await runCli(["sync"], { cwd: w.dir, timeoutMs: 300_000 });
    for (let k = 0; s.code === 5 && k < 5; k++)
      s = await runCli(["sync"], { cwd: w.dir, timeoutMs: 300_000 });
    if (s.code !== 0) result.problems.push(`${w.name} final sync: exit ${s.code}: ${s.stderr}`);
    const local = parse(readFileSync(join(w.dir, ".env"), "utf8"));
    for (const [k, v] of Object.entries(expected)) if (local[k] !== v) result.lost++;
  }
  return result;
}

/** The markdown table of race results. */
export function raceTable(results: readonly RaceResult[]): string {
  return [
    "| layout | writers | rounds | changes | exit-5 re-runs | changes lost |",
    "|---|---|---|---|---|---|",
    ...results.map(
      (r) => `| ${r.layout} | ${r.writers} | ${r.rounds} | ${r.changes} | ${r.exit5} | ${r.lost} |`,
    ),
  ].join("\n");
}
