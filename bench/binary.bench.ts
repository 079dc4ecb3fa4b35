/**
 * The standalone binary against the runtime it is made of (issue 27): `envsync --version`
 * and `envsync diff` on a small `file:` remote, of the binary `scripts/build-binary.mjs`
 * builds, each paired run by run with `node -e 0` of the same Node line (BINARY_LINE, the
 * project's own install), CPU and wall time.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
// @ts-expect-error: a plain ES module script without types
import { BINARY_LINE, nodeRuntime } from "../scripts/node-runtimes.mjs";
import { fmt, fmtRatio, pairedCpu, pairedRatio, stats, type CpuSample } from "./measure.js";
import type { BenchRow } from "./types.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const RUNS = Number(process.env.ENVSYNC_BENCH_RUNS ?? 15);

/** Runs the binary rows. */
export function run(): Promise<BenchRow[]> {
  const work = mkdtempSync(join(tmpdir(), "envsync-bench-binary-"));
  try {
    const node = (nodeRuntime as (line: number) => string)(BINARY_LINE as number);
    const version = spawnSync(node, ["--version"], { encoding: "utf8" }).stdout.trim();
    const binary = join(work, "envsync");
    const b = spawnSync(process.execPath, [join(root, "scripts", "build-binary.mjs"), binary], {
      encoding: "utf8",
    });
    if (b.status !== 0) throw new Error(`build-binary failed: ${b.stderr}`);
    const env = { NO_COLOR: "1" };
    // A small project: 20 keys in .env, the remote file with one changed, one added.
    const keys = Array.from({ length: 20 }, (_, i) => `KEY_${i}=value-${i}`);
    writeFileSync(join(work, ".env"), keys.join("\n") + "\n");
    writeFileSync(
      join(work, "remote.env"),
      [...keys.slice(1), "KEY_0=x", "NEW=1"].join("\n") + "\n",
    );
    const r = pairedCpu(
      [
        { name: "node", argv: [node, "-e", "0"], env, cwd: work },
        { name: "version", argv: [binary, "--version"], env, cwd: work },
        { name: "diff", argv: [binary, "diff", "-r", "file:remote.env"], env, cwd: work },
      ],
      RUNS,
    );
    const show = (s: CpuSample[]): string =>
      `${fmt(stats(s.map((x) => x.cpu_ms)))} CPU, ${fmt(stats(s.map((x) => x.wall_ms)))} wall`;
    const size = `${(statSync(binary).size / 2 ** 20).toFixed(1)} MiB`;
    const row = (name: string, cmd: string, note: string): BenchRow => ({
      name: `standalone binary \`${cmd}\` vs \`node -e 0\` of its own Node ${version}: CPU`,
      ours: show(r[name]!),
      baseline: show(r.node!),
      ratio: fmtRatio(pairedRatio(r[name]!, r.node!, "cpu_ms")),
      goal: "–",
      note: `wall ratio ${fmtRatio(pairedRatio(r[name]!, r.node!, "wall_ms"))}; ${note}`,
    });
    return Promise.resolve([
      row(
        "version",
        "envsync --version",
        `binary ${size}, built with \`node --build-sea\` (code cache, --disable-sigusr1)`,
      ),
      row(
        "diff",
        "envsync diff -r file:remote.env",
        "20 keys, 2 differing, no envsync.yaml (loads the core, no chunk)",
      ),
    ]);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
