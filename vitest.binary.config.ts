import { tmpdir } from "node:os";
import { join } from "node:path";
import { defineConfig, type TestProjectConfiguration } from "vitest/config";

/**
 * The binary project: every e2e file that drives the CLI, run a second time against the
 * standalone binary (`npm run build:binary`, Node's single executable application). It is
 * a project of vitest.config.ts, so `npm test` runs it beside the source pass and its
 * files share the one pool of forks (no nested Vitest holding a worker). Its global setup
 * builds the binary once (test/harness/binary-setup.ts) at the path the project gives
 * its workers as ENVSYNC_TEST_BIN, and starts the emulators it shares with the
 * integration project; a failing file fails `npm test` like any other.
 *
 * The concurrency and fault files run less here (the point is that the binary behaves;
 * the statistics come from the source pass): concurrent-start 1 round per case instead
 * of 3, concurrent at most 3 rounds per writer instead of 8 to 50, and the fault matrix
 * every fault in one phase per store and operation, the phase rotating (108 cases, not
 * 324; every store, operation, phase and fault still meets).
 *
 * Alone: `ENVSYNC_EMULATORS=… npx vitest run --project binary` (after `npm run build`).
 */

/**
 * E2E files that do not run against the binary, and why. Within the files that do, one
 * group of cases is skipped under the binary: start-up-paths' module-loading probes
 * (they need a `node --import` preload); its help-text and base cases run.
 */
export const NOT_FOR_THE_BINARY: Record<string, string> = {
  // The npm package's own module loading (a `node --import` preload counts the
  // modules dist/cli loads); a binary has no node_modules and takes no preload.
  "lazy-load": "module loading of the npm package (node --import preload)",
  // Which Node built-ins and bundle files the npm package's start-up loads (`node -r`
  // preload); a binary takes no preload.
  "lazy-streams": "start-up loading of the npm package (node -r preload)",
  // Packs the npm tarball and installs it: the npm package, not the binary.
  "packed-install": "the npm tarball and its install",
  // How stores read a lagging listing (issue 26): store code, the same in the binary;
  // the source pass proves it, the binary pass would only double its cost.
  "listing-lag": "store reads through the reality layer (the same code in the binary)",
  // What the npm bundle's core reads at module level (a probe evaluates dist/cli/core.cjs).
  "module-level": "module level of dist/cli/core.cjs (a probe, not the CLI)",
};

/** Where this run's binary is built (one per run; removed by the setup's teardown). */
const BINARY = join(tmpdir(), `envsync-binary-${process.pid}`, "envsync");

/** The binary project, for vitest.config.ts. */
export const binaryProject: TestProjectConfiguration = {
  test: {
    name: "binary",
    include: ["test/e2e/**/*.test.ts"],
    exclude: Object.keys(NOT_FOR_THE_BINARY).map((f) => `test/e2e/${f}.test.ts`),
    environment: "node",
    globalSetup: ["test/harness/global-setup.ts", "test/harness/binary-setup.ts"],
    env: {
      ENVSYNC_TEST_BIN: BINARY,
      ENVSYNC_CONCURRENCY_ROUNDS: "1",
      ENVSYNC_CONCURRENT_MAX_ROUNDS: "3",
      ENVSYNC_FAULTS_SAMPLE: "1",
    },
    // Backstops for hangs, as in the integration project.
    testTimeout: 300_000,
    hookTimeout: 600_000,
  },
};

export default defineConfig({
  test: {
    pool: "forks",
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    projects: [binaryProject],
  },
});
