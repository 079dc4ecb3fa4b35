/** Timing helpers for benches: whole-process runs and in-process loops, median and range. */
import { spawnSync } from "node:child_process";

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
