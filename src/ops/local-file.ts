/**
 * The local `.env` side of an operation: read (a missing file is empty), and write
 * back format-preserving, atomically, with a backup, after checking it did not
 * change since it was read.
 */
import { EnvsyncError } from "../errors.js";
import type { Logger } from "../logger.js";
import {
  applyChanges,
  formatDotenv,
  parseDocument,
  parseValues,
  type DotenvDocument,
} from "../dotenv/index.js";
import { writeFileAtomic } from "../state/atomic-write.js";
import { decodeUtf8, NotRegularFileError, readRegularFile } from "../state/read-regular.js";

/** The local file as read. */
export interface LocalFile {
  readonly path: string;
  readonly exists: boolean;
  readonly values: Map<string, string>;
  readonly doc: DotenvDocument | null;
  /** The text read (null when absent), to detect edits before writing. */
  readonly text: string | null;
}

async function readText(path: string, displayName = path): Promise<string | null> {
  let bytes: Buffer | null;
  try {
    bytes = await readRegularFile(path);
  } catch (e) {
    if (e instanceof EnvsyncError) throw e; // a dangling link
    const code = (e as NodeJS.ErrnoException).code;
    throw new EnvsyncError(
      "IO",
      `Cannot read ${path} (${e instanceof NotRegularFileError ? `${e.kind}, not a regular file` : (code ?? "error")}).`,
      {
        cause: e,
        hint:
          code === "EACCES"
            ? "Check the file's permissions."
            : e instanceof NotRegularFileError
              ? "Point --file at a regular file."
              : "Check the path.",
      },
    );
  }
  return bytes === null ? null : decodeUtf8(bytes, displayName);
}

/** Reads and parses the local file; malformed content is exit 2 naming file:line:column. */
export async function readLocal(
  path: string,
  logger: Logger,
  displayName = path,
): Promise<LocalFile> {
  const text = await readText(path, displayName);
  if (text === null) return { path, exists: false, values: new Map(), doc: null, text: null };
  // The values now; the lossless document only when a write needs it (same text, same
  // reading: parseValues and parseDocument share one scanner).
  const parsed = parseValues(text, { filename: displayName });
  for (const w of parsed.warnings) logger.warn(`warning: ${w.message}`);
  let doc: DotenvDocument | undefined;
  return {
    path,
    exists: true,
    values: parsed.values,
    get doc(): DotenvDocument {
      return (doc ??= parseDocument(text, { filename: displayName }).doc);
    },
    text,
  };
}

/** Writes changes into the local file (format-preserving), guarded by the text read. */
export async function writeLocal(
  local: LocalFile,
  changes: { set: ReadonlyMap<string, string>; delete: readonly string[] },
  next: ReadonlyMap<string, string>,
  backupDir: string,
): Promise<void> {
  const now = await readText(local.path);
  if (now !== local.text) {
    throw new EnvsyncError("REMOTE_CHANGED", `${local.path} changed while envsync was running.`, {
      hint: "Nothing was written locally. Run the command again.",
    });
  }
  const text = local.doc ? applyChanges(local.doc, changes) : formatDotenv(next);
  await writeFileAtomic(local.path, text, { backupDir });
}
