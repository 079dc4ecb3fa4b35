/**
 * Parse throughput: envsync's `parse` against `dotenv.parse` on the same 100,000-key
 * file (plain, quoted, multi-line values, comments, blank lines, `export ` prefixes),
 * timed alternately in the same run; both results must be identical.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual } from "node:util";
import dotenv from "dotenv";
import { parse, parseDocument } from "../src/dotenv/index.js";
import { fmt, stats } from "./measure.js";
import type { BenchRow } from "./types.js";

const KEYS = 100_000;
const RUNS = 15;
const WARMUP = 3;

/** A deterministic 100,000-key file in the dialect both parsers share. */
export function makeFile(keys = KEYS): string {
  const lines: string[] = ["# generated for the parse benchmark", ""];
  for (let i = 0; i < keys; i++) {
    const k = `KEY_${i}`;
    switch (i % 10) {
      case 0:
        lines.push(`# section ${i / 10}`, `${k}=plain-value-${i}`);
        break;
      case 1:
        lines.push(`export ${k}=exported_${i}`);
        break;
      case 2:
        lines.push(`${k}="double quoted ${i} with # and = and 'q'"`);
        break;
      case 3:
        lines.push(`${k}='single quoted ${i} \\n stays literal'`);
        break;
      case 4:
        lines.push(`${k}="line one\\nline two\\n${i}"`);
        break;
      case 5:
        lines.push(`${k}="-----BEGIN KEY-----`, `MIIB${i}abcdefghijklmnop`, `-----END KEY-----"`);
        break;
      case 6:
        lines.push(`${k} = spaced value ${i}   # inline comment`);
        break;
      case 7:
        lines.push(`${k}=`, "");
        break;
      case 8:
        lines.push(`${k}=\`backtick ${i}\``);
        break;
      default:
        lines.push(`${k}=postgres://user:pa55w0rd@db.example.com:5432/app_${i}?sslmode=require`);
    }
  }
  return lines.join("\n") + "\n";
}

/**
 * A full garbage collection before each timed call (the process runs with
 * --expose-gc), so no call pays for the garbage the one before it left (the 100k-key
 * results are megabytes): without it, which parser a collection lands in decides the
 * ratio of that pair.
 */
function time(fn: () => unknown): number {
  (globalThis as { gc?: () => void }).gc?.();
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const self = fileURLToPath(import.meta.url);
const PROCESSES = 3;

/** The timings of one process (ms), for {@link run} to pool. */
interface Timings {
  readonly mib: number;
  readonly a: number[];
  readonly b: number[];
  readonly d: number[];
  readonly ratios: number[];
  readonly ratiosDoc: number[];
}

/**
 * Runs the parse rows in {@link PROCESSES} fresh processes, as the CLI parses, and pools
 * their paired runs. Not in the bench's own process: the benches before this one have
 * run envsync's parser on other inputs, and its optimised code is no longer that of a
 * fresh run (measured: 1.20× there against 1.76× in a fresh process). More than one
 * process, because V8 does not optimise the same way every time: on this machine about
 * one fresh process in four ran envsync's parser ≈ 35 % slower throughout (a
 * deoptimisation loop seen with --trace-deopt), which one process alone would report as
 * the machine's figure.
 */
export async function run(): Promise<BenchRow[]> {
  await Promise.resolve();
  const all: Timings[] = [];
  for (let i = 0; i < PROCESSES; i++) {
    const r = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", self], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    });
    if (r.status !== 0) throw new Error(`the parse bench's process failed (exit ${r.status})`);
    all.push(JSON.parse(r.stdout) as Timings);
  }
  const pool = (k: Exclude<keyof Timings, "mib">): number[] => all.flatMap((t) => t[k]);
  const sa = stats(pool("a"));
  const sb = stats(pool("b"));
  const sd = stats(pool("d"));
  const ratio = stats(pool("ratios"));
  const ratioDoc = stats(pool("ratiosDoc")).median;
  const perProcess = all.map((t) => stats(t.ratios).median.toFixed(2)).join(", ");
  const note = `${KEYS.toLocaleString("en")} keys, ${all[0]!.mib.toFixed(1)} MiB; results identical; ratio = median of ${PROCESSES} fresh processes × ${RUNS} paired runs (${ratio.min.toFixed(2)}–${ratio.max.toFixed(2)}; per process ${perProcess})`;
  const rows: BenchRow[] = [
    {
      name: "parse 100k keys: envsync parse vs dotenv.parse",
      ours: fmt(sa),
      baseline: fmt(sb),
      ratio: `${ratio.median.toFixed(2)}× faster`,
      goal: "≥ 1.5× faster",
      met: ratio.median >= 1.5,
      note,
    },
    {
      name: "parse 100k keys: envsync parseDocument (map + lossless model) vs dotenv.parse",
      ours: fmt(sd),
      baseline: fmt(sb),
      ratio: `${ratioDoc.toFixed(2)}× faster`,
      goal: "–",
      note: "the document model kept for format-preserving writes",
    },
  ];
  process.stderr.write(`parse bench: ${ratio.median.toFixed(2)}× dotenv.parse throughput\n`);
  return rows;
}

/** Times both parsers in this process. */
function measure(): Timings {
  const text = makeFile();
  const mib = Buffer.byteLength(text) / 2 ** 20;

  const ours = parse(text);
  const theirs = dotenv.parse(text);
  if (Object.keys(ours).length !== KEYS || !isDeepStrictEqual({ ...ours }, { ...theirs })) {
    throw new Error("envsync parse and dotenv.parse disagree on the benchmark file");
  }
  // Each iteration times both parsers back to back (alternating which goes first), so a
  // shift in machine load hits both; the ratio reported is the median of the
  // per-iteration ratios, next to each side's median time and range.
  const a: number[] = [];
  const b: number[] = [];
  const d: number[] = [];
  const ratios: number[] = [];
  const ratiosDoc: number[] = [];
  for (let i = 0; i < WARMUP + RUNS; i++) {
    let ta: number;
    let tb: number;
    if (i % 2 === 0) {
      ta = time(() => parse(text));
      tb = time(() => dotenv.parse(text));
    } else {
      tb = time(() => dotenv.parse(text));
      ta = time(() => parse(text));
    }
    const td = time(() => parseDocument(text));
    const tb2 = time(() => dotenv.parse(text));
    if (i >= WARMUP) {
      a.push(ta);
      b.push(tb, tb2);
      d.push(td);
      ratios.push(tb / ta);
      ratiosDoc.push(tb2 / td);
    }
  }
  return { mib, a, b, d, ratios, ratiosDoc };
}

if (process.argv[1] === self) process.stdout.write(JSON.stringify(measure()));
