/**
 * The standalone binary (issue 18). `npm test` runs every e2e file that drives the CLI
 * twice: in the integration project against dist/cli/bin.js, and in the binary project
 * (vitest.binary.config.ts) against the executable `scripts/build-binary.mjs` builds from
 * dist/cli (Node's single executable application) in that project's global setup,
 * named by ENVSYNC_TEST_BIN. This file runs in the binary project only: it checks that
 * the pass really drives a binary, and that the binary runs on its own.
 */
import { spawnSync } from "node:child_process";
import { statSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BIN, binCommand, tempDir } from "./helpers.js";

describe("the standalone binary", () => {
  it("is what this project's e2e files run (ENVSYNC_TEST_BIN)", () => {
    expect(process.env.ENVSYNC_TEST_BIN).toBe(BIN);
    expect(binCommand(["--version"])).toEqual([BIN, ["--version"]]);
  });

  it("is one executable that runs without node_modules or Node on PATH", () => {
    expect(statSync(BIN).mode & 0o111).not.toBe(0);
    const r = spawnSync(BIN, ["--help"], {
      cwd: tempDir(),
      env: { PATH: "/nonexistent", HOME: tempDir() },
      encoding: "utf8",
    });
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("Usage: envsync");
  });
});
