/** `envsync copy FROM_URI TO_URI`: commander registration, progress, prompt and rendering. */
import type { Command } from "commander";
import { ExitCode } from "../../errors.js";
import type { CopyAction, CopyResult } from "../../ops/copy.js";
import type { Output } from "../output.js";
import { createProgress } from "../progress.js";
import { confirmer } from "./prompts.js";
import type { CommandDeps } from "./types.js";
import { targetScope } from "./workspace.js";
import { widest } from "../render.js";

const MARK: Record<CopyAction, string> = {
  add: "+ add     ",
  update: "~ update  ",
  delete: "- delete  ",
  keep: "= kept    ",
  unchanged: "  same    ",
};

/** Prints a copy result (key names only). */
export function renderCopy(out: Output, r: CopyResult): void {
  if (out.json) {
    out.result({
      ok: true,
      command: "copy",
      from: r.from,
      to: r.to,
      dryRun: r.dryRun,
      applied: r.applied,
      counts: r.counts,
      targetVersion: r.targetVersion,
      plan: r.plan,
    });
    return;
  }
  out.line(out.c.bold(`copy ${r.from} → ${r.to}${r.dryRun ? " (dry run)" : ""}`));
  const width = widest(r.plan.map((e) => e.key));
  for (const e of r.plan) {
    if (e.action === "unchanged" && !out.verbose) continue;
    const text = `  ${MARK[e.action]}${e.action === "keep" ? e.key.padEnd(width) : e.key}`;
    const note = e.action === "keep" ? out.c.dim("  only on the target; --prune deletes it") : "";
    const painted =
      e.action === "delete"
        ? out.c.yellow(text)
        : e.action === "add" || e.action === "update"
          ? out.c.green(text)
          : out.c.dim(text);
    out.line(painted + note);
  }
  const n = r.counts;
  const summary = `${n.added} added, ${n.updated} updated, ${n.deleted} deleted, ${n.unchanged} unchanged${n.kept ? `, ${n.kept} kept on the target` : ""}`;
  if (r.dryRun) out.line(`dry run: would make ${summary}; nothing written`);
  else if (!r.applied) out.line(`already the same: ${summary}; nothing written`);
  else out.line(`done: ${summary}`);
}

/** Registers `copy`. */
export function registerCopy(program: Command, deps: CommandDeps): void {
  deps
    .shared(
      program
        .command("copy")
        .description(
          "copy every key from one remote to another (migration between clouds or layouts)",
        )
        .argument("<from>", "source remote URI")
        .argument("<to>", "target remote URI"),
    )
    .option("--dry-run", "print the plan, change nothing")
    .option("--prune", "delete target keys the source does not have (asks, or --yes)")
    .option("--purge", "delete permanently where the target soft-deletes (Azure)")
    .action(
      deps.wrap(async (o, cmd) => {
        const out = deps.out();
        const [from, to] = cmd.processedArgs as [string, string];
        const progress = createProgress(out);
        const ask = confirmer(out, progress);
        const { copy } = await import("../../ops/copy.js");
        const c = (await targetScope(deps, o, "copy")).common(o);
        try {
          const r = await copy({
            ...c,
            from,
            to,
            logger: out.logger,
            ...(o.prune ? { prune: true } : {}),
            ...(o.dryRun ? { dryRun: true } : {}),
            ...(o.yes ? { yes: true } : {}),
            ...(o.purge ? { purge: true } : {}),
            ...(ask
              ? {
                  confirmDeletions: (keys: readonly string[], remote: string) =>
                    ask(
                      [`These keys will be deleted on ${remote}:`, ...keys.map((k) => `  - ${k}`)],
                      `Delete ${keys.length} key(s) on ${remote}?`,
                    ),
                }
              : {}),
            onProgress: (phase, count) =>
              progress.update(
                phase === "reading-source"
                  ? `reading ${from}…`
                  : phase === "reading-target"
                    ? `read ${count} key(s); reading ${to}…`
                    : `writing ${count} key(s) to ${to}…`,
              ),
          });
          progress.stop();
          renderCopy(out, r);
        } finally {
          progress.stop();
        }
        return ExitCode.OK;
      }),
    );
}
