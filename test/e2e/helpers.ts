/**
 * End-to-end helpers: run the built binary (`dist/cli/bin.js`, made by `npm run build`)
 * in temp folders, capture everything it prints, and check canary values never leak.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import type { Writable } from "node:stream";
import { fileURLToPath } from "node:url";

/**
 * Absolute path of the built CLI; ENVSYNC_TEST_BIN points the e2e tests at a copy
 * (a working tree where others rebuild `dist/` while tests run).
 */
export const BIN =
  process.env.ENVSYNC_TEST_BIN ??
  resolve(dirname(fileURLToPath(import.meta.url)), "../../dist/cli/bin.js");

/**
 * The command line that runs `envsync ARGS`: `node BIN ARGS` for the script build, `BIN
 * ARGS` when ENVSYNC_TEST_BIN names a standalone executable (`npm run build:binary`).
 */
export function binCommand(args: readonly string[]): [string, string[]] {
  return /\.[cm]?js$/.test(BIN) ? [process.execPath, [BIN, ...args]] : [BIN, [...args]];
}

/** {@link binCommand} as one shell line, every word single-quoted (tmux, `bash -c`). */
export function binShellLine(args: readonly string[]): string {
  const [cmd, argv] = binCommand(args);
  return [cmd, ...argv].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
}

/** True when ENVSYNC_TEST_BIN names a standalone executable rather than a script. */
export const IS_BINARY = binCommand([])[0] === BIN;

/**
 * True when `text` holds `scheme://user:password@` with a password that is not the mask
 * `***`: what `/[a-z][a-z0-9+.-]*:\/\/[^\s/@:*]+:(?!\*\*\*@)[^\s/@]+@/i` matches, checked
 * in one pass. That expression backtracks quadratically on a long run of letters (a
 * 100,000-character name in an error message cost ~10 s of CPU per run in the hostile
 * corpus); here each `://` is checked once, backwards for the scheme and forwards for
 * the user and password, and no scan crosses another `://`.
 */
export function hasUrlCredentials(text: string): boolean {
  const schemeChar = (c: string): boolean => /[a-z0-9+.-]/i.test(c);
  for (let at = text.indexOf("://"); at >= 0; at = text.indexOf("://", at + 1)) {
    // Scheme: a letter, then scheme characters, right before `://`.
    let letter = false;
    for (let i = at - 1; i >= 0 && schemeChar(text[i]!); i--)
      if (/[a-z]/i.test(text[i]!)) letter = true;
    if (!letter) continue;
    // User: one or more characters other than whitespace, `/`, `@`, `:` and `*`, then `:`.
    let i = at + 3;
    while (i < text.length && !/[\s/@:*]/.test(text[i]!)) i++;
    if (i === at + 3 || text[i] !== ":") continue;
    // Password: one or more characters other than whitespace, `/` and `@`, then `@`.
    const start = ++i;
    while (i < text.length && !/[\s/@]/.test(text[i]!)) i++;
    if (i > start && text[i] === "@" && text.slice(start, i) !== "***") return true;
  }
  return false;
}

/** Result of one CLI run. */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `envsync ARGS` in `cwd`; never rejects on a non-zero exit, rejects when a canary leaks. */
export function runCli(
  args: string[],
  opts: {
    cwd: string;
    env?: Record<string, string | undefined>;
    input?: string;
    timeoutMs?: number;
  },
): Promise<CliResult> {
  if (!existsSync(BIN))
    throw new Error(`${BIN} is missing: run \`npm run build\` first (npm test does).`);
  return new Promise((resolvePromise, reject) => {
    const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: "1", ...opts.env };
    delete env.CI_FORCE_TTY;
    const child = spawn(...binCommand(args), {
      cwd: opts.cwd,
      env: env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    // A safety net only (a hung CLI must not hang the run); no test result depends on it.
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 180_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      // The canary guard: a canary of this test file in the output of a command that
      // must not print values fails the run (errors and --verbose output included).
      if (!mayShowValues(args)) {
        for (const c of registeredCanaries) {
          for (const [where, text] of [
            ["stdout", stdout],
            ["stderr", stderr],
          ] as const) {
            if (text.includes(c)) {
              reject(new Error(`canary value leaked into ${where} of envsync ${args.join(" ")}`));
              return;
            }
          }
        }
      }
      // URL credentials (`scheme://user:pass@`) are redacted in every message.
      if (!mayShowValues(args)) {
        for (const [where, text] of [
          ["stdout", stdout],
          ["stderr", stderr],
        ] as const) {
          if (hasUrlCredentials(text)) {
            reject(new Error(`URL credentials leaked into ${where} of envsync ${args.join(" ")}`));
            return;
          }
        }
      }
      resolvePromise({ code, signal, stdout, stderr });
    });
    endInput(child.stdin, opts.input ?? "", reject);
  });
}

/**
 * Writes `input` to a child's standard input and closes it. A child that exits before
 * reading it (a usage error, a refusal, a loaded machine that ran the child first) closes
 * the pipe, and the write then fails with EPIPE: that says nothing about the run, whose
 * result is what it printed and its exit status. Unheard, the error was an uncaught
 * exception that failed the run; any other error goes to `fail`.
 */
export function endInput(stdin: Writable, input: string, fail: (e: Error) => void): void {
  stdin.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code !== "EPIPE" && e.code !== "ECONNRESET") fail(e);
  });
  stdin.end(input);
}

/**
 * This run's share of a file's cases, from `ENVSYNC_<NAME>_SHARE=k/n` (scripts/test.mjs sets
 * it off the main line, where the lines split a file's cases between them): a case of
 * index `i` is this run's when `i % n === k`. Unset, every case is.
 */
export function runsCase(name: string): (i: number) => boolean {
  const share = process.env[`ENVSYNC_${name}_SHARE`];
  if (share === undefined || share === "") return () => true;
  const m = /^(\d+)\/(\d+)$/.exec(share);
  const [k, n] = [Number(m?.[1]), Number(m?.[2])];
  if (!m || n < 1 || k >= n) throw new Error(`ENVSYNC_${name}_SHARE=${share}: expected k/n, k < n`);
  return (i) => i % n === k;
}

/** A fresh temp folder. */
export function tempDir(prefix = "envsync-e2e-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A value that must never appear in output: unique, recognisable. */
export function canary(label = "C"): string {
  const c = `CANARY_${label}_${Math.random().toString(36).slice(2, 10)}_SECRET`;
  registeredCanaries.add(c);
  return c;
}

/** Every canary made in this test file: {@link runCli} checks each run's output for all. */
const registeredCanaries = new Set<string>();

/**
 * True when the command may print values (docs/DESIGN.md, "Exit codes"): `diff --show-values`,
 * `export`, and `run`, whose child gets them; the only runs the global canary check skips.
 */
export function mayShowValues(args: readonly string[]): boolean {
  return args.some((a) => a === "--show-values" || a === "export" || a === "run");
}

/** Throws naming the place where any canary appears in any of the texts. */
export function assertNoCanary(canaries: string[], texts: Record<string, string>): void {
  for (const [where, text] of Object.entries(texts)) {
    for (const c of canaries) {
      if (text.includes(c)) throw new Error(`canary value leaked into ${where}`);
    }
  }
}

/** Every regular file under `dir` (for leak scans of state and backups). */
export function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

/** File mode bits (e.g. 0o600). */
export function modeOf(path: string): number {
  return statSync(path).mode & 0o777;
}

/** Reads a file as UTF-8. */
export function read(path: string): string {
  return readFileSync(path, "utf8");
}

/** No stack trace in a CLI's stderr (allowed only with --verbose). */
export function hasStackTrace(stderr: string): boolean {
  return /\n\s+at .+[(:]\d+/.test(stderr) || /^\s+at .+:\d+:\d+\)?$/m.test(stderr);
}

/**
 * The canary guard of the reliability suite (issue 8): every value a test writes is
 * a registered canary; every run's stdout and stderr (errors, logs, `--verbose`
 * included) and every file envsync keeps in a working copy (`.envsync/state.json`,
 * `state.key`, backups) are scanned. A backup may hold only the values of the file
 * it backs up (`ownValues`); the state never holds any.
 */
export class CanaryGuard {
  /** Every canary made so far. */
  readonly values: string[] = [];

  /** A fresh canary value, registered. */
  make(label = "C"): string {
    const c = canary(label);
    this.values.push(c);
    return c;
  }

  /** Throws when a registered canary appears in any of the texts. */
  check(texts: Record<string, string>): void {
    assertNoCanary(this.values, texts);
  }

  /** Runs the CLI and checks its stdout and stderr. */
  async run(args: string[], opts: Parameters<typeof runCli>[1]): Promise<CliResult> {
    const r = await runCli(args, opts);
    this.check({
      [`stdout of envsync ${args.join(" ")}`]: r.stdout,
      [`stderr of envsync ${args.join(" ")}`]: r.stderr,
    });
    return r;
  }

  /**
   * Scans a working copy's `.envsync/`: state and key never hold a canary; a backup
   * named `NAME.<stamp>.bak` may hold only canaries listed for NAME in `ownValues`.
   */
  checkWorkingCopy(dir: string, ownValues: Record<string, readonly string[]> = {}): void {
    const statePath = join(dir, ".envsync", "state.json");
    if (existsSync(statePath)) {
      // Only keyed hashes (HMAC-SHA256, base64url) under each base's keys.
      const state = JSON.parse(readFileSync(statePath, "utf8")) as {
        bases: Record<string, { keys: Record<string, string> }>;
      };
      for (const base of Object.values(state.bases)) {
        for (const [k, h] of Object.entries(base.keys)) {
          if (!/^[A-Za-z0-9_-]{43}$/.test(h)) {
            throw new Error(`${statePath}: the base of ${k} is not a keyed hash`);
          }
        }
      }
    }
    for (const f of filesUnder(join(dir, ".envsync"))) {
      if (modeOf(f) !== 0o600) {
        throw new Error(`${f} has mode ${modeOf(f).toString(8)}, not 600`);
      }
      const text = readFileSync(f);
      const name = f.slice(f.lastIndexOf("/") + 1);
      const owner = /^(.*)\.\d{8}T\d{9}Z-\d+-\d{6}\.bak$/.exec(name)?.[1];
      const allowed = new Set(owner !== undefined ? (ownValues[owner] ?? []) : []);
      for (const c of this.values) {
        if (!allowed.has(c) && text.includes(c)) {
          throw new Error(`canary value leaked into ${f}`);
        }
      }
    }
  }
}

/** A CLI process started in the background (signals, pauses). */
export interface RunningCli {
  readonly child: ChildProcess;
  /** Resolves when stderr has matched `pattern` (rejects if the process ends first). */
  waitForStderr(pattern: RegExp): Promise<void>;
  /** Resolves with the result when the process ends (canary guard applied). */
  readonly done: Promise<CliResult>;
}

/** Starts `envsync ARGS` in the background; see {@link runCli} for the canary guard. */
export function startCli(
  args: string[],
  opts: { cwd: string; env?: Record<string, string | undefined>; timeoutMs?: number },
): RunningCli {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: "1", ...opts.env };
  const child = spawn(...binCommand(args), {
    cwd: opts.cwd,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
    for (const w of [...waiters]) {
      if (w.pattern.test(stderr)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  });
  // A safety net only (a hung CLI must not hang the run); no test result depends on it.
  const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 180_000);
  const done = new Promise<CliResult>((resolvePromise, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      for (const c of registeredCanaries) {
        if (!mayShowValues(args) && (stdout.includes(c) || stderr.includes(c))) {
          reject(new Error(`canary value leaked into the output of envsync ${args.join(" ")}`));
          return;
        }
      }
      resolvePromise({ code, signal, stdout, stderr });
    });
  });
  return {
    child,
    done,
    waitForStderr: (pattern) =>
      new Promise<void>((resolve, reject) => {
        if (pattern.test(stderr)) return resolve();
        waiters.push({ pattern, resolve });
        void done.then(
          (r) => reject(new Error(`envsync ended (${r.code}) before ${pattern}: ${r.stderr}`)),
          reject,
        );
      }),
  };
}

/** Environment that makes the CLI hold each write until released (src/test-hooks.ts). */
export const PAUSE_ENV = { ENVSYNC_PAUSE_BEFORE_WRITE: "1" } as const;
/** The marker line a held write prints on stderr before it waits. */
export const PAUSED = /^envsync: paused before writing/m;

/** A CLI run held between its read and its write (ENVSYNC_PAUSE_BEFORE_WRITE). */
export interface PausedRun {
  /** Resolves once the run has read both sides and holds before it writes (rejects if it ended first). */
  readonly ready: Promise<void>;
  /** Lets the held write go on (SIGUSR2); call it after the other writer has finished. */
  release(): void;
  /** The exit code. */
  readonly exited: Promise<number | null>;
  /** stderr so far. */
  readonly stderr: string;
}

/**
 * Starts `envsync ARGS` holding before it writes until {@link PausedRun.release}, so
 * a test can make a concurrent change deterministically and see the version check
 * stop the write (exit 5). Nothing here depends on time.
 */
export function startPaused(
  args: string[],
  opts: { cwd: string; env?: Record<string, string | undefined> },
): PausedRun {
  const cli = startCli(args, { cwd: opts.cwd, env: { ...opts.env, ...PAUSE_ENV } });
  let stderr = "";
  cli.child.stderr?.on("data", (d: string) => (stderr += d));
  return {
    ready: cli.waitForStderr(PAUSED),
    release: () => {
      cli.child.kill("SIGUSR2");
    },
    exited: cli.done.then((r) => r.code),
    get stderr() {
      return stderr;
    },
  };
}
