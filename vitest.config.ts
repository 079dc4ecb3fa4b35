import { defineConfig } from "vitest/config";
import SlowFirstSequencer from "./test/harness/slow-first-sequencer.js";
import { binaryProject } from "./vitest.binary.config.js";

export default defineConfig({
  test: {
    pool: "forks",
    // The default output, then the ten slowest files (test/harness/slowest-files-reporter.ts).
    reporters: ["default", "./test/harness/slowest-files-reporter.ts"],
    // 2 cores: two workers; emulators run beside them.
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    // The slowest files start first, so none holds a worker at the end of the run.
    sequence: { sequencer: SlowFirstSequencer },
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          environment: "node",
          // A backstop, not a measure: some unit tests run bash, sh or git, and on a
          // 2-core machine with a CPU hog beside the suite one spawn can take seconds
          // (scripts/stress-test.sh). No assertion depends on how long a test takes.
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: "integration",
          include: [
            "test/contract/**/*.test.ts",
            "test/e2e/**/*.test.ts",
            "test/interop/**/*.test.ts",
          ],
          // The standalone binary's own file runs in the binary project only.
          exclude: ["test/e2e/binary.test.ts"],
          environment: "node",
          globalSetup: ["test/harness/global-setup.ts"],
          // A backstop for hangs, not a measure: under stress-ng on 2 cores a test that
          // spawns the real dotenvx 40 times took over 120 s (scripts/stress-test.sh).
          testTimeout: 300_000,
          hookTimeout: 600_000,
        },
      },
      // The e2e files again, against the standalone binary (vitest.binary.config.ts).
      binaryProject,
    ],
  },
});
