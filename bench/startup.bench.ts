/**
 * Whole-process cost of local commands (issue 15): `--version`, `--help`, and `diff`,
 * `check`, `sync`, `pull` on a 1,000- and a 10,000-key .env in the README's set-up (a
 * folder after `envsync init --remote file:remote.env` and a first `sync`, values of 40
 * characters, commands without flags, so envsync.yaml is read), each paired run by run
 * with `node -e 0` in CPU time (user + sys, bench/cpu-time.py).
 * Peers in the same rounds: dotenvx 2.x `get` on the same file, and python-dotenv
 * parsing it (`dotenv_values`) beside envsync reading it (`export --source local`).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { pythonTools } from "../test/harness/tools/index.js";
import { fmt, fmtRatio, pairedCpu, pairedRatio, stats, type CpuSample } from "./measure.js";
import type { BenchRow } from "./types.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const bin = join(root, "dist", "cli", "bin.js");
const dotenvx = join(root, "node_modules", "@dotenvx", "dotenvx", "src", "cli", "dotenvx.js");
const RUNS = Number(process.env.ENVSYNC_BENCH_RUNS ?? 15);

const cpu = (s: CpuSample[]): string =>
  `${fmt(stats(s.map((x) => x.cpu_ms)))} CPU, ${(stats(s.map((x) => x.rss_kib)).median / 1024).toFixed(0)} MiB`;

/** `n` keys of 40-character values (the README's measure), and a remote that differs in 1 %. */
function files(dir: string, n: number): void {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push(`KEY_${i}=${`value-${i}-`.padEnd(40, "x")}`);
  writeFileSync(join(dir, ".env"), lines.join("\n") + "\n");
  writeFileSync(
    join(dir, "remote.env"),
    lines.map((l, i) => (i % 100 === 0 ? l.slice(0, -7) + "changed" : l)).join("\n") + "\n",
  );
}

/** Runs the start-up rows. */
export async function run(): Promise<BenchRow[]> {
  const { python } = await pythonTools();
  const dxVersion = (
    JSON.parse(
      readFileSync(join(root, "node_modules", "@dotenvx", "dotenvx", "package.json"), "utf8"),
    ) as { version: string }
  ).version;
  if (!existsSync(dotenvx)) throw new Error(`${dotenvx} is missing: run npm ci`);
  const node = process.execPath;
  const env = { NO_COLOR: "1" };
  const rows: BenchRow[] = [];
  for (const n of [1000, 10_000]) {
    const top = mkdtempSync(join(tmpdir(), "envsync-bench-"));
    // fresh: 1 % of the values differ, no config and no base (the peers' rows read its .env);
    // readme: the README's set-up, `envsync init --remote file:remote.env` and a first
    // `sync` (diff and check find nothing; sync and pull read both, merge, write nothing).
    const fresh = join(top, "fresh");
    const readme = join(top, "readme");
    for (const d of [fresh, readme]) {
      mkdirSync(d);
      files(d, n);
    }
    for (const args of [["init", "--remote", "file:remote.env"], ["sync"]]) {
      const r = spawnSync(node, [bin, ...args], { cwd: readme, stdio: ["ignore", "pipe", "pipe"] });
      if (r.status !== 0) throw new Error(`${args[0]} failed: ${r.stderr.toString()}`);
    }
    const es = (name: string, cwd: string, args: string[], okCodes = [0]) => ({
      name,
      argv: [node, bin, ...args],
      cwd,
      env,
      okCodes,
    });
    const cmds = [
      { name: "node", argv: [node, "-e", "0"], env },
      ...(n === 1000
        ? [es("--version", fresh, ["--version"]), es("--help", fresh, ["--help"])]
        : []),
      es("diff", readme, ["diff"]),
      es("check", readme, ["check"]),
      es("sync", readme, ["sync"]),
      es("pull", readme, ["pull"]),
      es("read", fresh, ["export", "--source", "local", "-f", ".env"]),
      // dotenvx takes seconds on 1,000 keys; 10,000 would take the bench's whole budget.
      ...(n === 1000
        ? [{ name: "dotenvx", argv: [node, dotenvx, "get", "-f", ".env"], cwd: fresh, env }]
        : []),
      {
        name: "python-dotenv",
        argv: [python, "-c", "from dotenv import dotenv_values; dotenv_values('.env')"],
        cwd: fresh,
        env,
      },
      { name: "python", argv: [python, "-c", "0"], env },
    ];
    const r = pairedCpu(cmds, RUNS);
    const goal = n === 1000 ? 1.3 : 2;
    const keys = n.toLocaleString("en");
    for (const c of ["--version", "--help", "diff", "check", "sync", "pull"]) {
      if (!r[c]) continue;
      const ratio = pairedRatio(r[c], r.node!, "cpu_ms");
      rows.push({
        name: `\`envsync ${c}\`${c.startsWith("--") ? "" : `, ${keys} keys (README set-up: init --remote file:, first sync)`} vs \`node -e 0\`: CPU`,
        ours: cpu(r[c]),
        baseline: cpu(r.node!),
        ratio: fmtRatio(ratio),
        goal: `≤ ${goal}×`,
        met: ratio.median <= goal,
        ...(c.startsWith("--")
          ? {}
          : { note: "reads envsync.yaml, both sides and the base; writes nothing" }),
      });
    }
    const dx = r.dotenvx ? pairedRatio(r.dotenvx, r.diff!, "cpu_ms") : null;
    if (dx && r.dotenvx)
      rows.push({
        name: `\`envsync diff\`, ${keys} keys vs dotenvx ${dxVersion} \`get\` on the same file: CPU`,
        ours: cpu(r.diff!),
        baseline: cpu(r.dotenvx),
        ratio: `${fmtRatio(dx)} faster`,
        goal: "faster",
        met: dx.median > 1,
        note: "dotenvx only reads one file; envsync reads two, merges and prints the diff",
      });
    const pyOwn = stats(r["python-dotenv"]!.map((s, i) => s.cpu_ms - r.python![i]!.cpu_ms));
    const ourOwn = stats(r.read!.map((s, i) => s.cpu_ms - r.node![i]!.cpu_ms));
    const py = pairedRatio(r["python-dotenv"]!, r.read!, "cpu_ms");
    rows.push({
      name: `read a ${keys}-key .env, whole process: \`envsync export --source local\` vs python-dotenv \`dotenv_values\`: CPU`,
      ours: `${cpu(r.read!)}; ${fmt(ourOwn)} above \`node -e 0\``,
      baseline: `${cpu(r["python-dotenv"]!)}; ${fmt(pyOwn)} above \`python -c 0\``,
      ratio: `${fmtRatio(py)} faster`,
      goal: "–",
      note: "python-dotenv 1.2.4 from the project's tool venv (test/harness/tools)",
    });
  }
  return rows;
}
