/**
 * Writers started at the same instant on every layout (issue 12): 2 and 3 working
 * copies, each changing its own keys, released together after all have read (see
 * race.ts). No change may be lost; runs that exit 5 are run again and counted.
 *
 * `npm test` runs 3 rounds per case; `npm run concurrency` runs the same code with
 * 50 rounds (ENVSYNC_CONCURRENCY_ROUNDS), each case starting rounds for at most
 * ENVSYNC_CONCURRENCY_BUDGET_S seconds, and prints the table of docs/RELIABILITY.md
 * (also written to ENVSYNC_CONCURRENCY_OUT when set).
 * ENVSYNC_CONCURRENCY_LAYOUTS=aws-sm-bundle,… runs some layouts only.
 */
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { requireEnv } from "../harness/require-env.js";
import { CanaryGuard } from "./helpers.js";
import { race, raceTable, type RaceResult } from "./race.js";

const guard = new CanaryGuard();
const results: RaceResult[] = [];
const rounds = Number(process.env.ENVSYNC_CONCURRENCY_ROUNDS ?? 3);
const only = process.env.ENVSYNC_CONCURRENCY_LAYOUTS?.split(",").map((s) => s.trim());
/** Seconds one case may start rounds for (`npm run concurrency` bounds its run time). */
const budget = Number(process.env.ENVSYNC_CONCURRENCY_BUDGET_S ?? Number.POSITIVE_INFINITY);

const id = (): string => randomBytes(5).toString("hex");
const vault = (): string => requireEnv("ENVSYNC_TEST_LOWKEY_URL", "lowkey");
const moto = (): string => encodeURIComponent(requireEnv("ENVSYNC_TEST_MOTO_ENDPOINT", "moto"));
const gsm = (): string =>
  encodeURIComponent(`http://${requireEnv("ENVSYNC_TEST_GSM_ENDPOINT", "gsm")}`);

// prettier-ignore
const layouts: [string, () => string][] = [
  ["file", () => "file:../remote.env"],
  ["aws-sm-bundle", () => `aws-sm://race/b-${id()}?region=us-east-1&endpoint=${moto()}`],
  ["aws-sm-per-key", () => `aws-sm://race/pk-${id()}/*?region=us-east-1&endpoint=${moto()}`],
  ["aws-ssm", () => `aws-ssm://race/p-${id()}/*?region=us-east-1&endpoint=${moto()}`],
  ["gcp-sm-bundle", () => `gcp-sm://race-${id()}/app_env?endpoint=${gsm()}`],
  ["gcp-sm-per-key", () => `gcp-sm://race-${id()}/app_*?endpoint=${gsm()}`],
  ["azure-kv-bundle", () => `azure-kv://${vault()}/race-${id()}`],
  ["azure-kv-per-key", () => `azure-kv://${vault()}/r${id()}-*`],
  ["vault-bundle", () => `vault:///secret/race-${id()}/app`], // VAULT_ADDR/VAULT_TOKEN from the harness
  ["vault-per-key", () => `vault:///secret/race-${id()}/*`],
];

afterAll(() => {
  if (results.length === 0) return;
  const table = raceTable(results);
  process.stdout.write(
    `\nWriters started at the same instant (${rounds} rounds asked)\n${table}\n`,
  );
  const out = process.env.ENVSYNC_CONCURRENCY_OUT;
  if (out) writeFileSync(out, `${table}\n`);
});

describe("writers started at the same instant", () => {
  for (const [layout, uri] of layouts) {
    if (only && !only.includes(layout)) continue;
    for (const writers of [2, 3]) {
      it(`${layout}: ${writers} writers × ${rounds} rounds lose nothing`, async () => {
        const r = await race(layout, uri(), writers, rounds, guard, Date.now() + budget * 1000);
        results.push(r);
        expect(r.problems).toEqual([]);
        expect(r.lost, `changes lost on ${layout} with ${writers} writers`).toBe(0);
      }, 3_600_000);
    }
  }
});
