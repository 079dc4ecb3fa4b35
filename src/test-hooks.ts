/**
 * The test switches of the built binary, in one place. End-to-end tests run the CLI
 * as a child process and cannot inject code, so they set environment variables; this
 * module is the only one that reads them, and turns them into {@link StoreHooks} that
 * the CLI passes down through the store context like any injected hook. Library and
 * unit-test callers inject `storeContext.hooks` directly and never come here.
 *
 * - `ENVSYNC_PAUSE_BEFORE_WRITE=1` holds each write between reading and writing until
 *   the test releases it, so a test can change the remote meanwhile and see the
 *   version guard (exit 5), inject a fault, or interrupt the run there. The hold
 *   first prints the marker line {@link PAUSE_MARKER} on stderr (always, even with
 *   --quiet or --json), then waits for an explicit signal: SIGUSR2, or the file named
 *   by `ENVSYNC_PAUSE_RELEASE_FILE` appearing. A release ends this hold and every
 *   later one. It never ends by itself: if nothing releases it within
 *   `ENVSYNC_PAUSE_LIMIT_MS` (default 120 000) the run fails loudly (exit 2, nothing
 *   written), so a test that forgot its signal cannot pass by timing.
 */
import { existsSync, watch, type FSWatcher } from "node:fs";
import { basename, dirname } from "node:path";
import { EnvsyncError } from "./errors.js";
import type { Logger } from "./logger.js";
import type { StoreHooks } from "./providers/types.js";

/** The start of the line a held write prints on stderr before it waits. */
export const PAUSE_MARKER = "envsync: paused before writing";

/**
 * The start of the line `ENVSYNC_PAUSE_HOLDING_LOCK=1` prints when a `file:` write holds
 * its lock and waits (same release signals), so a test can meet a live lock, or SIGKILL
 * the holder and see the next run break the lock (test/e2e/local-state.test.ts).
 */
export const HOLD_MARKER = "envsync: paused holding the lock";

/** Upper bound of a hold nobody releases, ms. */
const DEFAULT_LIMIT_MS = 120_000;

/** Hooks the environment asks for, or undefined in a normal run. */
export function testHooks(
  environ: Readonly<Record<string, string | undefined>>,
  _logger?: () => Logger,
): StoreHooks | undefined {
  const enabled = (v: string | undefined): boolean => v !== undefined && v !== "" && v !== "0";
  const before = enabled(environ.ENVSYNC_PAUSE_BEFORE_WRITE);
  const holding = enabled(environ.ENVSYNC_PAUSE_HOLDING_LOCK);
  if (!before && !holding) return undefined;
  const limit = Number(environ.ENVSYNC_PAUSE_LIMIT_MS ?? DEFAULT_LIMIT_MS);
  const limitMs = Number.isFinite(limit) && limit > 0 ? limit : DEFAULT_LIMIT_MS;
  const releaseFile = environ.ENVSYNC_PAUSE_RELEASE_FILE || undefined;
  const gate = new ReleaseGate(releaseFile);
  return {
    ...(before ? { beforeWrite: () => gate.wait(limitMs) } : {}),
    ...(holding ? { holdingLock: () => gate.wait(limitMs, HOLD_MARKER) } : {}),
  };
}

/** Opens once, for good, on SIGUSR2 or when the release file exists. */
class ReleaseGate {
  private released = false;
  private readonly waiters = new Set<() => void>();

  constructor(private readonly file: string | undefined) {
    // Installed at once, so a signal sent early is a release, never the default (exit).
    process.on("SIGUSR2", () => this.open());
  }

  private open(): void {
    this.released = true;
    for (const w of this.waiters) w();
    this.waiters.clear();
  }

  private fileThere(): boolean {
    if (this.file !== undefined && existsSync(this.file)) this.open();
    return this.released;
  }

  async wait(limitMs: number, marker = PAUSE_MARKER): Promise<void> {
    const how = `SIGUSR2 to pid ${process.pid}${this.file ? ` or creating ${this.file}` : ""}`;
    process.stderr.write(
      `${marker} (${marker === PAUSE_MARKER ? "ENVSYNC_PAUSE_BEFORE_WRITE" : "ENVSYNC_PAUSE_HOLDING_LOCK"}); release with ${how}\n`,
    );
    if (this.released || this.fileThere()) return;
    let watcher: FSWatcher | undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        this.waiters.add(resolve);
        if (this.file !== undefined) {
          const name = basename(this.file);
          watcher = watch(dirname(this.file), (_event, changed) => {
            if (changed === null || changed === name) this.fileThere();
          });
          // Created between the first look and the watch.
          this.fileThere();
        }
        timer = setTimeout(() => {
          this.waiters.delete(resolve);
          reject(
            new EnvsyncError(
              "USAGE",
              `The test hook ENVSYNC_PAUSE_BEFORE_WRITE held this write for ${limitMs} ms and nothing released it (${how}); nothing was written.`,
              {
                hint: "The test must release the hold once its other writer has finished (or unset ENVSYNC_PAUSE_BEFORE_WRITE).",
              },
            ),
          );
        }, limitMs);
      });
    } finally {
      clearTimeout(timer);
      watcher?.close();
    }
  }
}
