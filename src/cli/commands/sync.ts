/**
 * `sync`, `push`, `pull` (and the bare `envsync --cloud … --secret-name …` of the
 * original sketch, with `--direction`): commander registration, prompts, progress and
 * rendering. The operation is the library's (src/ops/sync.ts).
 */
import { Option, type Command } from "commander";
import { EnvsyncError, ExitCode } from "../../errors.js";
import type { OnConflict, PlanEntry } from "../../core/merge.js";
import { pull, push, sync, type SyncOptions } from "../../ops/sync.js";
import type { Output } from "../output.js";
import { createProgress, pausePrompts, syncProgress } from "../progress.js";
import { renderSync } from "../render.js";
import { escapeControl } from "../safe-text.js";
import { writeStderr } from "../std-write.js";
import type { CliOptions, CommandDeps } from "./types.js";
import { runWorkspace, syncRow, wantsWorkspace } from "./workspace.js";

const DIRECTIONS = {
  bidirectional: "sync",
  "local-to-cloud": "push",
  "cloud-to-local": "pull",
} as const;

/** The flags of sync, push and pull. */
export function syncFlags(cmd: Command): Command {
  return cmd
    .option("--dry-run", "print the plan, change nothing")
    .option("--prune", "delete keys missing from the source (push/pull)")
    .addOption(
      new Option("--on-conflict <policy>", "conflict policy").choices([
        "remote",
        "local",
        "prompt",
        "fail",
      ]),
    )
    .option("--purge", "delete permanently where the store soft-deletes (Azure)");
}

/** Prompts (lazily loaded) for deletions and conflicts, at a TTY only. */
export function interactions(
  out: Output,
): Pick<SyncOptions, "confirmDeletions" | "decideConflict"> {
  if (!out.interactive || out.json) return {};
  return {
    confirmDeletions: async (keys, remote) => {
      const { confirm } = await import("@inquirer/prompts");
      writeStderr(
        `These keys will be deleted on ${remote}:\n${keys.map((k) => `  - ${k}`).join("\n")}\n`,
      );
      return confirm(
        { message: `Delete ${keys.length} key(s) on the remote?`, default: false },
        { output: process.stderr },
      );
    },
    decideConflict: async (e: PlanEntry) => {
      const { select } = await import("@inquirer/prompts");
      const answer = await select(
        {
          // Inquirer draws the message itself: escaped here (safe-text.ts).
          message: escapeControl(`Conflict on ${e.key}: ${e.reason}. Keep which side?`),
          choices: [
            { name: "remote value", value: "remote" as const },
            { name: "local value", value: "local" as const },
            { name: "neither (stop, write nothing)", value: "none" as const },
          ],
        },
        { output: process.stderr },
      );
      return answer === "none" ? null : answer;
    },
  };
}

async function runSync(
  mode: "sync" | "push" | "pull",
  o: CliOptions,
  deps: CommandDeps,
): Promise<number> {
  if (wantsWorkspace(o)) return runWorkspace(deps, o, (opts) => syncRow(mode, o, opts));
  const out = deps.out();
  const progress = createProgress(out);
  const opts: SyncOptions = {
    ...deps.common(o),
    logger: out.logger,
    ...(o.onConflict !== undefined ? { onConflict: o.onConflict as OnConflict } : {}),
    ...(o.prune !== undefined ? { prune: o.prune } : {}),
    ...(o.dryRun !== undefined ? { dryRun: o.dryRun } : {}),
    ...(o.yes !== undefined ? { yes: o.yes } : {}),
    ...(o.expand !== undefined ? { expand: o.expand } : {}),
    ...(o.purge !== undefined ? { purge: o.purge } : {}),
    onProgress: syncProgress(progress),
  };
  // The prompts are looked up only when a deletion or a conflict needs one (whether a
  // terminal is there to ask is a check of stdin, which costs start-up). Not
  // enumerable: a copy of the options (the settings' flags) does not ask for them.
  let prompts: ReturnType<typeof interactions> | undefined;
  const lazyPrompts = (): ReturnType<typeof interactions> =>
    (prompts ??= pausePrompts(progress, interactions(out)));
  Object.defineProperties(opts, {
    confirmDeletions: { get: () => lazyPrompts().confirmDeletions },
    decideConflict: { get: () => lazyPrompts().decideConflict },
  });
  const fn = mode === "sync" ? sync : mode === "push" ? push : pull;
  let r;
  try {
    r = await fn(opts);
  } finally {
    progress.stop();
  }
  renderSync(out, r);
  return ExitCode.OK;
}

function modeFromDirection(
  direction: string | undefined,
  fallback: "sync" | "push" | "pull",
): "sync" | "push" | "pull" {
  if (direction === undefined) return fallback;
  const m = DIRECTIONS[direction as keyof typeof DIRECTIONS];
  if (!m) {
    throw new EnvsyncError(
      "USAGE",
      `--direction must be bidirectional, local-to-cloud or cloud-to-local (got "${direction}").`,
      {
        hint: "Or use the commands sync, push, pull.",
      },
    );
  }
  return m;
}

/** Registers the bare command (seed flags), then `sync`, `push` and `pull`. */
export function registerSyncRoot(program: Command, deps: CommandDeps): void {
  deps.shared(syncFlags(program)).action(
    deps.wrap(async (o) => {
      if (!o.cloud && !o.secretName && !o.remote && o.direction === undefined) {
        program.outputHelp({ error: true });
        return ExitCode.USAGE;
      }
      return runSync(modeFromDirection(o.direction as string | undefined, "sync"), o, deps);
    }),
  );
}

/** Registers `sync`, `push` and `pull` (or those of `modes`). */
export function registerSync(
  program: Command,
  deps: CommandDeps,
  modes: readonly ("sync" | "push" | "pull")[] = ["sync", "push", "pull"],
): void {
  for (const mode of modes) {
    const desc = {
      sync: "three-way merge of the local file and the remote",
      push: "make the remote take the local values",
      pull: "make the local file take the remote's values",
    }[mode];
    const cmd = deps.shared(syncFlags(program.command(mode).description(desc)));
    if (mode === "sync")
      cmd.addOption(
        new Option(
          "--direction <direction>",
          "seed flag: bidirectional | local-to-cloud | cloud-to-local",
        ),
      );
    cmd.action(
      deps.wrap((o) =>
        runSync(
          mode === "sync" ? modeFromDirection(o.direction as string | undefined, "sync") : mode,
          o,
          deps,
        ),
      ),
    );
  }
}
