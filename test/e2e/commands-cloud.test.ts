/**
 * The everyday commands (run, export, copy, history, rollback, doctor) on the built
 * binary against every emulator store: bundle and per-key layouts of AWS (moto),
 * Google and Azure, including copies across clouds and layouts. Canary values may
 * appear only where the user asked for them (export, run's child).
 */
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { requireEnv } from "../harness/require-env.js";
import { assertNoCanary, canary, runCli, tempDir, type CliResult } from "./helpers.js";

const id = (): string => randomBytes(4).toString("hex");
const moto = (): string => encodeURIComponent(requireEnv("ENVSYNC_TEST_MOTO_ENDPOINT", "moto"));
const gsm = (): string => requireEnv("ENVSYNC_TEST_GSM_ENDPOINT", "gsm");
const kv = (): string => requireEnv("ENVSYNC_TEST_LOWKEY_URL", "lowkey");

/** [name, bundle URI, per-key URI] per cloud, fresh names each call. */
const clouds: [string, () => string, () => string][] = [
  [
    "aws",
    () => `aws-sm://envsync-cmd/b-${id()}?region=us-east-1&endpoint=${moto()}`,
    () => `aws-sm://envsync-cmd/pk-${id()}/*?region=us-east-1&endpoint=${moto()}`,
  ],
  [
    "gcp",
    () => `gcp-sm://cmd-${id()}/bundle?endpoint=http://${gsm()}`,
    () => `gcp-sm://cmd-${id()}/K_*?endpoint=http://${gsm()}`,
  ],
  ["azure", () => `azure-kv://${kv()}/b${id()}`, () => `azure-kv://${kv()}/p${id()}-*`],
];

const canaries: string[] = [];
function mk(label: string): string {
  const c = canary(label);
  canaries.push(c);
  return c;
}

/** Runs the CLI; output must hold no canary unless `valuesAllowed`. */
async function cli(cwd: string, args: string[], valuesAllowed = false): Promise<CliResult> {
  const r = await runCli(args, { cwd, timeoutMs: 120_000 });
  if (!valuesAllowed)
    assertNoCanary(canaries, {
      [`stdout of ${args[0]}`]: r.stdout,
      [`stderr of ${args[0]}`]: r.stderr,
    });
  else assertNoCanary(canaries, { [`stderr of ${args[0]}`]: r.stderr });
  return r;
}

async function exported(cwd: string, remote: string): Promise<Record<string, string>> {
  const r = await cli(cwd, ["export", "--format", "json", "-r", remote], true);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Record<string, string>;
}

describe.each(clouds)("everyday commands on %s", (cloud, bundle, perKey) => {
  it("push, run, export, copy across layouts and to a file, doctor", async () => {
    const dir = tempDir(`envsync-cmd-${cloud}-`);
    const values = {
      API_KEY: mk("API"),
      MULTI: `line1\n${mk("ML")}`,
      DB_URL: `postgres://u:${mk("DB")}@h/db`,
    };
    writeFileSync(
      join(dir, ".env"),
      `API_KEY=${values.API_KEY}\nMULTI="${values.MULTI.replace("\n", "\\n")}"\nDB_URL=${values.DB_URL}\n`,
    );
    const b = bundle();
    expect((await cli(dir, ["push", "-r", b])).code).toBe(0);

    // run: the child gets the values; envsync writes nothing and exits with the child's code.
    const run = await cli(
      dir,
      [
        "run",
        "-r",
        b,
        "--",
        process.execPath,
        "-e",
        "process.stdout.write(process.env.API_KEY); process.exit(7)",
      ],
      true,
    );
    expect(run.code).toBe(7);
    expect(run.stdout).toBe(values.API_KEY);

    expect(await exported(dir, b)).toEqual(values);

    // copy: bundle → per-key of the same cloud, then → a file remote; dry run writes nothing.
    const pk = perKey();
    const dry = await cli(dir, ["copy", b, pk, "--dry-run"]);
    expect(dry.code, dry.stderr).toBe(0);
    const copied = await cli(dir, ["copy", b, pk]);
    expect(copied.code, copied.stderr).toBe(0);
    expect(await exported(dir, pk)).toEqual(values);
    expect((await cli(dir, ["copy", pk, "file:copy.json"])).code).toBe(0);
    expect(await exported(dir, "file:copy.json")).toEqual(values);

    // doctor on the cloud remote: credentials from the harness's standard chain, reachable.
    const doc = await cli(dir, ["doctor", "-r", b]);
    expect(doc.stdout).toMatch(/✓ reachable/);
  }, 300_000);

  it("history lists versions without values; rollback restores one as a new version", async () => {
    const dir = tempDir(`envsync-hist-${cloud}-`);
    const b = bundle();
    const v1 = { A: mk("V1"), B: "1" };
    writeFileSync(join(dir, ".env"), `A=${v1.A}\nB=1\n`);
    expect((await cli(dir, ["push", "-r", b])).code).toBe(0);
    writeFileSync(join(dir, ".env"), `A=${mk("V2")}\nC=3\n`);
    expect((await cli(dir, ["push", "--prune", "--yes", "-r", b])).code).toBe(0);

    const h = await cli(dir, ["history", "--json", "-r", b]);
    expect(h.code, h.stderr).toBe(0);
    const versions = (
      JSON.parse(h.stdout) as {
        versions: { id: string; current: boolean; keyCount: number | null }[];
      }
    ).versions;
    expect(versions.length).toBeGreaterThanOrEqual(2);
    expect(versions[0]!.current).toBe(true);
    const older = versions.find((v) => !v.current && v.keyCount === 2);
    expect(older, JSON.stringify(versions)).toBeDefined();

    const refused = await cli(dir, ["rollback", "--to", older!.id, "-r", b]);
    expect(refused.code).toBe(2); // no terminal and no --yes: nothing written
    const rb = await cli(dir, ["rollback", "--to", older!.id, "--yes", "-r", b]);
    expect(rb.code, rb.stderr).toBe(0);
    expect(await exported(dir, b)).toEqual(v1);
  }, 300_000);
});

it("copy across clouds: AWS bundle → Azure per-key → Google per-key keeps every value exactly", async () => {
  const dir = tempDir("envsync-cross-");
  const values = { A_B: mk("AB"), "a-b": mk("ab"), A__B: `x\n${mk("AAB")}` };
  const src = clouds[0]![1]();
  writeFileSync(join(dir, "src.json"), JSON.stringify(values));
  expect((await cli(dir, ["copy", "file:src.json", src])).code).toBe(0);
  const az = clouds[2]![2]();
  expect((await cli(dir, ["copy", src, az])).code).toBe(0);
  expect(await exported(dir, az)).toEqual(values);
  // Google secret ids allow A-Za-z0-9_- : `a-b` is fine, so all three keys go across.
  const g = clouds[1]![2]();
  expect((await cli(dir, ["copy", az, g])).code).toBe(0);
  expect(await exported(dir, g)).toEqual(values);
}, 300_000);
