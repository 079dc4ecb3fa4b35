// `npm test`: the whole suite on every supported Node.js line, whatever `node` the
// machine has (it runs this script; Node 20 will do).
//
//  1. installs the runtimes of scripts/node-runtimes.mjs (22, 24, 26) into the emulator
//     cache, once;
//  2. on the main LTS line (MAIN_LINE): builds, lints, checks THIRD-PARTY-NOTICES and runs
//     every Vitest project (unit, integration, binary);
//  3. on each other line: the unit project, then the e2e files of the integration project,
//     against the same dist/ (what a user of that line installs). The concurrency files run
//     fewer rounds there, as in the binary project: the point is that the line behaves,
//     the statistics come from the main line.
//
// Each step runs with the line's bin folder first on PATH, so Vitest, its workers and every
// `node` a test spawns (process.execPath, shebangs, npm) are that line's. A failing line
// does not stop the others; the run fails if any step failed, after a table of each line's
// result and wall time.
//
//   npm test                          every line
//   npm test -- test/unit/foo.test.ts  the same steps, Vitest given these filters
//   ENVSYNC_TEST_LINES=22,26 npm test  only these lines (the main line only if listed)
import { spawnSync } from "node:child_process";
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

/** Fewer rounds of the statistical files off the main line (as vitest.binary.config.ts). */
const OTHER_LINE_ENV = {
  ENVSYNC_CONCURRENCY_ROUNDS: "1",
  ENVSYNC_CONCURRENT_MAX_ROUNDS: "3",
  ENVSYNC_FAULTS_SAMPLE: "1",
};

/** Runs `cmd args` with `node` on PATH first; returns its exit status. */
function step(node, cmd, args, extraEnv = {}) {
  const env = envWithNode(node, { ...process.env, ...extraEnv });
  process.stdout.write(`\n[test] Node ${line(node)}: ${[cmd, ...args].join(" ")}\n`);
  const r = spawnSync(cmd === "node" ? node : cmd, args, { cwd: root, env, stdio: "inherit" });
  if (r.error) throw r.error;
  return r.status ?? 1;
}
const versions = new Map();
const line = (node) => versions.get(node) ?? node;

const results = [];
const started = Date.now();
let failed = false;
for (const l of lines) {
  const node = nodeRuntime(l);
  versions.set(node, `v${RUNTIMES[l].version}`);
  const t0 = Date.now();
  const steps =
    l === String(MAIN_LINE)
      ? [
          ["npm", ["run", "build"]],
          ["npm", ["run", "lint"]],
          ["node", [join(root, "scripts", "third-party-notices.mjs"), "--check"]],
          ["node", [vitest, "run", ...filters]],
        ]
      : [
          ["node", [vitest, "run", "--project", "unit", ...loose, ...filters], OTHER_LINE_ENV],
          [
            "node",
            [
              vitest,
              "run",
              "--project",
              "integration",
              ...loose,
              ...(filters.length ? filters : ["test/e2e/"]),
            ],
            OTHER_LINE_ENV,
          ],
        ];
  let status = 0;
  let last = 0;
  for (const [i, [cmd, args, env]] of steps.entries()) {
    status = step(node, cmd, args, env);
    last = i;
    if (status !== 0) break;
  }
  const seconds = Math.round((Date.now() - t0) / 1000);
  results.push({ line: l, version: RUNTIMES[l].version, status, seconds });
  if (status !== 0) failed = true;
  // A failed build, lint or notices check: the other lines would test nothing new.
  if (status !== 0 && l === String(MAIN_LINE) && last < steps.length - 1) break;
}

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
