/**
 * The e2e harness's runCli against a CLI that exits without reading its standard input:
 * the pipe is closed under the write (EPIPE), which must not become an uncaught exception
 * in the test worker (on a loaded machine two runs of the suite failed that way, every
 * test green). Input larger than a pipe's buffer makes the EPIPE certain, not a race.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "envsync-stdin-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("runCli and a CLI that does not read its input", () => {
  it("gives the run's result when the CLI exits before reading 8 MiB of input", async () => {
    const r = await runCli(["--version"], { cwd: dir, input: "x".repeat(8 << 20) });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\d+\.\d+\.\d+/);
  });
});
