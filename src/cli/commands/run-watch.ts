/** `envsync run --watch`: its flags, their checks, and the log lines of the watch. */
import { constants } from "node:os";
import { EnvsyncError } from "../../errors.js";
import type { Logger } from "../../logger.js";
import type { WatchEvent } from "../../ops/watch.js";
import type { Output } from "../output.js";
import type { CliOptions, CommandDeps } from "./types.js";

/** The flags `run` takes for the watch (commander `.option` arguments), and which are given. */
export const WATCH_FLAGS = {
  watch: ["--watch", "restart the command when the remote changes (polls its version)"],
  interval: ["--watch-interval <ms>", "with --watch: time between two polls, ms (default 10000)"],
  grace: ["--grace <ms>", "with --watch: SIGTERM to SIGKILL on a restart, ms (default 10000)"],
  signal: [
    "--watch-signal <signal>",
    "with --watch: send this signal on a change instead of restarting (e.g. SIGHUP)",
  ],
  given: (o: CliOptions): string[] =>
    ["watchInterval", "grace", "watchSignal"].filter((k) => o[k] !== undefined),
} as const;

/** A whole number of ms from a flag, in range; exit 2 naming the flag otherwise. */
function ms(raw: string | undefined, flag: string, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const s = raw.trim();
  const n = s === "" ? NaN : Number(s);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new EnvsyncError(
      "USAGE",
      `${flag} must be a whole number of ms from ${min} to ${max} (got "${raw}").`,
      { hint: `For example ${flag} 5000.` },
    );
  return n;
}

/** The signal `--watch-signal` names (with or without `SIG`); exit 2 for an unknown one. */
function signalOf(raw: string | undefined): NodeJS.Signals | undefined {
  if (raw === undefined) return undefined;
  const name = raw.toUpperCase().replace(/^(?!SIG)/, "SIG");
  if (!Object.hasOwn(constants.signals, name) || name === "SIGKILL" || name === "SIGSTOP")
    throw new EnvsyncError("USAGE", `--watch-signal: unknown or uncatchable signal "${raw}".`, {
      hint: "For example --watch-signal SIGHUP (or SIGUSR2).",
    });
  return name as NodeJS.Signals;
}

/** The watch's flags, checked: refuses them without --watch. */
export function watchSettings(o: CliOptions): {
  intervalMs?: number;
  graceMs?: number;
  signal?: NodeJS.Signals;
} {
  if (!o.watch && WATCH_FLAGS.given(o).length > 0)
    throw new EnvsyncError("USAGE", "--watch-interval, --grace and --watch-signal need --watch.", {
      hint: "Add --watch, or drop them.",
    });
  const intervalMs = ms(o.watchInterval as string | undefined, "--watch-interval", 10, 86_400_000);
  const graceMs = ms(o.grace as string | undefined, "--grace", 0, 3_600_000);
  const signal = signalOf(o.watchSignal as string | undefined);
  return {
    ...(intervalMs !== undefined ? { intervalMs } : {}),
    ...(graceMs !== undefined ? { graceMs } : {}),
    ...(signal !== undefined ? { signal } : {}),
  };
}

/** One stderr line per watch event (never a value, never a version id: a file's is a hash of its text). */
export function logWatchEvent(logger: Logger, remote: string, e: WatchEvent): void {
  switch (e.type) {
    case "started":
      logger.info(
        `envsync: ${e.generation === 1 ? "started" : "restarted"} the command (pid ${e.pid ?? "?"}); watching ${remote}`,
      );
      return;
    case "unchanged":
      // The calls the poll made (names and counts only): shows that no value was read.
      logger.debug(
        `envsync: ${remote} unchanged${e.calls ? ` (calls: ${[...e.calls].map(([k, n]) => `${k} ${n}`).join(", ") || "none"})` : ""}`,
      );
      return;
    case "changed":
      logger.info(`envsync: ${remote} changed; reading the new values`);
      return;
    case "poll-failed":
    case "read-failed":
      logger.warn(
        `envsync: cannot ${e.type === "poll-failed" ? "poll" : "read"} ${remote} (${e.message}); the command keeps running, next try in about ${e.retryInMs < 1000 ? `${e.retryInMs} ms` : `${Math.round(e.retryInMs / 1000)} s`}`,
      );
      return;
    case "signalled":
      logger.info(`envsync: sent ${e.signal} to the command`);
      return;
    case "restarting":
      logger.info(`envsync: restarting the command (SIGTERM, SIGKILL after ${e.graceMs} ms)`);
      return;
    case "killed":
      logger.warn("envsync: the command outlived its grace period: SIGKILL");
      return;
  }
}

/** Signals whose listeners (bin.ts exits 130 on SIGINT) step aside while the child runs. */
const HANDED_OVER = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/**
 * Runs `fn` with envsync's own SIGINT/SIGTERM/SIGHUP listeners set aside: while the
 * child runs, it decides what a signal means and envsync only forwards. They are put
 * back afterwards, whatever `fn` did.
 */
export async function whileChildRuns<T>(fn: () => Promise<T>): Promise<T> {
  const saved = HANDED_OVER.map((sig) => [sig, process.listeners(sig)] as const);
  for (const [sig, ls] of saved) for (const l of ls) process.off(sig, l);
  try {
    return await fn();
  } finally {
    for (const [sig, ls] of saved) for (const l of ls) process.on(sig, l);
  }
}

/** Runs the watch for the `run` action; resolves to the child's exit code. */
export async function watchAction(
  deps: CommandDeps,
  o: CliOptions,
  out: Output,
  command: string,
  args: readonly string[],
): Promise<number> {
  const settings = watchSettings(o);
  const { runWatch } = await import("../../ops/watch.js");
  const r = await whileChildRuns(() =>
    runWatch(command, args, {
      ...deps.common(o),
      logger: out.logger,
      override: o.override !== false,
      ...settings,
      // With --json the result object is the only thing on stdout: the child's goes to stderr.
      stdio: out.json ? ["inherit", 2, "inherit"] : "inherit",
      onEvent: (e, remote) => logWatchEvent(out.logger, remote, e),
    }),
  );
  if (out.json)
    out.result({
      ok: r.code === 0,
      command: "run",
      remote: r.remote,
      exitCode: r.code,
      signal: r.signal,
      restarts: r.restarts,
      signalsSent: r.signalsSent,
    });
  return r.code;
}
