/**
 * envsync beside the AWS CLI (awscli from PyPI, installed by test/harness/tools) on
 * moto, in the same rounds: a 1,000-key SSM read (`aws ssm get-parameters-by-path
 * --recursive --with-decryption`) and a 1,000-key Secrets Manager per-key read
 * (`aws secretsmanager batch-get-secret-value --filters`, the CLI's one-command read,
 * run once per page with `--next-token` until the last: the CLI has no paginator for
 * it, and one call returns one page, so both sides read all 1,000 values).
 * Both go through a counting proxy in front of moto, so calls are counted the same way
 * for both tools (by the X-Amz-Target header of each request), every call a command
 * makes included (its own clients and any other).
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { emulator, MOTO_ENDPOINT_VAR } from "../test/harness/emulators/moto.js";
import { awsCliPath } from "../test/harness/tools/index.js";
import { fmt, fmtRatio, pairedCpu, pairedRatio, stats } from "./measure.js";
import type { BenchRow } from "./types.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const bin = join(root, "dist", "cli", "bin.js");
const KEYS = 1000;
const RUNS = Number(process.env.ENVSYNC_BENCH_AWS_RUNS ?? 5);

/** bench/count-proxy.mjs in front of moto, as its own process (the bench blocks on spawnSync). */
async function countingProxy(target: string): Promise<{
  url: string;
  reset: () => Promise<void>;
  counts: () => Promise<Map<string, number>>;
  stop: () => void;
}> {
  const child = spawn(process.execPath, [join(root, "bench", "count-proxy.mjs"), target], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const port = await new Promise<string>((ok, fail) => {
    child.stdout.setEncoding("utf8").once("data", (d: string) => ok(d.trim()));
    child.once("exit", (c) => fail(new Error(`count-proxy exited ${c}`)));
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    reset: async () => void (await fetch(`${url}/__reset`, { method: "POST" })).text(),
    counts: async () =>
      new Map(
        Object.entries((await (await fetch(`${url}/__counts`)).json()) as Record<string, number>),
      ),
    stop: () => child.kill(),
  };
}

/**
 * A paged AWS CLI read over every page: the command (the script's arguments) run once
 * per page, with `--next-token` from the page before, until a page has none; prints the
 * number of values read (the bench checks it against the keys written, so both sides
 * do the same work).
 */
const EVERY_PAGE = String.raw`set -e
n=0
out=$("$@" --output json)
while :; do
  n=$((n + $(printf '%s\n' "$out" | grep -c '"SecretString"')))
  tok=$(printf '%s\n' "$out" | sed -n 's/^    "NextToken": "\(.*\)",*$/\1/p')
  [ -n "$tok" ] || break
  out=$("$@" --output json --next-token "$tok")
done
echo "$n"`;

/** Runs the AWS CLI rows. */
export async function run(): Promise<BenchRow[]> {
  const aws = await awsCliPath();
  await emulator.install();
  const moto = await emulator.start();
  const proxy = await countingProxy(moto.env[MOTO_ENDPOINT_VAR]!);
  try {
    const env: Record<string, string> = { ...moto.env, NO_COLOR: "1", AWS_PAGER: "" };
    const childEnv = { ...process.env, ...env };
    const q = `?region=us-east-1&endpoint=${encodeURIComponent(proxy.url)}`;
    const top = mkdtempSync(join(tmpdir(), "envsync-awscli-"));
    const lines = Array.from({ length: KEYS }, (_, i) => `KEY_${i}=value-${i}-${"x".repeat(24)}`);
    const calls = async (argv: string[], cwd: string): Promise<Map<string, number>> => {
      await proxy.reset();
      const r = spawnSync(argv[0]!, argv.slice(1), { cwd, env: childEnv, encoding: "utf8" });
      if (r.status !== 0) throw new Error(`${argv.join(" ")}: ${r.stderr.slice(-400)}`);
      return proxy.counts();
    };
    const total = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);
    const show = (m: Map<string, number>): string =>
      [...m].map(([k, v]) => `${v} ${k}`).join(" + ");
    const rows: BenchRow[] = [];

    for (const store of ["ssm", "sm"] as const) {
      const id = Math.random().toString(36).slice(2, 8);
      const uri = store === "ssm" ? `aws-ssm://bench-${id}/*${q}` : `aws-sm://bench-${id}/*${q}`;
      const synced = join(top, `${store}-synced`);
      const fresh = join(top, `${store}-fresh`);
      mkdirSync(synced);
      mkdirSync(fresh);
      writeFileSync(join(synced, ".env"), lines.join("\n") + "\n");
      await calls([process.execPath, bin, "sync", "-r", uri], synced);
      const cliArgv =
        store === "ssm"
          ? [
              aws,
              "ssm",
              "get-parameters-by-path",
              "--path",
              `/bench-${id}`,
              "--recursive",
              "--with-decryption",
              "--endpoint-url",
              proxy.url,
              "--region",
              "us-east-1",
              "--output",
              "json",
            ]
          : [
              // An absolute path: bench/cpu-time.py starts commands with execve (no PATH lookup).
              "/bin/bash",
              "-c",
              EVERY_PAGE,
              "bash",
              aws,
              "secretsmanager",
              "batch-get-secret-value",
              "--filters",
              `Key=name,Values=bench-${id}/`,
              "--endpoint-url",
              proxy.url,
              "--region",
              "us-east-1",
            ];
      if (store === "sm") {
        const read = spawnSync(cliArgv[0]!, cliArgv.slice(1), { env: childEnv, encoding: "utf8" });
        if (read.status !== 0 || read.stdout.trim() !== String(KEYS))
          throw new Error(
            `the paged CLI read got ${read.stdout.trim()} of ${KEYS}: ${read.stderr.slice(-400)}`,
          );
      }
      const cliName =
        store === "ssm"
          ? "aws ssm get-parameters-by-path"
          : "aws secretsmanager batch-get-secret-value` (every page, `--next-token`)";
      const pullArgv = [process.execPath, bin, "pull", "-r", uri];
      const diffArgv = [process.execPath, bin, "diff", "-r", uri];
      const cCli = await calls(cliArgv, top);
      const cPull = await calls(pullArgv, synced);
      const cFresh = await calls(diffArgv, fresh);
      const r = pairedCpu(
        [
          { name: "cli", argv: cliArgv, cwd: top, env },
          { name: "pull", argv: pullArgv, cwd: synced, env },
          { name: "fresh", argv: diffArgv, cwd: fresh, env },
        ],
        RUNS,
        1,
      );
      const wall = (k: string): string => fmt(stats(r[k]!.map((s) => s.wall_ms)));
      const label = store === "ssm" ? "SSM" : "Secrets Manager per-key";
      for (const [which, c, note] of [
        ["pull", cPull, "a pull after a sync (the base knows every key)"],
        [
          "fresh",
          cFresh,
          "a fresh working copy (`diff`, no base: every name's owner tag is checked)",
        ],
      ] as const) {
        const w = pairedRatio(r[which]!, r.cli!, "wall_ms");
        const callRatio = total(c) / total(cCli);
        const goals = store === "ssm";
        rows.push({
          name: `${label} read, ${KEYS} keys (moto): envsync, ${note} vs \`${cliName}\``,
          ours: `${wall(which)} wall; ${total(c)} calls (${show(c)})`,
          baseline: `${wall("cli")} wall; ${total(cCli)} calls (${show(cCli)})`,
          ratio: `time ${fmtRatio(w)}; calls ${callRatio.toFixed(2)}×`,
          goal: goals ? "calls ≤ 1.1×, time ≤ 1.0×" : "–",
          ...(goals ? { met: callRatio <= 1.1 && w.median <= 1 } : {}),
          note:
            store === "ssm"
              ? "calls counted by a proxy in front of moto: every call of the command, the notice about other tools' parameters included (it comes with the read). moto pages DescribeParameters by 10 whatever MaxResults says; AWS takes 50 names a call, so there a fresh copy makes at least 101 + 20 = 121 calls (1.2×: the ownership check; filtered pages are best effort), a pull after a sync 101"
              : "AWS: ⌈n/100⌉ ListSecrets + ⌈n/20⌉ parallel BatchGetSecretValue = 60 calls, 14 round trips at concurrency 16; the CLI's filtered batch read: one CLI run per page (20 secrets a page on AWS, all sequential), every page read here and the values counted",
        });
      }
    }
    return rows;
  } finally {
    proxy.stop();
    await moto.stop();
  }
}
