/** `envsync diff`: commander registration; rendering is render.ts's. */
import type { Command } from "commander";
import { ExitCode } from "../../errors.js";
import { diff, type DiffResult } from "../../ops/sync.js";
import { renderDiff } from "../render.js";
import type { CliOptions, CommandDeps } from "./types.js";
import { diffRow, runWorkspace, wantsWorkspace } from "./workspace.js";

/** The diff `diff` and `check` show: the shared options, `--expand`, and values when asked. */
export function diffOf(deps: CommandDeps, o: CliOptions, showValues = false): Promise<DiffResult> {
  return diff({
    ...deps.common(o),
    logger: deps.out().logger,
    ...(o.expand ? { expand: true } : {}),
    ...(showValues ? { showValues: true } : {}),
  });
}

/** Registers `diff`. */
export function registerDiff(program: Command, deps: CommandDeps): void {
  deps
    .shared(
      program
        .command("diff")
        .description("local vs remote (and vs base): added, removed, changed, conflicts"),
    )
    .option("--show-values", "print the values that differ")
    .option("--exit-code", "exit 3 when there are differences")
    .action(
      deps.wrap(async (o) => {
        if (wantsWorkspace(o)) return runWorkspace(deps, o, (opts) => diffRow("diff", o, opts));
        const out = deps.out();
        const d = await diffOf(deps, o, o.showValues === true);
        renderDiff(out, d, o.showValues === true);
        return o.exitCode && !d.inAgreement ? ExitCode.DIFFERENCES : ExitCode.OK;
      }),
    );
}
