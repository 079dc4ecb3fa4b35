/**
 * The one error type of envsync. Every failure a user can meet is an `EnvsyncError`
 * with a stable `code`, the process `exitCode` it maps to (docs/DESIGN.md, "Exit codes") and a `hint`
 * saying what to do next. Messages never contain secret values.
 */

/** Exit codes of docs/DESIGN.md, "Exit codes", in one place. */
export const ExitCode = {
  OK: 0,
  RUNTIME: 1,
  USAGE: 2,
  DIFFERENCES: 3,
  CONFLICT: 4,
  REMOTE_CHANGED: 5,
  INTERRUPTED: 130,
} as const;

/** A process exit code envsync uses. */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** Stable error codes; each has a default exit code. */
export type ErrorCode =
  | "USAGE" // bad flag or argument
  | "CONFIG" // envsync.yaml invalid or missing
  | "PARSE" // malformed .env or JSON input
  | "LIMIT" // value or bundle larger than the store allows
  | "NAME" // a key name the store cannot hold, or a collision
  | "UNSAFE_VALUE" // a value no .env quoting keeps from running as a command
  | "URI" // unknown scheme or malformed remote URI
  | "NEEDS_CONFIRMATION" // remote deletions without TTY and without --yes
  | "CONFLICT" // unresolved conflict
  | "REMOTE_CHANGED" // the remote moved between read and write
  | "LOCKED" // another live envsync process holds the lock
  | "NOT_FOUND" // a remote that must exist does not
  | "AUTH" // no credentials / access denied
  | "NETWORK" // connection, timeout, throttling beyond retries
  | "PROVIDER" // other store error
  | "IO" // local file system error
  | "INTERRUPTED"; // SIGINT

const defaultExit: Record<ErrorCode, ExitCodeValue> = {
  USAGE: ExitCode.USAGE,
  CONFIG: ExitCode.USAGE,
  PARSE: ExitCode.USAGE,
  LIMIT: ExitCode.USAGE,
  NAME: ExitCode.USAGE,
  UNSAFE_VALUE: ExitCode.USAGE,
  URI: ExitCode.USAGE,
  NEEDS_CONFIRMATION: ExitCode.USAGE,
  CONFLICT: ExitCode.CONFLICT,
  REMOTE_CHANGED: ExitCode.REMOTE_CHANGED,
  LOCKED: ExitCode.REMOTE_CHANGED,
  NOT_FOUND: ExitCode.RUNTIME,
  AUTH: ExitCode.RUNTIME,
  NETWORK: ExitCode.RUNTIME,
  PROVIDER: ExitCode.RUNTIME,
  IO: ExitCode.RUNTIME,
  INTERRUPTED: ExitCode.INTERRUPTED,
};

/** Options of an {@link EnvsyncError}. */
export interface EnvsyncErrorOptions {
  /** What the user should do next. */
  hint?: string;
  /** The underlying error (kept for `--verbose`; never printed otherwise). */
  cause?: unknown;
  /** Overrides the code's default exit code. */
  exitCode?: ExitCodeValue;
  /** Where in an input the problem is (`file:line:column`). */
  location?: { file: string; line: number; column?: number };
}

/** The error type every envsync failure is turned into before it reaches the user. */
export class EnvsyncError extends Error {
  override readonly name = "EnvsyncError";
  /** Stable machine-readable code. */
  readonly code: ErrorCode;
  /** Process exit code (docs/DESIGN.md, "Exit codes"). */
  readonly exitCode: ExitCodeValue;
  /** What to do next, or undefined. */
  readonly hint: string | undefined;
  /** Input location, when the error is about a file's content. */
  readonly location: { file: string; line: number; column?: number } | undefined;

  constructor(code: ErrorCode, message: string, options: EnvsyncErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.exitCode = options.exitCode ?? defaultExit[code];
    this.hint = options.hint;
    this.location = options.location;
  }
}

/** True when `e` is an {@link EnvsyncError} (optionally with the given code). */
export function isEnvsyncError(e: unknown, code?: ErrorCode): e is EnvsyncError {
  return e instanceof EnvsyncError && (code === undefined || e.code === code);
}

/** The errno code of a Node system error (`ENOSPC`, `EACCES`, …), or undefined. */
export function errnoCode(e: unknown): string | undefined {
  return typeof e === "object" &&
    e !== null &&
    "code" in e &&
    typeof e.code === "string" &&
    /^E[A-Z0-9]+$/.test(e.code)
    ? e.code
    : undefined;
}

/** What to do about a local file system error, by errno code. */
export function ioHint(code: string | undefined): string {
  switch (code) {
    case "ENOSPC":
      return "The disk is full: free some space and run again. Nothing was lost: files are replaced whole or not at all.";
    case "EDQUOT":
      return "Your disk quota is used up: free some space (or ask for a larger quota) and run again. Nothing was lost.";
    case "EFBIG":
      return "The file is larger than the size limit of this process (ulimit -f) or file system: raise the limit and run again.";
    case "EROFS":
      return "The file system is mounted read-only: run where it is writable, or remount it read-write.";
    case "EACCES":
    case "EPERM":
      return "Check the permissions of the file and its folder (you need write access to the folder).";
    case "EMFILE":
    case "ENFILE":
      return "Too many open files: raise the limit (ulimit -n) or close other programs, then run again.";
    case "ENOTDIR":
    case "EISDIR":
    case "ENOENT":
      return "Check the path: a folder on it is missing or is a file.";
    case "ELOOP":
      return "The path is a loop of symbolic links: fix the links.";
    case "EIO":
      return "The disk reported a hardware error: check it before running again.";
    default:
      return "Check the path and the disk, then run again; files are replaced whole or not at all.";
  }
}

/**
 * A local file system failure as an `IO` error (exit 1): the message names what was
 * being done, the path and the errno code with its meaning; the hint says what to do.
 */
export function ioError(path: string, what: string, cause: unknown): EnvsyncError {
  if (cause instanceof EnvsyncError) return cause;
  const code = errnoCode(cause);
  const meaning = code !== undefined ? IO_MEANING[code] : undefined;
  return new EnvsyncError(
    "IO",
    `Could not ${what} ${path}${code !== undefined ? ` (${code}${meaning ? `: ${meaning}` : ""})` : ""}.`,
    { cause, hint: ioHint(code) },
  );
}

const IO_MEANING: Record<string, string> = {
  ENOSPC: "no space left on device",
  EDQUOT: "disk quota exceeded",
  EFBIG: "file too large",
  EROFS: "read-only file system",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EMFILE: "too many open files",
  ENFILE: "too many open files in the system",
  ENOENT: "no such file or folder",
  ENOTDIR: "not a folder",
  EISDIR: "is a folder",
  ELOOP: "too many symbolic links",
  EIO: "input/output error",
};

/**
 * Turns a stray Node system error (one that reached the top without being wrapped)
 * into an `IO` error naming its path, so a full disk anywhere reads as an I/O error
 * with a hint, never as an unexpected error. Returns null for anything else.
 */
export function fromSystemError(e: unknown): EnvsyncError | null {
  const code = errnoCode(e);
  if (code === undefined || !(e instanceof Error) || !("syscall" in e)) return null;
  const path = "path" in e && typeof e.path === "string" ? e.path : "a local file";
  return ioError(path, `${String(e.syscall)}`, e);
}
