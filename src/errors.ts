/**
 * The one error type of envsync. Every failure a user can meet is an `EnvsyncError`
 * with a stable `code`, the process `exitCode` it maps to (SPEC §4) and a `hint`
 * saying what to do next. Messages never contain secret values.
 */

/** Exit codes of SPEC §4, in one place. */
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
  /** Process exit code (SPEC §4). */
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
