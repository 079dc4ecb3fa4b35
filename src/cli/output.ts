/**
 * Terminal output: colours (picocolors, off with NO_COLOR / --no-color / no TTY),
 * stdout for results, stderr for logs. Nothing here ever receives a value unless
 * the user asked for values.
 */
import { fstatSync } from "node:fs";
import pc from "picocolors";
import { createLogger, type Logger, type LogLevel } from "../logger.js";
import { markPainters, safeJson, terminalText } from "./safe-text.js";
import { writeStderr, writeStdout } from "./std-write.js";

/** Global CLI switches that shape output. */
export interface OutputOptions {
  readonly json?: boolean;
  readonly quiet?: boolean;
  readonly verbose?: boolean;
  readonly color?: boolean;
}

/** Where a command writes. */
export interface Output {
  readonly json: boolean;
  readonly quiet: boolean;
  readonly verbose: boolean;
  readonly c: Colors;
  readonly logger: Logger;
  /**
   * A result line on stdout (suppressed with --json and --quiet), control characters
   * escaped (safe-text.ts).
   */
  line(text: string): void;
  /** The --json result object on stdout (exact JSON; safe-text.ts `safeJson`). */
  result(obj: unknown): void;
  /** True when both stdin and stderr are terminals (prompts possible). */
  readonly interactive: boolean;
}

/** The colours the CLI paints with. */
export type Colors = Pick<
  ReturnType<typeof pc.createColors>,
  "isColorSupported" | "red" | "yellow" | "cyan" | "green" | "bold" | "dim"
>;

/**
 * Colours off: every painter returns its text. Built here so that picocolors (a lazy
 * chunk, scripts/bundle.mjs) is loaded only when colours are on: loading it reads
 * `process.stdout.isTTY`, which builds the stdout stream.
 */
const PLAIN: Colors = {
  isColorSupported: false,
  red: String,
  yellow: String,
  cyan: String,
  green: String,
  bold: String,
  dim: String,
};

/**
 * Whether stderr is a terminal. A terminal is a character device: when fd 2 is not one
 * (a pipe, a file), the answer is no without building `process.stderr` (its stream
 * modules cost ≈ 1.5 ms of start-up).
 */
export function stderrIsTTY(): boolean {
  try {
    if (!fstatSync(2).isCharacterDevice()) return false;
  } catch {
    return false;
  }
  return process.stderr.isTTY === true;
}

/** Builds the output for a run. */
export function createOutput(opts: OutputOptions, env: NodeJS.ProcessEnv = process.env): Output {
  const json = opts.json ?? false;
  const quiet = opts.quiet ?? false;
  const verbose = opts.verbose ?? false;
  const colorOk =
    opts.color !== false && !("NO_COLOR" in env && env.NO_COLOR !== "") && !json && stderrIsTTY();
  // The CLI's colours are the only escape sequences a human line may carry (safe-text.ts).
  const c = colorOk ? markPainters(pc.createColors(true)) : PLAIN;
  const level: LogLevel = quiet ? "quiet" : verbose ? "verbose" : "normal";
  let interactive: boolean | undefined;
  return {
    json,
    quiet,
    verbose,
    c,
    logger: createLogger(level, (line) => writeStderr(line + "\n")),
    line: (text) => {
      if (!json && !quiet) writeStdout(terminalText(text) + "\n");
    },
    result: (obj) => {
      writeStdout(safeJson(obj) + "\n");
    },
    // Asked only when a prompt may be needed: opening stdin to check it costs start-up.
    get interactive(): boolean {
      return (interactive ??= env.CI !== "true" && process.stdin.isTTY === true && stderrIsTTY());
    },
  };
}
