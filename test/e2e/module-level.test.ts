/**
 * The core of the built CLI (dist/cli/core.cjs) has a module level that reads nothing
 * of the run: no environment variable, argv, working folder, clock or random source,
 * standard stream, timer or listener (fixtures/module-level-probe.mjs traps each one).
 * So evaluating it ahead of time (a V8 start-up snapshot of the standalone binary, see
 * docs/DESIGN.md) would freeze nothing a run must read for itself; and a module that
 * draws a random value at load (the ESC marker of src/cli/safe-text.ts) would draw it
 * once for every run. A control file proves the probe sees such reads.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "./helpers.js";

const PROBE = resolve(import.meta.dirname, "fixtures", "module-level-probe.mjs");
const CORE = resolve(import.meta.dirname, "..", "..", "dist", "cli", "core.cjs");

/** What the module level of `file` read, as the probe reports it. */
function moduleLevelReads(file: string): string[] {
  const r = spawnSync(process.execPath, [PROBE, file], { encoding: "utf8" });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as string[];
}

describe("module-level side effects of the built core", () => {
  it("evaluating dist/cli/core.cjs reads no environment, argv, cwd, clock, random source or stream", () => {
    expect(moduleLevelReads(CORE)).toEqual([]);
  });

  it("control: the probe reports a module that reads them at load", () => {
    const file = join(tempDir("envsync-module-level-"), "reads.cjs");
    writeFileSync(
      file,
      [
        "const home = process.env.HOME;",
        "const mark = Math.random();",
        "const at = Date.now();",
        "const cwd = process.cwd();",
        "const tty = process.stderr.isTTY;",
        "module.exports = { home, mark, at, cwd, tty };",
      ].join("\n"),
    );
    expect(moduleLevelReads(file)).toEqual([
      "process.env.HOME",
      "Math.random",
      "Date.now",
      "process.cwd",
      "process.stderr",
    ]);
  });
});
