/**
 * `envsync run --watch -- CMD ARGS`: starts CMD at once with the remote's values, then
 * polls the remote's version cheaply (the store's `probeVersion`: a file's hash, the
 * AWSCURRENT version id; else the current entry of `listVersions`; else a read, whose
 * version is the digest of the key versions) every interval, with jitter. When the
 * version moves, the new values are read first; only a successful read restarts the
 * child (SIGTERM, a grace period, SIGKILL, start again) or sends it the signal the user
 * chose. A failed poll or read leaves the child running and backs off. When the child
 * ends by itself, the watch ends with the child's exit code.
 */
import type { ChildProcess } from "node:child_process";
import { EnvsyncError, isEnvsyncError } from "../errors.js";
import { redactText } from "../redact.js";
import type { Store } from "../providers/types.js";
import { withStore } from "./apply.js";
import {
  remoteEnvironment,
  spawnWithEnv,
  type ChildExit,
  type RunEnvOptions,
  type SpawnOptions,
} from "./run.js";
import { resolveSession } from "./session.js";

/** Defaults of the watch (docs/COMMANDS.md, `run --watch`). */
export const WATCH_DEFAULTS = {
  /** Between two polls, ms (+/-10 % jitter). */
  intervalMs: 10_000,
  /** From SIGTERM to SIGKILL on a restart, ms. */
  graceMs: 10_000,
  /** Longest wait between two polls after failures, ms (at most 8 intervals, never less than one). */
  maxBackoffMs: 300_000,
} as const;

/** What happened during a watch (names and versions only, never values). */
export type WatchEvent =
  | { readonly type: "started"; readonly pid: number | undefined; readonly generation: number }
  | {
      readonly type: "unchanged";
      readonly version: string | null;
      /** The SDK calls the poll made, by command (stores that count them), e.g. `ListSecrets` → 1. */
      readonly calls?: ReadonlyMap<string, number>;
    }
  | { readonly type: "changed"; readonly from: string | null; readonly to: string | null }
  | { readonly type: "poll-failed"; readonly message: string; readonly retryInMs: number }
  | { readonly type: "read-failed"; readonly message: string; readonly retryInMs: number }
  | { readonly type: "signalled"; readonly signal: NodeJS.Signals }
  | { readonly type: "restarting"; readonly graceMs: number }
  | { readonly type: "killed" };

/** Options of {@link runWatch}. */
export interface WatchOptions extends RunEnvOptions, Omit<SpawnOptions, "onSpawn"> {
  /** Between two polls, ms (default 10 000); each wait is jittered by +/-10 %. */
  readonly intervalMs?: number;
  /** Grace period between SIGTERM and SIGKILL on a restart, ms (default 10 000). */
  readonly graceMs?: number;
  /** Send this signal on a change instead of restarting the child. */
  readonly signal?: NodeJS.Signals;
  /** Longest wait between polls after failures, ms (default 300 000). */
  readonly maxBackoffMs?: number;
  /** Each event as it happens, with the remote as displayed (the CLI logs them). */
  readonly onEvent?: (event: WatchEvent, remote: string) => void;
  /** Source of jitter in [0, 1) (default Math.random). */
  readonly random?: () => number;
}

/** How a watch ended: the child's own exit, and what the watch did meanwhile. */
export interface WatchResult extends ChildExit {
  readonly remote: string;
  /** Times the child was restarted after a change. */
  readonly restarts: number;
  /** Times the chosen signal was sent after a change. */
  readonly signalsSent: number;
}

/** The SDK calls a store has made so far, by command, when it counts them (the cloud stores). */
function callCounts(store: Store): ReadonlyMap<string, number> | undefined {
  return (store as { calls?: { counts?: ReadonlyMap<string, number> } }).calls?.counts;
}

/** The calls made between two {@link callCounts} (undefined when the store counts none). */
function callsSince(
  before: ReadonlyMap<string, number> | undefined,
  after: ReadonlyMap<string, number> | undefined,
): ReadonlyMap<string, number> | undefined {
  if (!after) return undefined;
  const out = new Map<string, number>();
  for (const [k, n] of after) if (n > (before?.get(k) ?? 0)) out.set(k, n - (before?.get(k) ?? 0));
  return out;
}

/** The remote's version, as cheaply as the store allows. */
export async function probeVersion(store: Store): Promise<string | null> {
  if (store.probeVersion) return store.probeVersion();
  if (store.listVersions) {
    const versions = await store.listVersions();
    return versions.find((v) => v.current)?.id ?? null;
  }
  // No cheaper way: a read, whose version is the bundle's id or the key versions' digest.
  return (await store.read()).version;
}

/**
 * The wait before the next poll: the interval with +/-10 % jitter, doubled per failure
 * up to 8 intervals or `maxBackoffMs`, whichever is shorter (never below one interval).
 */
export function nextDelay(
  intervalMs: number,
  failures: number,
  maxBackoffMs: number,
  random: () => number,
): number {
  const cap = Math.max(intervalMs, Math.min(intervalMs * 8, maxBackoffMs));
  const base = Math.min(intervalMs * 2 ** Math.min(failures, 3), cap);
  return Math.max(1, Math.round(base * (0.9 + 0.2 * random())));
}

/** A message safe to print (no credentials in URLs); errors never hold values. */
function messageOf(e: unknown): string {
  return redactText(isEnvsyncError(e) ? e.message : e instanceof Error ? e.message : String(e));
}

/** A started child: its handle and the promise of its exit. */
interface Running {
  readonly process: ChildProcess | undefined;
  readonly exit: Promise<ChildExit>;
  ended: ChildExit | null;
}

/**
 * Runs `command args` with the remote's values and keeps it in step with the remote
 * until it ends by itself (see the module comment); resolves with its exit.
 *
 * @throws EnvsyncError as {@link remoteEnvironment} does, when the first read fails
 *   (nothing is started without the remote's values).
 */
export async function runWatch(
  command: string,
  args: readonly string[],
  opts: WatchOptions = {},
): Promise<WatchResult> {
  const intervalMs = opts.intervalMs ?? WATCH_DEFAULTS.intervalMs;
  const graceMs = opts.graceMs ?? WATCH_DEFAULTS.graceMs;
  const maxBackoffMs = opts.maxBackoffMs ?? WATCH_DEFAULTS.maxBackoffMs;
  const random = opts.random ?? Math.random;
  const session = resolveSession(opts);
  const emit = (e: WatchEvent): void => opts.onEvent?.(e, session.remoteDisplay);
  return withStore(
    () => session.openStore(),
    async (store) => {
      // The version first, then the values: a change in between is seen by the next poll.
      let version = await probeVersion(store);
      let env = await remoteEnvironment(opts);
      let generation = 0;
      const start = (values: Readonly<Record<string, string>>): Running => {
        let handle: ChildProcess | undefined;
        const exit = spawnWithEnv(command, args, values, {
          ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}),
          ...(opts.stdio !== undefined ? { stdio: opts.stdio } : {}),
          ...(opts.forward !== undefined ? { forward: opts.forward } : {}),
          onSpawn: (c) => (handle = c),
        });
        const r: Running = { process: handle, exit, ended: null };
        void exit.then((e) => (r.ended = e));
        generation++;
        emit({ type: "started", pid: handle?.pid, generation });
        return r;
      };
      let child = start(env.env);
      let restarts = 0;
      let signalsSent = 0;
      let failures = 0;
      const result = (exit: ChildExit): WatchResult => ({
        ...exit,
        remote: env.remote,
        restarts,
        signalsSent,
      });
      // A failure leaves the child as it is; the next poll waits longer.
      const failed = (type: "poll-failed" | "read-failed", e: unknown): void => {
        failures++;
        const retryInMs = nextDelay(intervalMs, failures, maxBackoffMs, () => 0.5);
        emit({ type, message: messageOf(e), retryInMs });
      };
      for (;;) {
        const wait = nextDelay(intervalMs, failures, maxBackoffMs, random);
        let timer: NodeJS.Timeout | undefined;
        const ended = await Promise.race([
          child.exit,
          new Promise<null>((resolveTimer) => (timer = setTimeout(() => resolveTimer(null), wait))),
        ]);
        clearTimeout(timer);
        if (ended !== null) return result(ended);

        let next: string | null;
        const before = callCounts(store);
        try {
          next = await probeVersion(store);
        } catch (e) {
          failed("poll-failed", e);
          continue;
        }
        if (next === version) {
          failures = 0;
          const calls = callsSince(before, callCounts(store));
          emit({ type: "unchanged", version, ...(calls ? { calls } : {}) });
          continue;
        }
        emit({ type: "changed", from: version, to: next });
        // The new values first: a failed read leaves the child as it is.
        const running = env.env;
        try {
          env = await remoteEnvironment(opts);
        } catch (e) {
          failed("read-failed", e);
          continue;
        }
        failures = 0;
        version = next;
        // The version moved but the values did not (a write seen half done, a tag or a
        // disabled old version): the child keeps running.
        if (sameValues(running, env.env)) {
          emit({ type: "unchanged", version });
          continue;
        }
        if (child.ended) return result(child.ended);
        if (opts.signal) {
          child.process?.kill(opts.signal);
          signalsSent++;
          emit({ type: "signalled", signal: opts.signal });
          continue;
        }
        emit({ type: "restarting", graceMs });
        await stop(child, graceMs, () => emit({ type: "killed" }));
        restarts++;
        child = start(env.env);
      }
    },
  );
}

/** True when both environments hold the same keys with the same values. */
function sameValues(
  a: Readonly<Record<string, string>>,
  b: Readonly<Record<string, string>>,
): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => b[k] === a[k]);
}

/** SIGTERM, then SIGKILL when the child outlives `graceMs`; resolves once it has ended. */
async function stop(child: Running, graceMs: number, onKill: () => void): Promise<void> {
  if (child.ended) return;
  const p = child.process;
  if (!p) throw new EnvsyncError("IO", "The command's process is not known; cannot restart it.");
  p.kill("SIGTERM");
  let timer: NodeJS.Timeout | undefined;
  const killed = new Promise<void>((resolveKill) => {
    timer = setTimeout(() => {
      if (!child.ended) {
        onKill();
        p.kill("SIGKILL");
      }
      resolveKill();
    }, graceMs);
  });
  await Promise.race([child.exit, killed]);
  clearTimeout(timer);
  await child.exit;
}
