/**
 * Local commands whose output goes to a pipe or a file build neither `process.stdout`
 * nor `process.stderr` (their stream modules cost start-up) and load no picocolors
 * chunk, with NO_COLOR unset: the colour check asks fd 2's kind first (src/cli/output.ts).
 * Asserts which Node built-ins were loaded (not how long anything took); the control
 * proves the probe sees the stream modules when a stream is built.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BIN, tempDir } from "./helpers.js";

const dir = tempDir("envsync-lazy-streams-");
const probe = join(dir, "probe.cjs");
// Preload (-r): at exit, writes the built-ins and the files of the bundle read as source.
writeFileSync(
  probe,
  `const fs = require("node:fs");
const read = [];
const readFileSync = fs.readFileSync;
fs.readFileSync = function (...a) { if (typeof a[0] === "string") read.push(a[0]); return readFileSync.apply(this, a); };
process.on("exit", () => fs.writeFileSync(process.env.PROBE_OUT, JSON.stringify({ builtins: process.moduleLoadList, read })));
`,
);
writeFileSync(join(dir, ".env"), "A=1\nB=2\n");
writeFileSync(join(dir, "remote.env"), "A=1\nB=3\n");

function loaded(argv: string[]): { builtins: string[]; read: string[] } {
  const out = join(tempDir("envsync-probe-"), "out.json");
  const env: NodeJS.ProcessEnv = { ...process.env, PROBE_OUT: out };
  delete env.NO_COLOR;
  delete env.FORCE_COLOR;
  const r = spawnSync(process.execPath, ["-r", probe, ...argv], {
    cwd: dir,
    env,
    stdio: ["ignore", "pipe", "pipe"],
    encoding: "utf8",
    timeout: 110_000, // a backstop under load, below the test time-out
  });
  expect(r.error).toBeUndefined();
  return JSON.parse(readFileSync(out, "utf8")) as { builtins: string[]; read: string[] };
}

const STREAM = "NativeModule stream";

describe("no stdio stream is built when output is piped", () => {
  it.each([
    [["diff", "-r", "file:remote.env"]],
    [["check", "-r", "file:remote.env"]],
    [["export", "--source", "local", "-f", ".env"]],
  ])("envsync %j: no stream module, no colors chunk (NO_COLOR unset)", (args) => {
    const { builtins, read } = loaded([BIN, ...args]);
    expect(builtins.length).toBeGreaterThan(0);
    expect(builtins).not.toContain(STREAM);
    expect(read.filter((f) => /[/\\]chunks[/\\]colors\.cjs$/.test(f))).toEqual([]);
  });

  it("control: the probe sees the stream modules once process.stderr is built", () => {
    const { builtins } = loaded(["-e", "process.stderr.isTTY"]);
    expect(builtins).toContain(STREAM);
  });
});
