/**
 * Parse throughput: envsync's `parse` against `dotenv.parse` on the same 100,000-key
 * file (plain, quoted, multi-line values, comments, blank lines, `export ` prefixes),
 * timed alternately in the same run; both results must be identical.
 */
import { isDeepStrictEqual } from "node:util";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
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
 * A full garbage collection before each timed call, so no call pays for the garbage
 * the one before it left (the 100k-key results are megabytes): without it, which
 * parser a collection lands in decides the ratio of that pair.
 */
setFlagsFromString("--expose-gc");
const collect = runInNewContext("gc") as () => void;

function time(fn: () => unknown): number {
  collect();
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** Runs the parse rows. */
export async function run(): Promise<BenchRow[]> {
  await Promise.resolve();
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
  const sa = stats(a);
  const sb = stats(b);
  const sd = stats(d);
  const ratio = stats(ratios).median;
  const ratioDoc = stats(ratiosDoc).median;
  const note = `${KEYS.toLocaleString("en")} keys, ${mib.toFixed(1)} MiB; results identical; ratio = median of ${RUNS} paired runs`;
  const rows: BenchRow[] = [
    {
      name: "parse 100k keys: envsync parse vs dotenv.parse",
      ours: fmt(sa),
      baseline: fmt(sb),
      ratio: `${ratio.toFixed(2)}× faster`,
      goal: "≥ 1.5× faster",
      met: ratio >= 1.5,
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
  process.stderr.write(`parse bench: ${ratio.toFixed(2)}× dotenv.parse throughput\n`);
  return rows;
}
