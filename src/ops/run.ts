/**
 * `envsync run -- CMD ARGS`: reads the remote and starts CMD with the remote's values
 * in its environment. Nothing is written to disk (no state, no backups, no temp
 * files): the values live only in the child's environment. Signals sent to envsync
 * are forwarded to the child, and the result is the child's exit code (or 128 + the
 * signal number when a signal ended it, as shells report it).
 */
import { spawn, type ChildProcess, type StdioOptions } from "node:child_process";
import { constants } from "node:os";
import { EnvsyncError } from "../errors.js";
import { checkExecLimits, tooBigToStart } from "./exec-limits.js";
import { readExistingRemote, resolveSession, type CommonOptions } from "./session.js";

/** Options of {@link remoteEnvironment}. */
export interface RunEnvOptions extends CommonOptions {
  /**
   * True (default): the remote's values replace inherited variables of the same
   * name. False (`--no-override`): variables already set are kept.
   */
  readonly override?: boolean;
  /** The environment the child inherits (default process.env). */
  readonly inherited?: Readonly<Record<string, string | undefined>>;
}

/** The child's environment, and what came from where (names only). */
export interface RunEnvironment {
  readonly env: Record<string, string>;
  /** The remote, as displayed. */
  readonly remote: string;
  /** Keys set from the remote. */
  readonly applied: readonly string[];
  /** Keys of the remote left out because the variable was already set (`override: false`). */
  readonly kept: readonly string[];
}

/**
 * Reads the remote and builds the environment a child gets: the inherited one with
 * the remote's values over it (or under it, with `override: false`).
 *
 * @throws EnvsyncError NOT_FOUND when the remote does not exist yet.
 */
export async function remoteEnvironment(opts: RunEnvOptions = {}): Promise<RunEnvironment> {
  const session = resolveSession(opts);
  const values = await readExistingRemote(
    session,
    "Create it with `envsync push` first; run does not start the command without the remote's values.",
  );
  const inherited = opts.inherited ?? process.env;
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(inherited)) if (v !== undefined) env[k] = v;
  const applied: string[] = [];
  const kept: string[] = [];
  const override = opts.override ?? true;
  for (const [k, v] of values) {
    if (k === "" || k.includes("=") || k.includes("\0")) {
      throw new EnvsyncError(
        "NAME",
        `The key ${JSON.stringify(k)} cannot be an environment variable name (empty, or holding = or NUL).`,
        { hint: "Rename the key on the remote; nothing was started." },
      );
    }
    if (v.includes("\0")) {
      throw new EnvsyncError(
        "PARSE",
        `The value of ${k} holds a NUL character, which no environment variable can.`,
        {
          hint: "Fix the value on the remote.",
        },
      );
    }
    if (!override && inherited[k] !== undefined) {
      kept.push(k);
      continue;
    }
    env[k] = v;
    applied.push(k);
  }
  return { env, remote: session.remoteDisplay, applied, kept };
}

/** Options of {@link spawnWithEnv}. */
export interface SpawnOptions {
  /** Working folder of the child (default process.cwd()). */
  readonly cwd?: string;
  /** stdio of the child (default: inherit all three). */
  readonly stdio?: StdioOptions;
  /** Signals forwarded from this process to the child (default SIGINT, SIGTERM, SIGHUP). */
  readonly forward?: readonly NodeJS.Signals[];
  /** Called with the child once started (`run --watch` signals and restarts it). */
  readonly onSpawn?: (child: ChildProcess) => void;
}

/** How the child ended. */
export interface ChildExit {
  /** The exit code to report: the child's, or 128 + signal number. */
  readonly code: number;
  /** The signal that ended the child, if one did. */
  readonly signal: NodeJS.Signals | null;
}

/** Signals `run` forwards. */
export const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/**
 * Starts `command args` with `env` (no shell: arguments are passed as they are),
 * forwards signals while it runs, and resolves when it ends. A command that cannot
 * be found resolves to 127 and one that cannot be executed to 126, as in a shell,
 * after an error message on stderr.
 *
 * @throws EnvsyncError LIMIT (exit 2) before anything starts when a variable or the
 * whole environment is over the kernel's limits (src/ops/exec-limits.ts).
 */
export function spawnWithEnv(
  command: string,
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  opts: SpawnOptions = {},
): Promise<ChildExit> {
  checkExecLimits(command, args, env);
  return new Promise((resolvePromise, rejectPromise) => {
    let child: ChildProcess;
    try {
      child = spawn(command, [...args], {
        cwd: opts.cwd ?? process.cwd(),
        env,
        stdio: opts.stdio ?? "inherit",
      });
    } catch (e) {
      // Where the check above does not apply (not Linux), the system's own refusal.
      const err = e instanceof Error ? e : new Error(String(e));
      rejectPromise(
        (err as NodeJS.ErrnoException).code === "E2BIG" ? tooBigToStart(command, err) : err,
      );
      return;
    }
    opts.onSpawn?.(child);
    const forward = opts.forward ?? FORWARDED_SIGNALS;
    const handlers = forward.map((sig) => {
      const h = (): void => {
        if (child.exitCode === null && child.signalCode === null) child.kill(sig);
      };
      process.on(sig, h);
      return [sig, h] as const;
    });
    let settled = false;
    const done = (exit: ChildExit): void => {
      if (settled) return;
      settled = true;
      for (const [sig, h] of handlers) process.off(sig, h);
      resolvePromise(exit);
    };
    child.on("error", (e: NodeJS.ErrnoException) => {
      const code = e.code === "ENOENT" ? 127 : 126;
      process.stderr.write(
        `envsync run: cannot start ${command}: ${e.code === "ENOENT" ? "command not found" : (e.code ?? e.message)}\n`,
      );
      done({ code, signal: null });
    });
    child.on("exit", (code, signal) => {
      if (signal) done({ code: 128 + (constants.signals[signal] ?? 0), signal });
      else done({ code: code ?? 1, signal: null });
    });
  });
}

/** Options of {@link run}. */
export interface RunOptions extends RunEnvOptions, SpawnOptions {}

/** What {@link run} did: the child's exit and which keys it got (names only). */
export interface RunResult extends ChildExit {
  readonly remote: string;
  readonly applied: readonly string[];
  readonly kept: readonly string[];
}

/**
 * Runs `command args` with the remote's values in its environment (see
 * {@link remoteEnvironment}) and resolves with its exit once it ends.
 */
export async function run(
  command: string,
  args: readonly string[],
  opts: RunOptions = {},
): Promise<RunResult> {
  const e = await remoteEnvironment(opts);
  const exit = await spawnWithEnv(command, args, e.env, {
    ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}),
    ...(opts.stdio !== undefined ? { stdio: opts.stdio } : {}),
    ...(opts.forward !== undefined ? { forward: opts.forward } : {}),
  });
  return { ...exit, remote: e.remote, applied: e.applied, kept: e.kept };
}
