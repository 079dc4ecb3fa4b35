/**
 * Runs a command to completion without blocking the test worker (a synchronous
 * spawn loop under load makes Vitest's own worker messages time out) and gives
 * back its exit code and output. Tests of real tools (sops, age, the packed CLI)
 * share it.
 */
import { spawn } from "node:child_process";

/** What a finished process left: its exit code (null when a signal ended it) and output. */
export interface ProcessResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `cmd args` in `cwd` with exactly `env`; stdin is closed. */
export function runProcess(
  cmd: string,
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<ProcessResult> {
  return new Promise((done, fail) => {
    const child = spawn(cmd, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", fail);
    child.on("close", (code) => done({ code, stdout, stderr }));
  });
}
