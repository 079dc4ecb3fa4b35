/**
 * The test switches of the built binary, in one place. End-to-end tests run the CLI
 * as a child process and cannot inject code, so they set environment variables; this
 * module is the only one that reads them, and turns them into {@link StoreHooks} that
 * the CLI passes down through the store context like any injected hook. Library and
 * unit-test callers inject `storeContext.hooks` directly and never come here.
 *
 * - `ENVSYNC_PAUSE_BEFORE_WRITE=ms` holds a write between reading and writing (up to
 *   `ms`), so a test can change the remote meanwhile and see the version guard
 *   (exit 5), or interrupt the run there. It says "pausing" on stderr (unless
 *   --quiet) when the hold starts; a SIGUSR2 ends it early.
 */
import type { Logger } from "./logger.js";
import type { StoreHooks } from "./providers/types.js";

/** Hooks the environment asks for, or undefined in a normal run. */
export function testHooks(
  environ: Readonly<Record<string, string | undefined>>,
  logger: () => Logger,
): StoreHooks | undefined {
  const ms = Number(environ.ENVSYNC_PAUSE_BEFORE_WRITE ?? 0);
  if (!(ms > 0)) return undefined;
  return { beforeWrite: () => pause(ms, logger()) };
}

function pause(ms: number, logger: Logger): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      process.removeListener("SIGUSR2", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    process.once("SIGUSR2", done);
    logger.warn(`pausing ${ms} ms before writing (ENVSYNC_PAUSE_BEFORE_WRITE)`);
  });
}
