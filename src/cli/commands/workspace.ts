/**
 * `--all` and `--target` on sync, push, pull, diff, check, doctor and compare: the command runs
 * for every chosen target and environment (src/ops/workspace.ts), then one summary table
 * (target, env, result, exit) on stdout, one line per failed row on stderr, one exit code
 * (the worst row's); with `--json`, one array of rows. The commands that work on one remote
 * (run, export, history, rollback, adopt, copy) take them too: `--target NAME` is that
 * target as if run in its folder ({@link targetScope}); export, history and adopt also run
 * over several.
 */
import type { Command } from "commander";
import { EnvsyncError } from "../../errors.js";
import type { Logger } from "../../logger.js";
import type { CommonOptions } from "../../ops/session.js";
import {
  listTargets,
  runTargets,
  worstExit,
  type RowOutcome,
  type Target,
  type TargetRun,
} from "../../ops/workspace.js";
import type { Output } from "../output.js";
import { createProgress } from "../progress.js";
import { syncJson } from "../render.js";
import { writeStderr } from "../std-write.js";
import type { CliOptions, CommandDeps } from "./types.js";

/** Targets worked on at once when --concurrency is not given. */
export const DEFAULT_TARGET_CONCURRENCY = 8;

/** The commands that take `--all` and `--target`. */
export const WORKSPACE_COMMANDS: ReadonlySet<string> = new Set([
  "sync",
  "push",
  "pull",
  "diff",
  "check",
  "doctor",
  "compare",
  "run",
  "export",
  "history",
  "rollback",
  "adopt",
  "copy",
]);

/** Adds `--all` and `--target`. */
export function workspaceFlags(cmd: Command): Command {
  return cmd
    .option("--all", "every target of the workspace (envsync.yaml targets and apps below)")
    .option("--target <names>", "targets by name or glob, comma-separated (e.g. api,services/*)");
}

/** True when the options ask for a workspace run. */
export function wantsWorkspace(o: CliOptions): boolean {
  return o.all === true || typeof o.target === "string";
}

/**
 * The scope of a command that works on one remote (run, export, history, rollback, adopt,
 * copy): `deps` as given without `--all`/`--target`; with a `--target` that names one
 * target, deps whose common options are that target's folder and config (as if run
 * there); `"many"` for `--all` or several targets when the command has a per-target form
 * (`many`), else exit 2 saying to name one target.
 */
export async function targetScope(
  deps: CommandDeps,
  o: CliOptions,
  command: string,
): Promise<CommandDeps>;
export async function targetScope(
  deps: CommandDeps,
  o: CliOptions,
  command: string,
  many: true,
): Promise<CommandDeps | "many">;
export async function targetScope(
  deps: CommandDeps,
  o: CliOptions,
  command: string,
  many = false,
): Promise<CommandDeps | "many"> {
  if (!wantsWorkspace(o)) return deps;
  const one = (detail: string): EnvsyncError =>
    new EnvsyncError("USAGE", `${command} works on one target: ${detail}.`, {
      hint: `Pick one with --target NAME (or run it in the target's folder).`,
    });
  if (o.all === true && !many) throw one("it cannot run with --all; name it with --target NAME");
  if (o.all === true) return "many";
  const { config } = deps.common(o);
  const targets = await listTargets({
    select: String(o.target),
    ...(config !== undefined ? { config } : {}),
  });
  if (targets.length > 1) {
    if (many) return "many";
    throw one(
      `--target ${String(o.target)} matches ${targets.length} targets (${targets.map((t) => t.name).join(", ")}); give --target NAME of one`,
    );
  }
  const t = targets[0]!;
  return { ...deps, common: (x) => ({ ...deps.common(x), cwd: t.dir, loadedConfig: t.config }) };
}

/** What one row's work gets: the library options of its target and environment. */
export type RowOptions = CommonOptions & { readonly logger: Logger };

/** A row as the table shows it: a short result text, and what --json gives. */
export interface RowReport {
  readonly summary: string;
  readonly json: unknown;
}

/** A logger whose lines name the row they come from. */
function prefixed(logger: Logger, prefix: string): Logger {
  return {
    level: logger.level,
    debug: (m) => logger.debug(`${prefix}: ${m}`),
    info: (m) => logger.info(`${prefix}: ${m}`),
    warn: (m) => logger.warn(`${prefix}: ${m}`),
    error: (m) => logger.error(`${prefix}: ${m}`),
  };
}

/**
 * Runs `work` over the chosen targets and renders the summary; resolves to the worst exit
 * code. Flags that name one file or remote are refused: each target has its own.
 */
export async function runWorkspace(
  deps: CommandDeps,
  o: CliOptions,
  work: (opts: RowOptions, target: Target, env: string | null) => Promise<RowOutcome<RowReport>>,
  before?: (rows: readonly TargetRun<RowReport>[]) => void,
  mode: { readonly perTarget?: boolean; readonly table?: boolean } = {},
): Promise<number> {
  const out = deps.out();
  for (const flag of ["remote", "file", "envPath", "cloud", "secretName"] as const)
    if (o[flag] !== undefined)
      throw new EnvsyncError(
        "USAGE",
        `--${flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} cannot be used with --all or --target: each target names its own.`,
        { hint: "Leave it out, or run without --all/--target in one app's folder." },
      );
  const { env, concurrency, config, file: _f, remote: _r, seed: _s, ...common } = deps.common(o);
  void _f;
  void _r;
  void _s;
  const targets = await listTargets({
    ...(o.all === true ? { all: true } : {}),
    ...(typeof o.target === "string" ? { select: o.target } : {}),
    ...(config !== undefined ? { config } : {}),
  });
  const progress = createProgress(out);
  const total = mode.perTarget
    ? targets.length
    : targets.reduce(
        (n, t) =>
          n +
          (env === undefined
            ? Object.keys(t.config.config.environments).length
            : Number(env in t.config.config.environments)),
        0,
      );
  let done = 0;
  let failed = 0;
  progress.update(`0 of ${total} done…`);
  const rows = await runTargets<RowReport>(
    targets,
    {
      env: mode.perTarget ? undefined : env,
      concurrency: concurrency ?? DEFAULT_TARGET_CONCURRENCY,
      ...(mode.perTarget ? { perTarget: true } : {}),
      onRow: (row) => {
        done++;
        if (row.exitCode !== 0) failed++;
        progress.update(`${done} of ${total} done${failed ? `, ${failed} not exit 0` : ""}…`);
      },
    },
    (t, envName) =>
      work(
        {
          ...common,
          cwd: t.dir,
          loadedConfig: t.config,
          ...(envName !== null ? { env: envName } : {}),
          logger: prefixed(out.logger, envName !== null ? `${t.name}/${envName}` : t.name),
        },
        t,
        envName,
      ),
  ).finally(() => progress.stop());
  const worst = worstExit(rows.map((r) => r.exitCode));
  if (out.json) {
    out.result(
      rows.map((r) => ({
        target: r.target,
        dir: r.dir,
        env: r.env,
        ok: r.exitCode === 0,
        exitCode: r.exitCode,
        ...(r.result ? { result: r.result.json } : {}),
        ...(r.error ? { error: r.error } : {}),
      })),
    );
    return worst;
  }
  before?.(rows);
  if (mode.table === false) reportFailures(out, rows);
  else renderTable(out, rows, targets.length, worst);
  return worst;
}

/** A line (error and hint) per failed row, on stderr. */
function reportFailures(out: Output, rows: readonly TargetRun<RowReport>[]): void {
  for (const r of rows) {
    if (!r.error) continue;
    writeStderr(
      `${out.c.red(`${r.target}/${r.env ?? "-"}: error [${r.error.code}]`)} ${r.error.message}\n`,
    );
    if (r.error.hint) writeStderr(`  ${out.c.dim("hint:")} ${r.error.hint}\n`);
  }
}

/** The summary table on stdout, a line per failed row on stderr. */
function renderTable(
  out: Output,
  rows: readonly TargetRun<RowReport>[],
  targets: number,
  worst: number,
): void {
  const cells = rows.map((r) => [
    r.target,
    r.env ?? "-",
    r.result?.summary ?? `error [${r.error?.code ?? "?"}]`,
    String(r.exitCode),
  ]);
  const head = ["TARGET", "ENV", "RESULT", "EXIT"];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: readonly string[]): string =>
    c.map((v, i) => (i === c.length - 1 ? v : v.padEnd(widths[i]!))).join("  ");
  out.line(out.c.bold(line(head)));
  for (const [i, c] of cells.entries()) {
    const text = line(c);
    out.line(rows[i]!.exitCode === 0 ? text : out.c.red(text));
  }
  const failed = rows.filter((r) => r.exitCode !== 0).length;
  out.line(
    `${rows.length} run(s) over ${targets} target(s): ${rows.length - failed} exit 0, ${failed} not; exit ${worst}`,
  );
  reportFailures(out, rows);
}

/** The sync, push or pull of one row: no prompts (deletions need --yes), no progress. */
export async function syncRow(
  mode: "sync" | "push" | "pull",
  o: CliOptions,
  opts: RowOptions,
): Promise<RowOutcome<RowReport>> {
  const { sync, push, pull } = await import("../../ops/sync.js");
  const fn = mode === "sync" ? sync : mode === "push" ? push : pull;
  const r = await fn({
    ...opts,
    ...(o.onConflict !== undefined ? { onConflict: o.onConflict as "remote" } : {}),
    ...(o.prune !== undefined ? { prune: o.prune } : {}),
    ...(o.dryRun !== undefined ? { dryRun: o.dryRun } : {}),
    ...(o.yes !== undefined ? { yes: o.yes } : {}),
    ...(o.expand !== undefined ? { expand: o.expand } : {}),
    ...(o.purge !== undefined ? { purge: o.purge } : {}),
  });
  const n = r.counts;
  const moved = `${n.pushed} pushed, ${n.pulled} pulled, ${n.deletedRemote + n.deletedLocal} deleted`;
  const kept = r.plan.entries.filter((e) => e.action === "none" && e.status !== "in-sync").length;
  const summary = r.dryRun
    ? `dry run: would make ${moved}`
    : r.applied
      ? `${moved}${kept > 0 ? `; ${kept} kept differing` : ""}`
      : kept > 0
        ? `nothing written; ${kept} kept differing`
        : "in agreement";
  return {
    exitCode: 0,
    result: {
      summary,
      json: syncJson(r),
    },
  };
}

/** The diff (`check`: exit 3 when not in agreement; `diff --exit-code` too) of one row. */
export async function diffRow(
  command: "diff" | "check",
  o: CliOptions,
  opts: RowOptions,
): Promise<RowOutcome<RowReport>> {
  const { diff } = await import("../../ops/sync.js");
  const d = await diff({ ...opts, ...(o.expand ? { expand: true } : {}) });
  const differ = command === "check" || o.exitCode === true;
  const summary = d.inAgreement
    ? `in agreement (${d.inSync} keys)`
    : d.entries.length === 0
      ? "not in agreement: unmanaged entries (see notices)"
      : `${d.entries.length} differ: ${d.entries.map((e) => e.key).join(", ")}`;
  return {
    exitCode: differ && !d.inAgreement ? 3 : 0,
    result: {
      summary,
      json: {
        command,
        file: d.file,
        remote: d.remote,
        inAgreement: d.inAgreement,
        inSync: d.inSync,
        differing: d.entries.map((e) => ({ key: e.key, status: e.status })),
        notices: d.notices,
      },
    },
  };
}
