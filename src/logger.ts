/**
 * Logging for envsync: everything goes to stderr, never a value. Commands receive a
 * {@link Logger} rather than writing to the console, so tests can capture it.
 */
import { redactText } from "./redact.js";

/** Verbosity: quiet shows only errors, verbose adds debug lines. */
export type LogLevel = "quiet" | "normal" | "verbose";

/** A sink for human-readable progress and diagnostics (stderr). */
export interface Logger {
  /** Only with --verbose. */
  debug(message: string): void;
  /** Normal progress lines. */
  info(message: string): void;
  /** Warnings (shown unless --quiet). */
  warn(message: string): void;
  /** Errors (always shown). */
  error(message: string): void;
  /** The level in force. */
  readonly level: LogLevel;
}

/** Creates a logger writing to `write` (stderr by default). */
export function createLogger(
  level: LogLevel = "normal",
  sink: (line: string) => void = (line) => process.stderr.write(line + "\n"),
): Logger {
  // URL credentials never reach a log line, whoever built it (SDK messages included).
  const write = (line: string): void => sink(redactText(line));
  return {
    level,
    debug: (m) => {
      if (level === "verbose") write(m);
    },
    info: (m) => {
      if (level !== "quiet") write(m);
    },
    warn: (m) => {
      if (level !== "quiet") write(m);
    },
    error: (m) => write(m),
  };
}

/** A logger that drops everything (library default). */
export const silentLogger: Logger = {
  level: "quiet",
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};
