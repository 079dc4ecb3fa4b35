/** Timing helpers for benches: whole-process runs and in-process loops, median and range. */
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Median, min and max of samples (ms). */
export interface Stats {
  median: number;
  min: number;
  max: number;
  runs: number;
}

/** Summarises samples. */
export function stats(samples: number[]): Stats {
  const s = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s[s.length - 1]!, runs: s.length };
}

/** "41.2 ms (40.1–43.0, n=10)". */
export function fmt(st: Stats, unit = "ms"): string {
  const d = st.median < 10 ? 2 : 1;
  return `${st.median.toFixed(d)} ${unit} (${st.min.toFixed(d)}–${st.max.toFixed(d)}, n=${st.runs})`;
}

/** Times a whole process `runs` times (after `warmup` untimed runs); fails if it exits non-zero. */
export function timeProcess(
  cmd: string,
  args: string[],
  opts: {
    cwd?: string;
    env?: NodeJS.ProcessEnv;
    runs?: number;
    warmup?: number;
    okCodes?: number[];
  } = {},
): Stats {
  const runs = opts.runs ?? 15;
  const samples: number[] = [];
  for (let i = 0; i < (opts.warmup ?? 2) + runs; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (!(opts.okCodes ?? [0]).includes(r.status ?? -1)) {
      throw new Error(
        `${cmd} ${args.join(" ")} exited ${r.status}: ${r.stderr.toString().slice(0, 500)}`,
      );
    }
    if (i >= (opts.warmup ?? 2)) samples.push(ms);
  }
  return stats(samples);
}

/** Times an async function `runs` times (after warmup). */
export async function timeAsync(fn: () => unknown, runs = 10, warmup = 2): Promise<Stats> {
  const samples: number[] = [];
  for (let i = 0; i < warmup + runs; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (i >= warmup) samples.push(ms);
  }
  return stats(samples);
}

/** Peak RSS (KiB) of a child process, measured by GNU time if present, else by /proc polling. */
export function peakRssKiB(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): number | null {
  const r = spawnSync("/usr/bin/time", ["-f", "%M", cmd, ...args], {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    encoding: "utf8",
  });
  if (r.error) return null;
  const last = r.stderr.trim().split("\n").pop() ?? "";
  const n = Number(last);
  return Number.isFinite(n) ? n : null;
}

/** One run of a command measured by bench/cpu-time.py. */
export interface CpuSample {
  cpu_ms: number;
  wall_ms: number;
  rss_kib: number;
  code: number;
}

/** A command for {@link pairedCpu}. */
export interface CpuCommand {
  name: string;
  argv: string[];
  cwd?: string;
  env?: Record<string, string>;
  /** Exit codes that count as success (default [0]). */
  okCodes?: number[];
}

/**
 * Runs `cmds` round after round (each round runs every command once, so the runs of a
 * round share the machine's moment) and returns each command's samples: CPU time is
 * user + sys from wait4 (bench/cpu-time.py), exact where GNU time rounds to 10 ms.
 */
export function pairedCpu(cmds: CpuCommand[], runs = 15, warmup = 2): Record<string, CpuSample[]> {
  const here = dirname(fileURLToPath(import.meta.url));
  const spec = { runs, warmup, cmds: cmds.map(({ okCodes: _ok, ...c }) => c) };
  const r = spawnSync("python3", [join(here, "cpu-time.py"), JSON.stringify(spec)], {
    encoding: "utf8",
    maxBuffer: 64 * 2 ** 20,
  });
  if (r.status !== 0)
    throw new Error(
      `bench/cpu-time.py failed (${r.status ?? r.signal}): ${r.error?.message ?? r.stderr}`,
    );
  const out = JSON.parse(r.stdout) as Record<string, CpuSample[]>;
  for (const c of cmds) {
    const bad = out[c.name]!.find((s) => !(c.okCodes ?? [0]).includes(s.code));
    if (bad) throw new Error(`${c.argv.join(" ")} exited ${bad.code}`);
  }
  return out;
}

/** Median, min and max of the run-by-run ratios a[i] / b[i] of two paired sample lists. */
export function pairedRatio(a: CpuSample[], b: CpuSample[], key: "cpu_ms" | "wall_ms"): Stats {
  return stats(a.map((s, i) => s[key] / b[i]![key]));
}

/** "1.21× (1.05–1.40, n=15)". */
export function fmtRatio(st: Stats): string {
  return `${st.median.toFixed(2)}× (${st.min.toFixed(2)}–${st.max.toFixed(2)}, n=${st.runs})`;
}
