/**
 * Workspaces (docs/COMMANDS.md, "Workspaces"): the targets of a repository — the `targets` an
 * envsync.yaml names, and with discovery every envsync.yaml below the root (files git
 * ignores left out) — and a runner that does one piece of work per target and
 * environment, targets in parallel with a bound, a target's environments one after the
 * other (they share its base and lock). A failure is that row's result, never the run's.
 */
import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { CONFIG_FILE, loadConfig, targetConfig, type LoadedConfig } from "../config/config.js";
import { EnvsyncError, ExitCode, fromSystemError, isEnvsyncError } from "../errors.js";
import { mapLimit } from "../providers/parallel.js";
import { redactText } from "../redact.js";
import { gitignoreIgnores, gitignoreRegex } from "./doctor.js";

/** One app of a workspace. */
export interface Target {
  /** Its name: the key under `targets`, or the folder of a found envsync.yaml (`.` for the root). */
  readonly name: string;
  /** Its folder (absolute): its base and lock live in `.envsync/` there. */
  readonly dir: string;
  /** Its config, rooted at `dir`. */
  readonly config: LoadedConfig;
}

/** How to choose the targets. */
export interface TargetSelection {
  /** Every target (`--all`). */
  readonly all?: boolean;
  /** Names or globs, comma-separated or as a list (`--target api,web`, `--target 'services/*'`). */
  readonly select?: string | readonly string[];
  /** Working folder (default process.cwd()). */
  readonly cwd?: string;
  /** The root config (`--config`); default: envsync.yaml found from cwd upward. */
  readonly config?: string;
}

/** Exit codes from the least to the most serious: a run's exit code is its worst row's. */
const SEVERITY: readonly number[] = [
  ExitCode.OK,
  ExitCode.DIFFERENCES,
  ExitCode.CONFLICT,
  ExitCode.REMOTE_CHANGED,
  ExitCode.USAGE,
  ExitCode.RUNTIME,
  ExitCode.INTERRUPTED,
];

/** The most serious of `codes` (0 for none): runtime failure > input error > remote changed > conflict > differences. */
export function worstExit(codes: Iterable<number>): number {
  let worst: number = ExitCode.OK;
  const rank = (c: number): number => {
    const i = SEVERITY.indexOf(c);
    return i < 0 ? SEVERITY.length : i;
  };
  for (const c of codes) if (rank(c) > rank(worst)) worst = c;
  return worst;
}

/**
 * A glob of target names as a regular expression, as a .gitignore pattern reads: `*`
 * within a path segment, `**` across segments, `?` one character.
 */
export function globToRegExp(glob: string): RegExp {
  return gitignoreRegex(glob).re;
}

/** The envsync.yaml files below `root` (relative, `/`-separated), from git when it is a git repository. */
export async function findConfigFiles(root: string): Promise<string[]> {
  const fromGit = await gitFiles(root);
  const files = fromGit ?? walk(root);
  return files
    .filter((f) => f === CONFIG_FILE || f.endsWith(`/${CONFIG_FILE}`))
    .sort((a, b) => a.localeCompare(b));
}

/** Files git tracks or would track (`.gitignore` respected); null outside a repository or without git. */
function gitFiles(root: string): Promise<string[] | null> {
  return new Promise((done) => {
    execFile(
      "git",
      ["ls-files", "-z", "--cached", "--others", "--exclude-standard"],
      { cwd: root, maxBuffer: 256 * 1024 * 1024, encoding: "utf8" },
      (err, stdout) => done(err ? null : stdout.split("\0").filter(Boolean)),
    );
  });
}

/** Folders a walk never enters. */
const SKIPPED = new Set([".git", "node_modules", ".envsync"]);

/**
 * The files below `root` outside git: every folder but {@link SKIPPED} ones, leaving out
 * what a `.gitignore` on the way ignores (read with doctor's subset of git's rules:
 * wildcards, `**`, anchoring, trailing `/`, `!` within one file).
 */
function walk(root: string): string[] {
  const out: string[] = [];
  const visit = (dir: string, rules: readonly { base: string; text: string }[]): void => {
    let entries;
    try {
      entries = readdirSync(join(root, dir), { withFileTypes: true });
    } catch {
      return;
    }
    let text: string | null = null;
    try {
      text = readFileSync(join(root, dir, ".gitignore"), "utf8");
    } catch {
      // no .gitignore here
    }
    const here = text === null ? rules : [...rules, { base: dir, text }];
    for (const e of entries) {
      const rel = dir ? `${dir}/${e.name}` : e.name;
      if (SKIPPED.has(e.name)) continue;
      const isDir = e.isDirectory();
      const ignored = here.some((r) =>
        gitignoreIgnores(r.text, r.base ? rel.slice(r.base.length + 1) : rel, isDir),
      );
      if (ignored) continue;
      if (isDir) visit(rel, here);
      else if (e.isFile()) out.push(rel);
    }
  };
  visit("", []);
  return out;
}

/**
 * The targets a selection names: those the root envsync.yaml declares under `targets`,
 * then every envsync.yaml found below the root (a found one in a declared target's folder
 * is that target). The root is the found config's folder, else `cwd`. A selector that
 * matches nothing is exit 2 naming the targets there are.
 */
export async function listTargets(sel: TargetSelection): Promise<Target[]> {
  const cwd = resolve(sel.cwd ?? process.cwd());
  const rootConfig = loadConfig(cwd, sel.config);
  const root = rootConfig?.root ?? cwd;
  const byDir = new Map<string, Target>();
  const declared = rootConfig?.config.targets ?? {};
  for (const name of Object.keys(declared)) {
    const config = targetConfig(rootConfig!, name);
    const twin = byDir.get(config.root);
    if (twin)
      throw new EnvsyncError(
        "CONFIG",
        `${rootConfig!.path}: targets ${twin.name} and ${name} have the same folder ${config.root}.`,
        { hint: "A folder holds one target (its base and lock): give each its own dir." },
      );
    byDir.set(config.root, { name, dir: config.root, config });
  }
  for (const file of await findConfigFiles(root)) {
    const path = join(root, file);
    const dir = dirname(path);
    if (byDir.has(dir)) continue;
    if (rootConfig && path === rootConfig.path) {
      // The root's own config is a target when it has environments of its own.
      if (Object.keys(rootConfig.config.environments).length === 0) continue;
    }
    const config = loadConfig(dir, path)!;
    if (config.config.targets)
      throw new EnvsyncError(
        "CONFIG",
        `${path} names targets, but only the workspace root's envsync.yaml may.`,
        { hint: `Move its targets to ${rootConfig?.path ?? join(root, CONFIG_FILE)}.` },
      );
    const name = relative(root, dir).split(sep).join("/") || ".";
    byDir.set(dir, { name, dir, config });
  }
  const all = [...byDir.values()].sort((a, b) => a.name.localeCompare(b.name));
  if (all.length === 0)
    throw new EnvsyncError(
      "CONFIG",
      `No targets under ${root}: no envsync.yaml names or holds one.`,
      {
        hint: "Add `targets:` to the root envsync.yaml, or an envsync.yaml in each app's folder.",
      },
    );
  if (sel.all && sel.select === undefined) return all;
  const patterns = (typeof sel.select === "string" ? [sel.select] : (sel.select ?? []))
    .flatMap((s) => s.split(","))
    .map((s) => s.trim())
    .filter(Boolean);
  const chosen = all.filter((t) => patterns.some((p) => globToRegExp(p).test(t.name)));
  const unmatched = patterns.filter((p) => !all.some((t) => globToRegExp(p).test(t.name)));
  if (unmatched.length > 0 || chosen.length === 0)
    throw new EnvsyncError(
      "USAGE",
      `--target ${unmatched.join(",") || patterns.join(",")} matches no target.`,
      { hint: `Targets: ${all.map((t) => t.name).join(", ")}.` },
    );
  return chosen;
}

/** An error as a row shows it. */
export interface RowError {
  readonly code: string;
  readonly message: string;
  readonly hint: string | null;
}

/** One target × environment of a run. */
export interface TargetRun<R> {
  readonly target: string;
  readonly dir: string;
  /** The environment (null: the target has no environment to run). */
  readonly env: string | null;
  readonly exitCode: number;
  /** The work's result when it returned. */
  readonly result?: R;
  /** The error when it threw. */
  readonly error?: RowError;
}

/** What the work of one row returns. */
export interface RowOutcome<R> {
  readonly exitCode: number;
  readonly result: R;
}

/** An error as a row keeps it: code, redacted message and hint, exit code. */
export function rowError(err: unknown): { exitCode: number; error: RowError } {
  const e = isEnvsyncError(err)
    ? err
    : (fromSystemError(err) ??
      new EnvsyncError(
        "PROVIDER",
        `Unexpected error: ${err instanceof Error ? err.message : String(err)}`,
      ));
  return {
    exitCode: e.exitCode,
    error: {
      code: e.code,
      message: redactText(e.message),
      hint: e.hint === undefined ? null : redactText(e.hint),
    },
  };
}

/**
 * Runs `work` for each target and environment (`env` alone when given; a target without
 * it is left out), or once per target with `perTarget` (env null): at most `concurrency`
 * targets at once, a target's environments in order. Never rejects: a failing row
 * carries its error and exit code.
 */
export async function runTargets<R>(
  targets: readonly Target[],
  opts: {
    env?: string | undefined;
    concurrency: number;
    perTarget?: boolean;
    /** Called as each row ends (progress). */
    onRow?: (row: TargetRun<R>) => void;
  },
  work: (target: Target, env: string | null) => Promise<RowOutcome<R>>,
): Promise<TargetRun<R>[]> {
  const perTarget = await mapLimit(targets, opts.concurrency, async (t) => {
    const names = Object.keys(t.config.config.environments);
    const envs: (string | null)[] = opts.perTarget
      ? [null]
      : opts.env !== undefined
        ? names.filter((n) => n === opts.env)
        : names;
    if (names.length === 0 && opts.env === undefined) {
      return [
        {
          target: t.name,
          dir: t.dir,
          env: null,
          exitCode: ExitCode.USAGE,
          error: {
            code: "CONFIG",
            message: `${t.config.path}: the target has no environments.`,
            hint: "Add environments to it, or remove it.",
          },
        },
      ];
    }
    const rows: TargetRun<R>[] = [];
    for (const env of envs) {
      let row: TargetRun<R>;
      try {
        const r = await work(t, env);
        row = { target: t.name, dir: t.dir, env, exitCode: r.exitCode, result: r.result };
      } catch (err) {
        row = { target: t.name, dir: t.dir, env, ...rowError(err) };
      }
      rows.push(row);
      opts.onRow?.(row);
    }
    return rows;
  });
  const rows = perTarget.flat();
  if (rows.length === 0 && opts.env !== undefined)
    throw new EnvsyncError("CONFIG", `No selected target has an environment "${opts.env}".`, {
      hint: "Check -e, or leave it out to run every environment.",
    });
  return rows;
}
