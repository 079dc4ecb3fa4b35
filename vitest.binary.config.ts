import { defineConfig } from "vitest/config";

/**
 * The e2e files run against the standalone binary (`npm run build:binary`), started by
 * test/e2e/binary.test.ts inside the integration project: the emulators are that run's
 * (their variables are inherited), ENVSYNC_TEST_BIN names the binary. A representative
 * subset that fits the suite's time budget: the main job on file:, every cloud store,
 * both encrypted-file stores, local state, export, copy, history, doctor, cloud seed
 * flags, JSON bundles, base guards, SIGINT mid-write, --json and the truthful-output
 * checks (19 files; left out: the slow fault, hostile-input and concurrency files, and
 * those that start `node BIN` themselves). The interrupt file needs toxiproxy running.
 * ENVSYNC_BINARY_E2E=all runs every e2e file that drives the CLI through the helpers.
 */
const SUBSET = [
  "file-sync",
  "commands-json",
  "truthful-output",
  "aws",
  "gcp",
  "azure",
  "vault",
  "dotenvx",
  "sops",
  "local-state",
  "commands-export",
  "commands-copy",
  "commands-history",
  "commands-doctor",
  "commands-cloud",
  "json-bundle",
  "base-guards",
  "sops-migration",
  "interrupt",
].map((f) => `test/e2e/${f}.test.ts`);

/** Files that start `node BIN` themselves (a preload, a shell line): not for a binary. */
const SCRIPT_ONLY = [
  "binary",
  "packed-install",
  "lazy-load",
  "lazy-streams",
  "commands-prompts",
  "commands-run",
  "hostile",
].map((f) => `test/e2e/${f}.test.ts`);

export default defineConfig({
  test: {
    pool: "forks",
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    include: process.env.ENVSYNC_BINARY_E2E === "all" ? ["test/e2e/**/*.test.ts"] : SUBSET,
    exclude: SCRIPT_ONLY,
    environment: "node",
    testTimeout: 120_000,
    hookTimeout: 600_000,
  },
});
