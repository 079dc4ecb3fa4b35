/**
 * What every store kept in a local file shares (`file:`, `sops:`, `dotenvx:`): the
 * content hash that stands for a version, a read that takes regular files only, and
 * the lock beside the file. In `shared/` so no store depends on another store's module.
 */
import { createHash } from "node:crypto";
import { EnvsyncError, ioError } from "../../errors.js";
import { decodeUtf8, NotRegularFileError, readRegularFile } from "../../state/read-regular.js";
import { withFileLock } from "../../state/lock.js";

/** sha256 of content, short, as the file's version. */
export function contentVersion(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 16);
}

/**
 * Reads a file, or null when it does not exist. Only a regular file is read
 * (src/state/read-regular.ts): a FIFO, socket, device or folder given as a `file:`
 * remote is refused at once (exit 2). The other stores kept in a local file (sops:,
 * dotenvx:) read through it too.
 */
export async function readOrNull(path: string, display: string): Promise<string | null> {
  try {
    const bytes = await readRegularFile(path);
    // Invalid UTF-8 is refused with its place, never read through U+FFFD.
    return bytes === null ? null : decodeUtf8(bytes, display);
  } catch (e) {
    if (e instanceof NotRegularFileError) {
      throw new EnvsyncError("USAGE", `${display} is ${e.kind}, not a regular file.`, {
        hint: "Point the file: remote at a regular file (it is created on the first push if absent).",
      });
    }
    if (e instanceof EnvsyncError) throw e; // a dangling link
    throw ioError(path, "read", e);
  }
}

/**
 * Holds the lock `PATH.envsync-lock` while `fn` runs: a lock whose process is gone
 * is broken at once (with a note), a live one is waited for, then reported with
 * its pid (exit 5). See src/state/lock.ts.
 */
export async function withLock<T>(
  path: string,
  fn: () => Promise<T>,
  options: { what?: string; note?: (message: string) => void; waitMs?: number } = {},
): Promise<T> {
  return withFileLock(`${path}.envsync-lock`, fn, {
    what: options.what ?? path,
    ...(options.note ? { note: options.note } : {}),
    ...(options.waitMs !== undefined ? { waitMs: options.waitMs } : {}),
  });
}
