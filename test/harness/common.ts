/**
 * Shared plumbing for the emulator harness: cache folder outside the clone, free
 * ports, readiness polling, child processes that die with the run.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, openSync } from "node:fs";
import { createServer, connect } from "node:net";
import { homedir } from "node:os";
import { join } from "node:path";

/** Where emulators are installed (kept between runs; outside the clone). */
export function cacheDir(...parts: string[]): string {
  const base = process.env.ENVSYNC_EMULATOR_CACHE ?? join(homedir(), ".cache", "envsync-emulators");
  const dir = join(base, ...parts);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves when `probe` returns true; rejects after `timeoutMs`. */
export async function waitFor(
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs = 60_000,
  child?: ChildProcess,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child && child.exitCode !== null) {
      throw new Error(`${what} exited with code ${child.exitCode} before it was ready`);
    }
    try {
      if (await probe()) return;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline)
      throw new Error(`${what} did not become ready within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** True when something accepts TCP connections on the port. */
export function tcpOpen(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ port, host });
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

/** True when GET url answers with a status below 500. */
export async function httpOk(url: string): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  return res.status < 500;
}

/** Runs a command to completion (installs); output goes to a log file in the cache. */
export function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; log: string },
): Promise<void> {
  return new Promise((resolve, reject) => {
    const fd = openSync(opts.log, "a");
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ["ignore", fd, fd],
    });
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`${cmd} ${args.join(" ")} exited ${code}; see ${opts.log}`)),
    );
  });
}

/** Starts a long-running service whose output goes to a log file; killed with the run. */
export function startService(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; log: string },
): ChildProcess {
  const fd = openSync(opts.log, "w");
  const child = spawn(cmd, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: ["ignore", fd, fd],
  });
  const kill = (): void => {
    if (child.exitCode === null) child.kill("SIGKILL");
  };
  process.once("exit", kill);
  return child;
}

/** Stops a service politely, then firmly. */
export async function stopService(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill("SIGTERM");
  await new Promise<void>((resolve) => {
    const t = setTimeout(() => {
      child.kill("SIGKILL");
      resolve();
    }, 5000);
    child.once("exit", () => {
      clearTimeout(t);
      resolve();
    });
  });
}

/** A running emulator: environment variables tests read, and how to stop it. */
export interface RunningEmulator {
  readonly env: Record<string, string>;
  stop(): Promise<void>;
}

/** An emulator the harness can install (once, into the cache) and start. */
export interface Emulator {
  /** Short name used by ENVSYNC_EMULATORS=a,b to select. */
  readonly name: string;
  /** The shell command that installs it by hand (printed when it cannot start). */
  readonly installCommand: string;
  /** Installs into the cache if missing. Idempotent. */
  install(): Promise<void>;
  /** Starts on a free 127.0.0.1 port and waits until it answers. */
  start(): Promise<RunningEmulator>;
}
