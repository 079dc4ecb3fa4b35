/**
 * The standalone binary (issue 18). `npm test` runs every e2e file that drives the CLI
 * twice: in the integration project against dist/cli/bin.js, and in the binary project
 * (vitest.binary.config.ts) against the executable `scripts/build-binary.mjs` builds from
 * dist/cli (Node's single executable application) in that project's global setup,
 * named by ENVSYNC_TEST_BIN. This file runs in the binary project only: it checks that
 * the pass really drives a binary, and that the binary runs on its own.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BIN, binCommand, tempDir } from "./helpers.js";

/** SIGUSR1's bit in the signal masks of /proc/PID/status. */
const SIGUSR1_BIT = 1n << 9n;

/** One signal mask (`SigCgt`, `ShdPnd`…) of a running process. */
function signalMask(pid: number, field: string): bigint {
  const line = readFileSync(`/proc/${pid}/status`, "utf8")
    .split("\n")
    .find((l) => l.startsWith(`${field}:`));
  if (!line) throw new Error(`no ${field} in /proc/${pid}/status`);
  return BigInt(`0x${line.split(/\s+/)[1]}`);
}

/**
 * True when every thread of `pid` blocks SIGUSR1 (`--disable-sigusr1`: Node keeps it
 * blocked and starts no thread to take it), so a SIGUSR1 sent to the process stays
 * pending for good, whatever listener the code may have registered.
 */
function everyThreadBlocksSigusr1(pid: number): boolean {
  return readdirSync(`/proc/${pid}/task`).every((t) => {
    const line = readFileSync(`/proc/${pid}/task/${t}/status`, "utf8")
      .split("\n")
      .find((l) => l.startsWith("SigBlk:"));
    return line !== undefined && (BigInt(`0x${line.split(/\s+/)[1]}`) & SIGUSR1_BIT) !== 0n;
  });
}

/**
 * Starts `argv`, whose process (or its child) prints `ready` once it runs and then
 * waits for its stdin to close; resolves when the marker arrives.
 */
function startReady(
  argv: [string, string[]],
  cwd: string,
): Promise<{ child: ChildProcess; stderr: () => string }> {
  const child = spawn(argv[0], argv[1], { cwd, stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("ready\n")) resolve({ child, stderr: () => stderr });
    });
    child.on("exit", (code) => reject(new Error(`exited ${code} before ready: ${stderr}`)));
  });
}

/** Closes the process's stdin and waits for it to end; returns its stderr. */
function finish(p: { child: ChildProcess; stderr: () => string }): Promise<string> {
  return new Promise((resolve) => {
    p.child.once("exit", () => resolve(p.stderr()));
    p.child.stdin!.end();
  });
}

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

  it("takes no Node options from NODE_OPTIONS (no --inspect through the environment)", () => {
    const r = spawnSync(BIN, ["--version"], {
      cwd: tempDir(),
      env: { ...process.env, NODE_OPTIONS: "--inspect=127.0.0.1:0" },
      encoding: "utf8",
    });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    // The same variable does open an inspector in plain node: the check above can fail.
    const plain = spawnSync(process.execPath, ["-e", "0"], {
      env: { ...process.env, NODE_OPTIONS: "--inspect=127.0.0.1:0" },
      encoding: "utf8",
    });
    expect(plain.stderr).toMatch(/Debugger listening/);
  });

  it("does not start an inspector on SIGUSR1 (blocked in every thread: the signal stays pending)", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, ".env"), "A=1\n");
    // `envsync run` holds its child: the child says ready, then waits for stdin to close.
    const bin = await startReady(
      [BIN, ["run", "-r", "file:.env", "--", "sh", "-c", "echo ready; cat >/dev/null"]],
      dir,
    );
    const pid = bin.child.pid!;
    expect(everyThreadBlocksSigusr1(pid)).toBe(true);
    process.kill(pid, "SIGUSR1");
    // No thread takes the signal: it is still pending once kill() has returned, so no
    // handler ran and none ever will.
    expect(signalMask(pid, "ShdPnd") & SIGUSR1_BIT).toBe(SIGUSR1_BIT);
    expect(bin.child.exitCode).toBeNull();
    const stderr = await finish(bin);
    expect(stderr).not.toMatch(/Debugger listening|inspector/i);
    expect(bin.child.exitCode).toBe(0);

    // Plain node of the same kind takes SIGUSR1 and opens an inspector (port 0: any free
    // port): what the binary must not do.
    const plain = await startReady(
      [
        process.execPath,
        ["--inspect-port=0", "-e", "process.stdout.write('ready\\n'); process.stdin.resume();"],
      ],
      dir,
    );
    expect(signalMask(plain.child.pid!, "SigCgt") & SIGUSR1_BIT).toBe(SIGUSR1_BIT);
    expect(everyThreadBlocksSigusr1(plain.child.pid!)).toBe(false);
    const listening = new Promise<void>((resolve) =>
      plain.child.stderr!.on("data", () => {
        if (/Debugger listening/.test(plain.stderr())) resolve();
      }),
    );
    process.kill(plain.child.pid!, "SIGUSR1");
    await listening;
    plain.child.kill("SIGKILL");
  });
});
