/**
 * The kernel's limits on what a new program gets (docs/RELIABILITY.md, "Limits of
 * run"), checked before `run` starts its child, so that a value too large for an
 * environment variable is named (which variable, which limit) with exit 2 instead of
 * failing in `execve` with E2BIG. Linux (fs/exec.c): one argument or `NAME=value` string,
 * with its NUL, holds at most MAX_ARG_STRLEN = 32 pages = 131,072 bytes; all strings
 * together (with the program's path), plus one pointer per string, fit in a quarter of
 * the stack limit (`ulimit -s`), capped at 6 MiB and never under 128 KiB. Other systems
 * have other rules: there the child's E2BIG is reported with the same code.
 */
import { readFileSync } from "node:fs";
import { EnvsyncError } from "../errors.js";

/** Linux: the longest single argument or environment string, NUL included. */
export const MAX_ARG_STRLEN = 131_072;

/** Linux: the kernel's cap on the total (3/4 of the 8 MiB _STK_LIM). */
const TOTAL_CAP = 6 * 1024 * 1024;

/** The total the kernel allows for this process's children (Linux), from its stack limit. */
export function totalArgLimit(limitsText?: string): number {
  let text = limitsText;
  if (text === undefined) {
    try {
      text = readFileSync("/proc/self/limits", "utf8");
    } catch {
      return TOTAL_CAP;
    }
  }
  const soft = /^Max stack size\s+(\S+)/m.exec(text)?.[1];
  const stack = soft === undefined || soft === "unlimited" ? Infinity : Number(soft);
  if (!Number.isFinite(stack)) return TOTAL_CAP;
  return Math.max(Math.min(Math.floor(stack / 4), TOTAL_CAP), MAX_ARG_STRLEN);
}

const POINTER = 8;

const kib = (n: number): string => `${Math.ceil(n / 1024).toLocaleString("en-US")} KiB`;

/**
 * Throws LIMIT (exit 2) when `command args` with `env` could not be started on Linux:
 * a variable or an argument over {@link MAX_ARG_STRLEN}, or everything over
 * {@link totalArgLimit}. Names the variable and its size, never its value.
 */
export function checkExecLimits(
  command: string,
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  platform: NodeJS.Platform = process.platform,
  total: () => number = totalArgLimit,
): void {
  if (platform !== "linux") return;
  const hint =
    "Keep large values out of the environment: store a path to a file instead (e.g. `envsync export --format dotenv > FILE`), or shorten the value. Nothing was started.";
  let used = Buffer.byteLength(command) + 1;
  let strings = 0;
  for (const [name, value] of Object.entries(env)) {
    const size = Buffer.byteLength(name) + 1 + Buffer.byteLength(value) + 1;
    if (size > MAX_ARG_STRLEN)
      throw new EnvsyncError(
        "LIMIT",
        `The environment variable ${name} is ${size.toLocaleString("en-US")} bytes as NAME=value, over the kernel's limit of ${MAX_ARG_STRLEN} bytes for one environment string (MAX_ARG_STRLEN).`,
        { hint },
      );
    used += size;
    strings++;
  }
  for (const [i, a] of [command, ...args].entries()) {
    const size = Buffer.byteLength(a) + 1;
    if (size > MAX_ARG_STRLEN)
      throw new EnvsyncError(
        "LIMIT",
        `Argument ${i} of the command is ${size.toLocaleString("en-US")} bytes, over the kernel's limit of ${MAX_ARG_STRLEN} bytes for one argument (MAX_ARG_STRLEN).`,
        { hint: "Shorten the argument. Nothing was started." },
      );
    used += size;
    strings++;
  }
  const limit = total();
  used += strings * POINTER;
  if (used > limit) {
    const largest = Object.entries(env)
      .map(
        ([name, value]) => [name, Buffer.byteLength(name) + Buffer.byteLength(value) + 2] as const,
      )
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .map(([name, size]) => `${name} (${kib(size)})`);
    throw new EnvsyncError(
      "LIMIT",
      `The command's arguments and environment come to ${kib(used)}, over the kernel's total limit of ${kib(limit)} for a new program (a quarter of the stack limit, \`ulimit -s\`, at most 6 MiB). Largest variables: ${largest.join(", ")}.`,
      { hint },
    );
  }
}

/** The error for a child the system refused with E2BIG (any platform). */
export function tooBigToStart(command: string, cause: unknown): EnvsyncError {
  return new EnvsyncError(
    "LIMIT",
    `${command} could not be started: its arguments and environment are over the system's limit (E2BIG).`,
    {
      cause,
      hint: "Keep large values out of the environment (store a path to a file instead), or shorten them. Nothing was started.",
    },
  );
}
