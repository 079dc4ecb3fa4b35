/**
 * The local `.env` side of an operation: read (a missing file is empty), and write
 * back format-preserving, atomically, with a backup, after checking it did not
 * change since it was read.
 */
import { readFile } from "node:fs/promises";
import { createHash } from "node:crypto";
import { EnvsyncError } from "../errors.js";
import type { Logger } from "../logger.js";
import { applyChanges, formatDotenv, parseDocument, type DotenvDocument } from "../dotenv/index.js";
import { writeFileAtomic } from "../state/atomic-write.js";

/** The local file as read. */
export interface LocalFile {
  readonly path: string;
  readonly exists: boolean;
  readonly values: Map<string, string>;
  readonly doc: DotenvDocument | null;
  /** Hash of the bytes read (null when absent), to detect edits before writing. */
  readonly version: string | null;
}

const hashOf = (text: string): string => createHash("sha256").update(text).digest("hex");

async function readText(path: string): Promise<string | null> {
  try {
    return await readFile(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return null;
    throw new EnvsyncError("IO", `Cannot read ${path} (${code ?? "error"}).`, {
      cause: e,
      hint:
        code === "EACCES"
          ? "Check the file's permissions."
          : code === "EISDIR"
            ? "Point --file at a file, not a folder."
            : "Check the path.",
    });
  }
}

/** Reads and parses the local file; malformed content is exit 2 naming file:line:column. */
export async function readLocal(
  path: string,
  logger: Logger,
  displayName = path,
): Promise<LocalFile> {
  const text = await readText(path);
  if (text === null) return { path, exists: false, values: new Map(), doc: null, version: null };
  const parsed = parseDocument(text, { filename: displayName });
  for (const w of parsed.warnings) logger.warn(`warning: ${w.message}`);
  return { path, exists: true, values: parsed.values, doc: parsed.doc, version: hashOf(text) };
}

/** Writes changes into the local file (format-preserving), guarded by the version read. */
export async function writeLocal(
  local: LocalFile,
  changes: { set: ReadonlyMap<string, string>; delete: readonly string[] },
  next: ReadonlyMap<string, string>,
  backupDir: string,
): Promise<void> {
  const now = await readText(local.path);
  if ((now === null ? null : hashOf(now)) !== local.version) {
    throw new EnvsyncError("REMOTE_CHANGED", `${local.path} changed while envsync was running.`, {
      hint: "Nothing was written locally. Run the command again.",
    });
  }
  const text = local.doc ? applyChanges(local.doc, changes) : formatDotenv(next);
  await writeFileAtomic(local.path, text, { backupDir });
}
