import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    pool: "forks",
    // The default output, then the ten slowest files (test/harness/slowest-files-reporter.ts).
    reporters: ["default", "./test/harness/slowest-files-reporter.ts"],
    // 2 cores: two workers; emulators run beside them.
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          environment: "node",
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
          environment: "node",
          globalSetup: ["test/harness/global-setup.ts"],
          testTimeout: 120_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
