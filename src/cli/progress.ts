/**
 * Progress on stderr for long work (docs/COMMANDS.md, "Progress"): a spinner with the phase and counts,
 * only at a terminal, never with `--json` or `--quiet`. `ora` is loaded lazily and
 * only once an operation has run for a moment, so quick commands print nothing and
 * pay nothing. Prompts pause it (a spinner and a prompt cannot share the line).
 */
import type { default as OraFactory, Ora } from "ora";
import { EnvsyncError } from "../errors.js";
import { stderrIsTTY, type Output } from "./output.js";

/** A progress line that can be updated, paused for a prompt, and stopped. */
export interface Progress {
  /** Sets the current phase text, e.g. "writing 12 keys…". */
  update(text: string): void;
  /** Clears the line until the next update (before a prompt or a message). */
  pause(): void;
  /** Clears the line for good. */
  stop(): void;
}

/** A progress that shows nothing. */
export const noProgress: Progress = { update: () => {}, pause: () => {}, stop: () => {} };

/** Options of {@link createProgress}. */
export interface ProgressOptions {
  /** Wait this long before showing anything (default 300 ms). */
  readonly delayMs?: number;
  /** Terminal check (default: stderr is a TTY). */
  readonly isTTY?: boolean;
}

/** A spinner on stderr when at a TTY without --json/--quiet; otherwise {@link noProgress}. */
export function createProgress(out: Output, opts: ProgressOptions = {}): Progress {
  if (opts.isTTY === false || out.json || out.quiet) return noProgress;
  const delay = opts.delayMs ?? 300;
  let text = "";
  let spinner: Ora | null = null;
  let timer: NodeJS.Timeout | null = null;
  let paused = false;
  let stopped = false;

  const show = async (): Promise<void> => {
    // The terminal check waits for the delay too: a quick command never opens stderr's
    // stream for it.
    if (!(opts.isTTY ?? stderrIsTTY())) return;
    // ora is ESM-only: from the CommonJS build, `require` of it (Node's require(esm))
    // comes back wrapped once more, so its default export may sit one level deeper.
    const mod = (await import("ora")) as { default: unknown };
    const ora = (
      typeof mod.default === "function"
        ? mod.default
        : (mod.default as { default: unknown }).default
    ) as typeof OraFactory;
    if (stopped || paused) return;
    spinner ??= ora({
      stream: process.stderr,
      discardStdin: false,
      color: out.c.isColorSupported ? "cyan" : false,
    });
    spinner.start(text);
  };
  const arm = (): void => {
    if (timer || spinner?.isSpinning) return;
    timer = setTimeout(() => {
      timer = null;
      show().catch(() => {
        /* no spinner is better than a failed command */
      });
    }, delay);
    timer.unref();
  };
  return {
    update(t) {
      if (stopped) return;
      text = t;
      paused = false;
      if (spinner?.isSpinning) spinner.text = t;
      else arm();
    },
    pause() {
      paused = true;
      if (timer) clearTimeout(timer);
      timer = null;
      spinner?.stop();
    },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      spinner?.stop();
    },
  };
}

/** Progress texts for sync/push/pull phases (counts only, never values). */
export function syncProgress(
  progress: Progress,
): (
  phase: "reading-local" | "reading-remote" | "writing-remote" | "writing-local",
  count: number,
) => void {
  return (phase, count) =>
    progress.update(
      phase === "reading-local"
        ? "reading the local file…"
        : phase === "reading-remote"
          ? `read ${count} local key(s); reading the remote…`
          : phase === "writing-remote"
            ? `writing ${count} key(s) to the remote…`
            : `writing ${count} key(s) to the local file…`,
    );
}

/**
 * The same prompt callbacks, each pausing `progress` before it asks; Ctrl-C at a
 * prompt becomes an interruption (exit 130, nothing written) rather than a crash.
 */
export function pausePrompts<T extends object>(progress: Progress, callbacks: T): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(callbacks) as [string, unknown][]) {
    wrapped[name] =
      typeof f === "function"
        ? async (...args: unknown[]): Promise<unknown> => {
            progress.pause();
            try {
              return await (f as (...a: unknown[]) => Promise<unknown>)(...args);
            } catch (e) {
              if (e instanceof Error && e.name === "ExitPromptError")
                throw new EnvsyncError(
                  "INTERRUPTED",
                  "Cancelled at the prompt. Nothing was written.",
                );
              throw e;
            }
          }
        : f;
  }
  return wrapped as T;
}
