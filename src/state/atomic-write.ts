/**
 * Atomic local file writes: the new content goes to a temporary file in the target's
 * folder, is fsynced, then renamed over the target, so a reader (or a crash) sees either
 * the whole old file or the whole new one. The previous content is first saved as a
 * backup. File system calls are injectable so tests can make any step fail.
 */
import * as nodeFs from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { basename, dirname, join, resolve } from "node:path";
import { EnvsyncError, errnoCode, ioError } from "../errors.js";
import { ownerAlive, trackTemp } from "./lock.js";

/** The part of a file handle {@link writeFileAtomic} uses. */
export interface AtomicFileHandle {
  /** Writes the whole content. */
  writeFile(data: string | Uint8Array): Promise<void>;
  /** Flushes content and metadata to disk (fsync). */
  sync(): Promise<void>;
  /** Sets the file's mode. */
  chmod(mode: number): Promise<void>;
  /** Closes the handle. */
  close(): Promise<void>;
}

/** The file system operations {@link writeFileAtomic} uses; `node:fs/promises` by default. */
export interface AtomicFs {
  /** Opens a file (`"wx"`: create, fail if it exists; `"r"`: read, used to fsync a folder). */
  open(path: string, flags: string, mode?: number): Promise<AtomicFileHandle>;
  /** Renames `from` over `to` (atomic on the same file system). */
  rename(from: string, to: string): Promise<void>;
  /** Removes a file. */
  unlink(path: string): Promise<void>;
  /** Mode of a file; rejects with code ENOENT when it does not exist. */
  stat(path: string): Promise<{ mode: number }>;
  /** Resolves symbolic links; rejects with code ENOENT when the path does not exist. */
  realpath(path: string): Promise<string>;
  /** Reads a whole file. */
  readFile(path: string): Promise<Uint8Array>;
  /** Creates a folder (and its parents). */
  mkdir(path: string, options: { recursive: true; mode: number }): Promise<unknown>;
  /** Sets a path's mode. */
  chmod(path: string, mode: number): Promise<void>;
  /** Names in a folder. */
  readdir(path: string): Promise<string[]>;
}

/** Options of {@link writeFileAtomic}. */
export interface AtomicWriteOptions {
  /**
   * Folder where the previous content is saved before it is replaced (envsync uses
   * `.envsync/backups/`); created with mode 0700, backups are 0600. No backup when unset.
   */
  backupDir?: string;
  /** How many backups to keep per file name (oldest removed first); default 20, 0 for none. */
  keepBackups?: number;
  /** Mode of a newly created file; default 0600. An existing file keeps its mode. */
  mode?: number;
  /** File system operations, for tests; default `node:fs/promises`. */
  fs?: AtomicFs;
}

/** `node:fs/promises` as an {@link AtomicFs}. */
export const defaultFs: AtomicFs = {
  open: (path, flags, mode) => nodeFs.open(path, flags, mode),
  rename: (from, to) => nodeFs.rename(from, to),
  unlink: (path) => nodeFs.unlink(path),
  stat: (path) => nodeFs.stat(path),
  realpath: (path) => nodeFs.realpath(path),
  readFile: (path) => nodeFs.readFile(path),
  mkdir: (path, options) => nodeFs.mkdir(path, options),
  chmod: (path, mode) => nodeFs.chmod(path, mode),
  readdir: (path) => nodeFs.readdir(path),
};

let sequence = 0;

/**
 * Writes `data` to `path` atomically: a temporary file in the same folder is written,
 * fsynced and renamed over the target, then the folder is fsynced. An existing file
 * keeps its mode (a symbolic link is followed, so the link stays); a new file gets
 * `options.mode` (0600). When `options.backupDir` is given and the file exists, its
 * previous content is saved there first as `NAME.<time>.bak` (0600), keeping the last
 * `keepBackups` (20) per file name.
 *
 * @returns the backup's path, or null when no backup was made.
 * @throws EnvsyncError "IO" (exit 1) when any step fails; the target is then unchanged
 *   and the temporary file removed.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<{ backupPath: string | null }> {
  const fs = options.fs ?? defaultFs;
  const target = await io(path, "resolve", () => resolveTarget(fs, path));
  const existing = await io(path, "stat", () => statOrNull(fs, target));
  const mode = existing !== null ? existing.mode & 0o7777 : (options.mode ?? 0o600);

  let backupPath: string | null = null;
  const keep = options.keepBackups ?? 20;
  if (existing !== null && options.backupDir !== undefined && keep > 0) {
    const dir = options.backupDir;
    backupPath = await io(path, "back up", () => saveBackup(fs, target, dir));
  }

  const dir = dirname(target);
  await removeLeftoverTemps(fs, dir, tempPattern(basename(target)));
  const tmp = join(
    dir,
    `.${basename(target)}.${process.pid}-${randomBytes(6).toString("hex")}.tmp`,
  );
  const untrack = trackTemp(tmp);
  let created = false;
  try {
    const handle = await fs.open(tmp, "wx", mode);
    created = true;
    try {
      await handle.chmod(mode); // the umask may have narrowed the mode given to open
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, target);
    created = false;
  } catch (cause) {
    if (created) await fs.unlink(tmp).catch(() => undefined);
    throw ioError(path, "write", cause);
  } finally {
    untrack();
  }
  await syncDir(fs, dir);

  if (backupPath !== null && options.backupDir !== undefined) {
    await io(path, "prune backups of", () =>
      pruneBackups(fs, options.backupDir!, basename(target), keep),
    );
  }
  return { backupPath };
}

async function resolveTarget(fs: AtomicFs, path: string): Promise<string> {
  try {
    return await fs.realpath(path);
  } catch (e) {
    if (errnoCode(e) !== "ENOENT") throw e;
    const dangling = await danglingLinkError(path);
    if (dangling) throw dangling;
    return path;
  }
}

/**
 * When `path` is a symbolic link whose target does not exist, the error saying so
 * (IO, exit 1); null otherwise. envsync neither reads such a link as an empty file
 * (a sync would then delete every key) nor replaces it with a file (the link would
 * be lost): the user decides (docs/RELIABILITY.md).
 */
export async function danglingLinkError(path: string): Promise<EnvsyncError | null> {
  let to: string;
  try {
    if (!(await nodeFs.lstat(path)).isSymbolicLink()) return null;
    to = await nodeFs.readlink(path);
  } catch {
    return null;
  }
  return new EnvsyncError(
    "IO",
    `${path} is a symbolic link to ${resolve(dirname(path), to)}, which does not exist.`,
    {
      hint: "Create the file it points to (or mount the folder it is in), or remove the link to start a new file; then run again. Nothing was written.",
    },
  );
}

/**
 * Creates `dir` and any missing parents with mode 0700 whatever the umask. Folders
 * that already exist keep their mode.
 */
export async function mkdirPrivate(dir: string, fs: AtomicFs = defaultFs): Promise<void> {
  let first: string | undefined;
  try {
    first = (await fs.mkdir(dir, { recursive: true, mode: 0o700 })) as string | undefined;
  } catch (e) {
    // A recursive mkdir reports ENOENT for a read-only or full file system; a plain
    // mkdir of the missing folder names the real cause (EROFS, ENOSPC, EACCES).
    if (errnoCode(e) === "ENOENT") {
      let missing = dir;
      while (dirname(missing) !== missing && !(await exists(dirname(missing)))) {
        missing = dirname(missing);
      }
      await nodeFs.mkdir(missing, { mode: 0o700 });
    }
    throw e;
  }
  // mkdir returns the first folder it created: that one and those below it are ours.
  if (typeof first !== "string") return;
  for (let d = dir; ; d = dirname(d)) {
    await fs.chmod(d, 0o700);
    if (d === first || dirname(d) === d || d.length < first.length) break;
  }
}

async function exists(path: string): Promise<boolean> {
  return nodeFs.stat(path).then(
    () => true,
    () => false,
  );
}

/** Leftover temporary files of one target: `.NAME.PID-HEX.tmp` (and 0.1's `.NAME.HEX.tmp`). */
function tempPattern(name: string): RegExp {
  return new RegExp(`^\\.${escapeRe(name)}\\.(?:(\\d+)-)?[0-9a-f]{12}\\.tmp$`);
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Legacy temporary files without a pid are removed when older than this. */
const LEGACY_TEMP_MS = 60 * 60 * 1000;

/**
 * Removes temporary files left in `dir` by killed writes: those whose writing process
 * (the pid in the name) is gone; best effort, never fails the write.
 */
export async function removeLeftoverTemps(
  fs: AtomicFs,
  dir: string,
  pattern: RegExp,
): Promise<string[]> {
  // The pid is the first group; a name without one (0.1's format) goes only when old.
  const removed: string[] = [];
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    const m = pattern.exec(name);
    if (!m) continue;
    const p = join(dir, name);
    try {
      if (m[1] !== undefined) {
        const pid = Number(m[1]);
        if (pid === process.pid || ownerAlive(pid, null)) continue;
      } else {
        const st = (await nodeFs.stat(p)) as { mtimeMs: number };
        if (Date.now() - st.mtimeMs < LEGACY_TEMP_MS) continue;
      }
      await fs.unlink(p);
      removed.push(p);
    } catch {
      // gone meanwhile, or not ours to remove
    }
  }
  return removed;
}

async function statOrNull(fs: AtomicFs, path: string): Promise<{ mode: number } | null> {
  try {
    return await fs.stat(path);
  } catch (e) {
    if (errnoCode(e) === "ENOENT") return null;
    throw e;
  }
}

/** Copies the current content of `target` into `dir` (0700) as a new 0600 file. */
async function saveBackup(fs: AtomicFs, target: string, dir: string): Promise<string> {
  await mkdirPrivate(dir, fs);
  await fs.chmod(dir, 0o700);
  await removeLeftoverTemps(
    fs,
    dir,
    new RegExp(
      `^${escapeRe(basename(target))}\\.\\d{8}T\\d{9}Z-(\\d+)-\\d{6}\\.bak\\.[0-9a-f]{12}\\.tmp$`,
    ),
  );
  const previous = await fs.readFile(target);
  const backup = join(dir, `${basename(target)}.${stamp()}.bak`);
  // Written under a temporary name and renamed, so a crash never leaves half a backup.
  const tmp = `${backup}.${randomBytes(6).toString("hex")}.tmp`;
  const untrack = trackTemp(tmp);
  try {
    const handle = await fs.open(tmp, "wx", 0o600);
    try {
      await handle.chmod(0o600);
      await handle.writeFile(previous);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, backup);
  } catch (e) {
    await fs.unlink(tmp).catch(() => undefined);
    throw e;
  } finally {
    untrack();
  }
  return backup;
}

/** A name part that sorts in time order: UTC time to the millisecond, pid, sequence. */
function stamp(): string {
  const iso = new Date().toISOString().replace(/[-:.]/g, ""); // 20261125T131755123Z
  sequence = (sequence + 1) % 1_000_000;
  return `${iso}-${process.pid}-${String(sequence).padStart(6, "0")}`;
}

async function pruneBackups(fs: AtomicFs, dir: string, name: string, keep: number): Promise<void> {
  const mine = new RegExp(`^${escapeRe(name)}\\.\\d{8}T\\d{9}Z-\\d+-\\d{6}\\.bak$`);
  const backups = (await fs.readdir(dir)).filter((f) => mine.test(f)).sort();
  for (const old of backups.slice(0, Math.max(0, backups.length - Math.max(0, keep)))) {
    await fs.unlink(join(dir, old));
  }
}

/** Makes the rename durable; some platforms cannot fsync a folder, which is harmless. */
async function syncDir(fs: AtomicFs, dir: string): Promise<void> {
  try {
    const handle = await fs.open(dir, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // best effort
  }
}

async function io<T>(path: string, what: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (cause) {
    throw ioError(path, what, cause);
  }
}
