/**
 * `npm run bench`: runs every `bench/*.bench.ts` module (or those named on the command
 * line: `npm run bench -- startup parse`), prints one side-by-side table and every goal
 * marked met or missed with its figure, and writes both to docs/BENCHMARKS.md with the
 * command, the machine, the date and the load average before and after the run.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem, type, release } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { BenchModule, BenchRow } from "./types.js";

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const modules = readdirSync(here)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => only.length === 0 || only.includes(f.replace(/\.bench\.ts$/, "")))
  .sort();

const loadBefore = loadavg();
const rows: BenchRow[] = [];
const failures: string[] = [];
for (const f of modules) {
  process.stderr.write(`bench: ${f}…\n`);
  try {
    const mod = (await import(pathToFileURL(join(here, f)).href)) as BenchModule;
    rows.push(...(await mod.run()));
  } catch (e) {
    failures.push(`${f}: ${(e as Error).message}`);
    process.stderr.write(`bench: ${f} failed: ${(e as Error).stack ?? String(e)}\n`);
  }
}

const esc = (s: string): string => s.replace(/\|/g, "\\|");
const table = [
  "| benchmark | envsync | baseline | ratio | goal | met | note |",
  "|---|---|---|---|---|---|---|",
  ...rows.map(
    (r) =>
      `| ${esc(r.name)} | ${esc(r.ours)} | ${esc(r.baseline)} | ${esc(r.ratio)} | ${esc(r.goal)} | ${r.met === undefined ? "–" : r.met ? "yes" : "**no**"} | ${esc(r.note ?? "")} |`,
  ),
].join("\n");

// Every goal, met or missed, with the figure it was judged on.
const goals = rows.filter((r) => r.met !== undefined);
const missed = goals.filter((r) => !r.met).length;
const goalLines = [
  `Goals: ${goals.length - missed} met, ${missed} missed${failures.length ? `; ${failures.length} module(s) failed, their goals unmeasured` : ""}.`,
  "",
  ...goals.map(
    (r) =>
      `- ${r.met ? "met" : "**missed**"}: ${r.name}: ${r.ratio} (goal ${r.goal}); envsync ${r.ours}`,
  ),
].join("\n");

const cpu = cpus()[0]?.model ?? "unknown CPU";
const machine = `${type()} ${release()}, ${cpu}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
const date = new Date().toISOString();
const load = (l: number[]): string => l.map((x) => x.toFixed(2)).join(", ");
const loadLine = `load average (1, 5, 15 min) ${load(loadBefore)} at the start, ${load(loadavg())} at the end, on ${cpus().length} cores`;
process.stdout.write(`\n${table}\n\n${goalLines}\n\n`);
if (failures.length)
  process.stdout.write(`failed modules:\n${failures.map((f) => `- ${f}`).join("\n")}\n`);

/** The heading of the hand-written part of docs/BENCHMARKS.md that a run keeps. */
const NOTES_HEADING = "## What stops the missed goals";

// A full run writes docs/BENCHMARKS.md; a partial one too with ENVSYNC_BENCH_WRITE=1,
// naming the modules it ran (the other rows are then not in the file).
const command = only.length ? `npm run bench -- ${only.join(" ")}` : "npm run bench";
if (only.length === 0 || process.env.ENVSYNC_BENCH_WRITE === "1") {
  const doc = [
    "# Benchmarks",
    "",
    "Produced by `npm run bench` (bench/run.ts); every row is a side-by-side measurement taken in the same run.",
    "Whole-process timings are medians with (min–max, n=runs) after warm-up runs; emulator rows run against the",
    "emulators on loopback, so they measure call counts and client-side parallelism, not cloud latency.",
    "CPU rows: user + sys time of the whole process from wait4 (bench/cpu-time.py); each command runs in the",
    "same round as its baseline, and the ratio is the median of the per-round ratios (min–max, n=rounds).",
    "teller 2.0.7 and fnox 1.46.0 (Rust peers) are built from crates.io by `npm run bench:peers` (bench/peers/build.sh,",
    "at `nice -n 19`, one job, into ~/.cache/envsync-emulators/peers; teller needs `protoc`, fnox the libudev headers and",
    "webpki-roots pinned to 1.0.10 in its lockfile); `ENVSYNC_BENCH_PEERS=1` builds them first; without them their rows say absent.",
    "",
    `- Date: ${date}`,
    `- Machine: ${machine}`,
    `- Load: ${loadLine}`,
    `- Command: \`${command}\`${only.length ? ` (ENVSYNC_BENCH_WRITE=1: only the modules named ran; \`npm run bench\` runs all)` : ""}`,
    "",
    table,
    "",
    goalLines,
    "",
    ...(failures.length
      ? ["Modules that failed in this run:", "", ...failures.map((f) => `- ${f}`), ""]
      : []),
  ].join("\n");
  // The hand-written analysis under NOTES_HEADING (what stops each missed goal) is kept.
  const target = join(here, "..", "docs", "BENCHMARKS.md");
  const previous = existsSync(target) ? readFileSync(target, "utf8") : "";
  const notesAt = previous.indexOf(NOTES_HEADING);
  const notes = notesAt >= 0 ? `\n${previous.slice(notesAt)}` : "";
  writeFileSync(target, doc + notes);
  process.stderr.write("bench: wrote docs/BENCHMARKS.md\n");
}
if (failures.length) process.exitCode = 1;
