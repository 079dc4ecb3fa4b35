// `npm test`: the whole suite on every supported Node.js line, whatever `node` the
// machine has (it runs this script; Node 20 will do).
//
//  1. installs the runtimes of scripts/node-runtimes.mjs (22, 24, 26) into the emulator
//     cache, once;
//  2. on the main LTS line (MAIN_LINE): builds, lints, checks THIRD-PARTY-NOTICES and runs
//     every Vitest project (unit, integration, binary);
//  3. on each other line: the unit project, then the e2e files of the integration project,
//     against the same dist/ (what a user of that line installs). The concurrency files run
//     fewer rounds there, as in the binary project, and the other lines split the fault
//     matrix's cases and the hostile-input corpus between them: the point is that the
//     line behaves, the statistics and the whole corpus come from the main line.
//
// Each step runs with the line's bin folder first on PATH, so Vitest, its workers and every
// `node` a test spawns (process.execPath, shebangs, npm) are that line's. A failing line
// does not stop the others; the run fails if any step failed, after a table of each line's
// result and wall time.
//
// The lines run one after the other by default. ENVSYNC_TEST_PARALLEL=1 runs them at the
// same time once the main line has built dist/ (the main line's lint and notices check,
// its Vitest run, and each other line's unit and e2e runs, each Vitest run with its own
// emulators, output prefixed with `[LINE]`): it fills the time one run waits with another
// run's work, but on 2 cores three runs and three sets of emulators at once made
// set-up steps of the fault matrix time out before any fault was injected, so it is not
// the default.
//
//   npm test                          every line
//   npm test -- test/unit/foo.test.ts  the same steps, Vitest given these filters
//   ENVSYNC_TEST_LINES=22,26 npm test  only these lines (the main line only if listed)
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { MAIN_LINE, RUNTIMES, envWithNode, nodeRuntime } from "./node-runtimes.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const vitest = join(root, "node_modules", "vitest", "vitest.mjs");
const filters = process.argv.slice(2);
/** With filters, a project of another line may have no file that matches. */
const loose = filters.length ? ["--passWithNoTests"] : [];
const lines = (process.env.ENVSYNC_TEST_LINES ?? Object.keys(RUNTIMES).join(","))
  .split(",")
  .map((l) => l.trim())
  .filter(Boolean)
  // The main line first: it builds dist/ for the others.
  .sort((a, b) => Number(b === String(MAIN_LINE)) - Number(a === String(MAIN_LINE)));

/**
 * Off the main line: fewer rounds of the statistical files (as vitest.binary.config.ts),
 * and the other lines split the fault matrix's sampled cases and the hostile-input corpus
 * between them (ENVSYNC_*_SHARE=k/n: every n-th case). Each line still meets every store,
 * operation, phase and fault and every group of the corpus; the main line runs them all.
 */
function otherLineEnv(l) {
  const others = lines.filter((o) => o !== String(MAIN_LINE));
  const share = `${others.indexOf(l)}/${others.length}`;
  return {
    ENVSYNC_CONCURRENCY_ROUNDS: "1",
    ENVSYNC_CONCURRENT_MAX_ROUNDS: "3",
    ENVSYNC_FAULTS_SAMPLE: "1",
    ENVSYNC_FAULTS_SHARE: share,
    ENVSYNC_CORPUS_SHARE: share,
  };
}

const serial = process.env.ENVSYNC_TEST_PARALLEL !== "1" || lines.length === 1;

/**
 * Runs `cmd args` with `node` on PATH first; resolves to its exit status. With `tag`, each
 * line the step prints goes out prefixed with it (lines running at the same time).
 */
function step(node, cmd, args, extraEnv = {}, tag = "") {
  const env = envWithNode(node, { ...process.env, ...extraEnv });
  process.stdout.write(`\n${tag}[test] Node ${line(node)}: ${[cmd, ...args].join(" ")}\n`);
  return new Promise((resolveStatus, reject) => {
    const child = spawn(cmd === "node" ? node : cmd, args, {
      cwd: root,
      env,
      stdio: tag ? ["inherit", "pipe", "pipe"] : "inherit",
    });
    if (tag) {
      for (const [from, to] of [
        [child.stdout, process.stdout],
        [child.stderr, process.stderr],
      ]) {
        createInterface({ input: from, crlfDelay: Infinity }).on("line", (l) =>
          to.write(`${tag}${l}\n`),
        );
      }
    }
    child.on("error", reject);
    child.on("close", (code) => resolveStatus(code ?? 1));
  });
}
const versions = new Map();
const line = (node) => versions.get(node) ?? node;

const seconds = (t0) => Math.round((Date.now() - t0) / 1000);

/**
 * The steps of one line after the main line's build, as sequences that may run at the
 * same time: on the main line the checks (lint, notices) beside the whole suite.
 */
function stepsOf(l) {
  if (l === String(MAIN_LINE)) {
    return [
      [
        ["npm", ["run", "lint"]],
        ["node", [join(root, "scripts", "third-party-notices.mjs"), "--check"]],
      ],
      [["node", [vitest, "run", ...filters]]],
    ];
  }
  // --no-cache: only the main line's run writes Vitest's results cache (the file order of
  // the next run); runs at the same time would write the one file at once.
  return [
    [
      [
        "node",
        [vitest, "run", "--no-cache", "--project", "unit", ...loose, ...filters],
        otherLineEnv(l),
      ],
      [
        "node",
        [
          vitest,
          "run",
          "--no-cache",
          "--project",
          "integration",
          ...loose,
          ...(filters.length ? filters : ["test/e2e/"]),
        ],
        otherLineEnv(l),
      ],
    ],
  ];
}

/** Runs steps in order, stopping at the first failure; the last exit status. */
async function runSteps(node, steps, tag) {
  let status = 0;
  for (const [cmd, args, env] of steps) {
    status = await step(node, cmd, args, env, tag);
    if (status !== 0) break;
  }
  return status;
}

/** Runs a line's sequences (one after the other unless ENVSYNC_TEST_PARALLEL=1); its result row. */
async function runLine(l, t0) {
  const node = nodeRuntime(l);
  const tag = serial ? "" : `[${l}] `;
  const sequences = stepsOf(l);
  const statuses = serial
    ? [await runSteps(node, sequences.flat(), tag)]
    : await Promise.all(sequences.map((steps) => runSteps(node, steps, tag)));
  const status = statuses.find((st) => st !== 0) ?? 0;
  return { line: l, version: RUNTIMES[l].version, status, seconds: seconds(t0) };
}

const started = Date.now();
for (const l of lines) versions.set(nodeRuntime(l), `v${RUNTIMES[l].version}`);
const main = String(MAIN_LINE);
const t0 = Date.now();
/** The main line builds dist/ first: every line tests it; a failed build tests nothing. */
const built = lines[0] === main ? await step(nodeRuntime(main), "npm", ["run", "build"]) : 0;
const results = [];
if (built !== 0) {
  results.push({
    line: main,
    version: RUNTIMES[main].version,
    status: built,
    seconds: seconds(t0),
  });
} else if (serial) {
  for (const l of lines) results.push(await runLine(l, l === main ? t0 : Date.now()));
} else {
  results.push(...(await Promise.all(lines.map((l) => runLine(l, l === main ? t0 : Date.now())))));
}
const failed = results.some((r) => r.status !== 0);
process.stdout.write(
  `\n[test] Node lines (${Math.round((Date.now() - started) / 1000)} s in all)\n` +
    results
      .map(
        (r) =>
          `  Node ${r.version.padEnd(8)} ${r.line === String(MAIN_LINE) ? "whole suite " : "unit + e2e  "} ${
            r.status === 0 ? "passed" : `FAILED (exit ${r.status})`
          }  ${r.seconds} s`,
      )
      .join("\n") +
    "\n",
);
process.exit(failed ? 1 : 0);
