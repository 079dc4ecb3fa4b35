/**
 * Lock files that heal (docs/RELIABILITY.md, "Local state and locks"). A lock is a
 * file created with `O_EXCL` holding who took it (pid, host, the process's start
 * time, when, a random token). A lock whose process is gone — a run killed by SIGKILL,
 * a machine that rebooted, a pid reused by another program — is broken at once with
 * a note; a live one is waited for, then reported as "locked by pid N since T"
 * (exit 5). A run that ends by `process.exit` (SIGINT) removes the locks it holds
 * and its unfinished temporary files on the way out.
 */
import { randomBytes } from "node:crypto";
import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { link, readFile, rename, rm, stat } from "node:fs/promises";
import { hostname } from "node:os";
import { EnvsyncError, ioError } from "../errors.js";

/** What a lock file records about its holder. */
export interface LockOwner {
  /** Process id of the holder. */
  readonly pid: number;
  /** Host name of the holder. */
  readonly host: string;
  /** ISO time the lock was taken. */
  readonly since: string;
  /** The holder's process start time (Linux `/proc/PID/stat` field 22), to detect pid reuse. */
  readonly start: string | null;
  /** Random token: a lock is removed by its holder only while it still holds this. */
  readonly token: string;
}

/** Options of {@link withFileLock}. */
export interface LockOptions {
  /** What is locked, as shown in messages (e.g. the remote's URI). */
  readonly what: string;
  /** How long to wait for a live holder, ms (default 10000; `ENVSYNC_LOCK_WAIT_MS`). */
  readonly waitMs?: number;
  /** Receives the note when a stale lock is broken. */
  readonly note?: (message: string) => void;
}

/** Default wait for a live lock, ms. */
export const LOCK_WAIT_MS = 10_000;
/** A lock from another host (whose process cannot be checked) is stale after this long. */
const FOREIGN_STALE_MS = 60_000;
/** A lock file still empty after this long was left by a run killed while creating it. */
const EMPTY_STALE_MS = 5_000;

const held = new Map<string, string>(); // lock path → token
const pending = new Set<string>(); // temporary files being written
let exitHookInstalled = false;

/** Removes held locks and unfinished temporary files when the process exits (e.g. SIGINT). */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const tmp of pending) rmSync(tmp, { force: true });
    for (const [path, token] of held) removeIfOurs(path, token);
  });
}

/**
 * Registers a temporary file being written, so a run that exits meanwhile removes it;
 * returns the function that unregisters it.
 */
export function trackTemp(path: string): () => void {
  installExitHook();
  pending.add(path);
  return () => pending.delete(path);
}

let ownStart: string | null | undefined;

/** Start time of a process (clock ticks since boot), or null where /proc is not available. */
export function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces and parentheses).
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[19] ?? null; // field 22 overall
  } catch {
    return null;
  }
}

/**
 * Whether the process that took a lock (or wrote a temporary file) may still run:
 * false when the pid is gone, or now belongs to a process started at another time.
 */
export function ownerAlive(pid: number, start: string | null): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ESRCH") return false;
    // EPERM: it exists (another user's process).
  }
  if (start === null) return true;
  const now = processStart(pid);
  return now === null || now === start;
}

/** Parses a lock file's content (JSON, or a bare pid written by envsync 0.1). */
function parseOwner(text: string): LockOwner | null {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) {
    return { pid: Number(trimmed), host: hostname(), since: "", start: null, token: trimmed };
  }
  try {
    const o = JSON.parse(trimmed) as Partial<LockOwner>;
    if (typeof o.pid !== "number" || typeof o.host !== "string") return null;
    return {
      pid: o.pid,
      host: o.host,
      since: typeof o.since === "string" ? o.since : "",
      start: typeof o.start === "string" ? o.start : null,
      token: typeof o.token === "string" ? o.token : "",
    };
  } catch {
    return null;
  }
}

/** Why a lock is stale, or null when its holder may still run. */
function staleReason(owner: LockOwner | null, ageMs: number): string | null {
  if (owner === null) {
    return ageMs > EMPTY_STALE_MS
      ? "an empty or unreadable lock (a run killed while taking it)"
      : null;
  }
  if (owner.host === hostname()) {
    return ownerAlive(owner.pid, owner.start)
      ? null
      : `left by pid ${owner.pid}${owner.since ? ` (since ${owner.since})` : ""}, which is no longer running`;
  }
  return ageMs > FOREIGN_STALE_MS
    ? `left by pid ${owner.pid} on ${owner.host} more than ${FOREIGN_STALE_MS / 1000} s ago`
    : null;
}

/**
 * Tries once to create the lock; true when taken. Synchronous on purpose, like the
 * release: no JavaScript (a SIGINT handler calling `process.exit`) can run between
 * creating the file, writing its owner and registering it for the exit hook, so an
 * interrupted run never leaves an empty or unregistered lock behind (an awaited write
 * here once did). Creating and writing a ~150-byte local file takes microseconds.
 */
function tryTake(path: string, owner: LockOwner): boolean {
  let fd: number;
  try {
    fd = openSync(path, "wx", 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw ioError(path, "create the lock", e);
  }
  try {
    writeSync(fd, JSON.stringify(owner) + "\n");
  } catch (e) {
    rmSync(path, { force: true });
    throw ioError(path, "write the lock", e);
  } finally {
    closeSync(fd);
  }
  installExitHook();
  held.set(path, owner.token);
  return true;
}

/** Removes the lock at `path` if it still holds `token` (someone may have broken it). */
function removeIfOurs(path: string, token: string): void {
  try {
    if (parseOwner(readFileSync(path, "utf8"))?.token === token) rmSync(path, { force: true });
  } catch {
    // already gone
  }
}

/**
 * Breaks a stale lock safely against other breakers: the lock is renamed to a unique
 * name (only one breaker can), and removed only if it is still the stale one judged.
 */
async function breakStale(path: string, seen: string): Promise<boolean> {
  const aside = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.broken`;
  try {
    await rename(path, aside);
  } catch {
    return false; // someone else broke it first
  }
  const text = await readFile(aside, "utf8").catch(() => null);
  if (text === seen) {
    await rm(aside, { force: true });
    return true;
  }
  // Another process took a fresh lock meanwhile: give it back (unless yet another
  // process took the free name in between, a window of a few microseconds).
  await link(aside, path).catch(() => undefined);
  await rm(aside, { force: true });
  return false;
}

/**
 * Holds the lock file `lockPath` while `fn` runs. A stale lock is broken at once
 * (with `options.note`); a live one is waited for up to `waitMs`, then this throws
 * EnvsyncError "LOCKED" (exit 5) naming the holder's pid and since when it holds it.
 */
export async function withFileLock<T>(
  lockPath: string,
  fn: () => Promise<T>,
  options: LockOptions,
): Promise<T> {
  const waitMs = options.waitMs ?? lockWaitFromEnv(process.env) ?? LOCK_WAIT_MS;
  const owner: LockOwner = {
    pid: process.pid,
    host: hostname(),
    since: new Date().toISOString(),
    start: (ownStart ??= processStart(process.pid)),
    token: randomBytes(8).toString("hex"),
  };
  const deadline = Date.now() + waitMs;
  let last: LockOwner | null = null;
  for (;;) {
    if (tryTake(lockPath, owner)) break;
    let text: string;
    let ageMs: number;
    try {
      text = await readFile(lockPath, "utf8");
      ageMs = Date.now() - (await stat(lockPath)).mtimeMs;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") continue; // released meanwhile
      throw ioError(lockPath, "read the lock", e);
    }
    last = parseOwner(text);
    const stale = staleReason(last, ageMs);
    if (stale !== null) {
      if (await breakStale(lockPath, text)) {
        options.note?.(`note: broke the lock ${lockPath}: ${stale}.`);
      }
      continue;
    }
    if (Date.now() >= deadline) {
      const who = last
        ? `pid ${last.pid}${last.host !== hostname() ? ` on ${last.host}` : ""}${last.since ? ` since ${last.since}` : ""}`
        : "another envsync process";
      throw new EnvsyncError("LOCKED", `${options.what} is locked by ${who}.`, {
        hint: `Another envsync is writing it: run again when it has finished. If no envsync runs as that process, delete ${lockPath}.`,
      });
    }
    await new Promise((r) => setTimeout(r, 20 + Math.random() * 40));
  }
  try {
    return await fn();
  } finally {
    // Synchronous, then unregistered: an exit at any moment finds the lock either
    // still registered (the exit hook removes it) or already gone.
    removeIfOurs(lockPath, owner.token);
    held.delete(lockPath);
  }
}

/** ENVSYNC_LOCK_WAIT_MS as a number of ms, or undefined when unset or malformed. */
export function lockWaitFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): number | undefined {
  const raw = env.ENVSYNC_LOCK_WAIT_MS;
  if (raw === undefined || raw === "") return undefined;
  const n = Number(raw);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}
