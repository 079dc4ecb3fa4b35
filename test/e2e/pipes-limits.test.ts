/**
 * Issue 25, item 5: pipes and limits.
 * - A closed stdout (`envsync export … | head -1`, `sync | true`, `diff | true`) ends the
 *   command quietly with the work's own exit code, as `cat` does: no stack trace, no
 *   "Unexpected error", and the work itself (a sync's writes) done. The reader is gone
 *   before envsync writes (its end of the pipe is closed at spawn), so the test does not
 *   depend on timing; one case uses a real shell pipeline into `head -1` too.
 * - `run` with a value over the kernel's limit for one environment string
 *   (MAX_ARG_STRLEN, 131072 bytes on Linux) or over the total for arguments and
 *   environment names the key and the limit and exits 2 before the child starts.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { binCommand, binShellLine, canary, hasStackTrace, tempDir } from "./helpers.js";

interface Closed {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** Runs `envsync ARGS` with the reading end of its stdout closed before it starts. */
function withClosedStdout(args: string[], cwd: string): Promise<Closed> {
  return new Promise((resolve, reject) => {
    const child = spawn(...binCommand(args), {
      cwd,
      env: { ...process.env, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.destroy(); // nobody will ever read: every write gets EPIPE
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stderr }));
  });
}

function expectQuiet(r: Closed, what: string): void {
  expect(hasStackTrace(r.stderr), `${what}: ${r.stderr}`).toBe(false);
  expect(r.stderr, what).not.toMatch(/EPIPE|Unexpected error|report it/);
  expect(r.signal, what).toBeNull();
}

/** A project with a file: remote of `n` keys (values long enough to fill a pipe). */
function project(n: number): string {
  const dir = tempDir("envsync-pipes-");
  const values: Record<string, string> = {};
  for (let i = 0; i < n; i++) values[`KEY_${i}`] = `value-${i}-${"x".repeat(100)}`;
  writeFileSync(join(dir, "remote.json"), JSON.stringify(values));
  return dir;
}

describe("a closed stdout", () => {
  it("export, sync, diff, check and --help end quietly with the work's own exit code", async () => {
    const dir = project(3000);
    const r1 = await withClosedStdout(["export", "-r", "file:remote.json"], dir);
    expectQuiet(r1, "export");
    expect(r1.code, r1.stderr).toBe(0);

    // The sync's work is done (the local file written) and its code kept.
    const r2 = await withClosedStdout(["sync", "-r", "file:remote.json"], dir);
    expectQuiet(r2, "sync");
    expect(r2.code, r2.stderr).toBe(0);
    expect(readFileSync(join(dir, ".env"), "utf8")).toContain("KEY_2999=");

    writeFileSync(join(dir, ".env"), "ONLY_LOCAL=1\n");
    const r3 = await withClosedStdout(["diff", "-r", "file:remote.json", "--exit-code"], dir);
    expectQuiet(r3, "diff --exit-code");
    expect(r3.code, r3.stderr).toBe(3);

    const r4 = await withClosedStdout(["check", "-r", "file:remote.json", "--json"], dir);
    expectQuiet(r4, "check --json");
    expect(r4.code, r4.stderr).toBe(3);

    const r5 = await withClosedStdout(["--help"], dir);
    expectQuiet(r5, "--help");
    expect(r5.code, r5.stderr).toBe(0);
  });

  it("a failing command keeps its own error on stderr and its exit code", async () => {
    const dir = project(1);
    const r = await withClosedStdout(["export", "-r", "file:missing.json", "--json"], dir);
    expectQuiet(r, "export of a missing remote");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error \[NOT_FOUND\]/);
  });

  it("a real pipeline: envsync export | head -1", async () => {
    const dir = project(3000);
    const script = `set -o pipefail; ${binShellLine(["export", "-r", "file:remote.json"])} | head -1 >/dev/null; echo "exit=$?" >&2`;
    const r = await new Promise<Closed>((resolve, reject) => {
      const child = spawn("bash", ["-c", script], {
        cwd: dir,
        env: { ...process.env, NO_COLOR: "1" },
        stdio: ["ignore", "ignore", "pipe"],
      });
      let stderr = "";
      child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
      child.on("error", reject);
      child.on("close", (code, signal) => resolve({ code, signal, stderr }));
    });
    expectQuiet(r, "export | head -1");
    expect(r.stderr).toMatch(/exit=0/);
  });
});

describe("a closed stderr", () => {
  it("logs and errors are dropped; the exit code is the work's own and the work is done", async () => {
    const dir = project(10);
    const ends = (args: string[]): Promise<{ code: number | null; signal: string | null }> =>
      new Promise((resolve, reject) => {
        const child = spawn(...binCommand(args), {
          cwd: dir,
          env: { ...process.env, NO_COLOR: "1" },
          stdio: ["ignore", "ignore", "pipe"],
        });
        child.stderr.destroy();
        child.on("error", reject);
        child.on("close", (code, signal) => resolve({ code, signal }));
      });
    expect(await ends(["pull", "-r", "file:remote.json"])).toEqual({ code: 0, signal: null });
    expect(readFileSync(join(dir, ".env"), "utf8")).toContain("KEY_9=");
    expect(await ends(["export", "-r", "file:missing.json"])).toEqual({ code: 1, signal: null });
  });
});

describe("run: values over the kernel's limits", () => {
  const MARKER = "started.txt";
  const child = (dir: string): string[] => [
    "--",
    process.execPath,
    "-e",
    `require("node:fs").writeFileSync(${JSON.stringify(join(dir, MARKER))}, "")`,
  ];

  it("one value over MAX_ARG_STRLEN (131072 bytes): exit 2 naming the key and the limit; the child never starts", async () => {
    const dir = tempDir("envsync-e2big-");
    const big = `${canary("BIG")}${"v".repeat(140_000)}`;
    writeFileSync(join(dir, "remote.json"), JSON.stringify({ SMALL: "1", HUGE_VALUE: big }));
    const { runCli } = await import("./helpers.js");
    const r = await runCli(["run", "-r", "file:remote.json", ...child(dir)], { cwd: dir });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain("HUGE_VALUE");
    expect(r.stderr).toContain("131072");
    expect(r.stderr).not.toMatch(/disk|report it/i);
    expect(r.stderr).not.toContain(big.slice(0, 20));
    expect(hasStackTrace(r.stderr)).toBe(false);
    expect(existsSync(join(dir, MARKER))).toBe(false);
  });

  it("values each under the limit but over the total for arguments and environment: exit 2 naming the limit", async () => {
    const dir = tempDir("envsync-e2big-");
    // 60 × 120,000 bytes = 7.2 MB: over the kernel's largest total (3/4 of the 8 MiB
    // default stack cap), whatever `ulimit -s` says.
    const values: Record<string, string> = {};
    for (let i = 0; i < 60; i++) values[`PART_${i}`] = "p".repeat(120_000);
    writeFileSync(join(dir, "remote.json"), JSON.stringify(values));
    const { runCli } = await import("./helpers.js");
    const r = await runCli(["run", "-r", "file:remote.json", ...child(dir)], { cwd: dir });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/total limit of [\d,]+ KiB.*Largest variables: PART_\d+ \(118 KiB\)/);
    expect(r.stderr).not.toMatch(/disk|report it/i);
    expect(hasStackTrace(r.stderr)).toBe(false);
    expect(existsSync(join(dir, MARKER))).toBe(false);
  });
});
