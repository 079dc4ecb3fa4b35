/**
 * Concurrent writers on Vault (the real OpenBao server): 2 and 3 working copies run
 * `envsync sync` at the same instant against one remote, on both layouts. Each round
 * every writer changes a key of its own, adds a new key and sets the key they share.
 * KV v2 check-and-set makes every write land on exactly the version read, so a
 * writer either commits or exits 5 with nothing written; its re-run merges. After
 * every round the remote must hold every writer's values (own and added keys) and,
 * for the shared key, one of this round's values: anything else counts as lost.
 *
 * Rounds per case: ENVSYNC_VAULT_ROUNDS (default 10; the figure in
 * docs/providers/vault.md was measured with 50). The table is printed at the end.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "../../src/dotenv/index.js";
import { silentLogger } from "../../src/logger.js";
import { openStore } from "../../src/providers/registry.js";
import { VAULT_ADDR_VAR, VAULT_TOKEN_VAR } from "../harness/emulators/openbao.js";
import { requireEnv } from "../harness/require-env.js";
import { CanaryGuard, runCli, tempDir, type CliResult } from "./helpers.js";

const guard = new CanaryGuard();
const ROUNDS = Number(process.env.ENVSYNC_VAULT_ROUNDS ?? "10");
const rand = (): string => randomBytes(5).toString("hex");
const env = (): Record<string, string> => ({
  VAULT_ADDR: requireEnv(VAULT_ADDR_VAR, "openbao"),
  VAULT_TOKEN: requireEnv(VAULT_TOKEN_VAR, "openbao"),
  HOME: tempDir("envsync-vault-home-"),
});

interface Row {
  layout: string;
  writers: number;
  rounds: number;
  changes: number;
  runs: number;
  exit5: number;
  lost: number;
}
const rows: Row[] = [];

function setLocal(dir: string, set: Record<string, string>): void {
  const path = join(dir, ".env");
  let text = readFileSync(path, "utf8");
  const current = parse(text);
  for (const [k, v] of Object.entries(set)) {
    if (k in current) text = text.replace(`${k}=${current[k]}\n`, `${k}=${v}\n`);
    else text += `${k}=${v}\n`;
  }
  writeFileSync(path, text);
}

async function race(layout: string, remote: string, n: number): Promise<void> {
  const row: Row = { layout, writers: n, rounds: ROUNDS, changes: 0, runs: 0, exit5: 0, lost: 0 };
  rows.push(row);
  const e = env();
  const root = tempDir("envsync-vault-race-");
  const writers = Array.from({ length: n }, (_, i) => {
    const name = String.fromCharCode(97 + i);
    const dir = join(root, name);
    mkdirSync(dir);
    writeFileSync(
      join(dir, "envsync.yaml"),
      `environments:\n  dev:\n    remote: ${JSON.stringify(remote)}\n`,
    );
    writeFileSync(join(dir, ".env"), "");
    return { name, dir, own: `OWN_${name.toUpperCase()}` };
  });
  const run = (dir: string): Promise<CliResult> => {
    row.runs++;
    return guard.run(["sync"], { cwd: dir, env: e, timeoutMs: 90_000 });
  };
  const added: Record<string, string> = {};
  for (let i = 0; i < ROUNDS; i++) {
    const mine = new Map<string, Record<string, string>>();
    for (const w of writers) {
      const v = guard.make(`${w.name}${i}`);
      const set = { [w.own]: v, [`NEW_${w.name.toUpperCase()}_${i}`]: v, SHARED: v };
      mine.set(w.name, set);
      setLocal(w.dir, set);
      row.changes += 3;
    }
    const results = await Promise.all(writers.map((w) => run(w.dir)));
    for (const [j, r] of results.entries()) {
      const w = writers[j]!;
      expect([0, 5], `${w.name} round ${i}: ${r.stderr}`).toContain(r.code);
      if (r.code === 5) {
        row.exit5++;
        let again = await run(w.dir);
        for (let k = 0; again.code === 5 && k < 5; k++) {
          row.exit5++;
          again = await run(w.dir);
        }
        expect(again.code, again.stderr).toBe(0);
      }
    }
    const store = await openStore(remote, {
      cwd: root,
      env: e,
      logger: silentLogger,
      concurrency: 8,
    });
    const now = Object.fromEntries((await store.read()).values);
    await store.close?.();
    for (const w of writers) {
      const m = mine.get(w.name)!;
      const newKey = `NEW_${w.name.toUpperCase()}_${i}`;
      added[newKey] = m[newKey]!;
      if (now[w.own] !== m[w.own]) row.lost++;
    }
    for (const [k, v] of Object.entries(added)) if (now[k] !== v) row.lost++;
    if (!writers.some((w) => mine.get(w.name)!.SHARED === now.SHARED)) row.lost++;
    expect(row.lost, `round ${i}: a change was lost`).toBe(0);
  }
  for (const w of writers) expect((await run(w.dir)).code).toBe(0);
  for (const w of writers) {
    const ck = await runCli(["check"], { cwd: w.dir, env: e });
    expect(ck.code, ck.stderr).toBe(0);
    guard.checkWorkingCopy(w.dir, { ".env": guard.values });
  }
}

afterAll(() => {
  if (rows.length === 0) return;
  const lines = [
    "| layout | writers | rounds | changes | CLI runs | exit 5 (re-run merged) | lost |",
    "|---|---|---|---|---|---|---|",
    ...rows.map(
      (r) =>
        `| ${r.layout} | ${r.writers} | ${r.rounds} | ${r.changes} | ${r.runs} | ${r.exit5} | ${r.lost} |`,
    ),
  ];
  process.stdout.write(`\nConcurrent writers on Vault (OpenBao ${"2.7.2"})\n${lines.join("\n")}\n`);
});

describe("concurrent writers on vault://", () => {
  for (const n of [2, 3]) {
    it(
      `bundle, ${n} writers at the same instant`,
      () => race("vault bundle (KV v2, cas)", `vault:///secret/race-${rand()}/app`, n),
      600_000,
    );
    it(
      `per-key, ${n} writers at the same instant`,
      () => race("vault per-key (KV v2, cas)", `vault:///secret/race-${rand()}/*`, n),
      600_000,
    );
  }
});
