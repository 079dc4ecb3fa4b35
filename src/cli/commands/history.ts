/** `envsync history` and `envsync rollback --to V`: commander registration, prompt and rendering. */
import type { Command } from "commander";
import { ExitCode } from "../../errors.js";
import type { HistoryResult, RollbackResult } from "../../ops/history.js";
import type { Output } from "../output.js";
import { noProgress } from "../progress.js";
import { confirmer } from "./prompts.js";
import type { CommandDeps } from "./types.js";
import { runWorkspace, targetScope } from "./workspace.js";
import { widest } from "../render.js";

/** Prints the versions, newest first (ids, dates, key counts; never values); `row` names the target. */
export function renderHistory(
  out: Output,
  r: HistoryResult,
  row?: { readonly target: string; readonly env: string | null },
): void {
  if (out.json) {
    out.result({ ok: true, command: "history", remote: r.remote, versions: r.versions });
    return;
  }
  const title = row ? `${row.target}/${row.env ?? "-"}; ` : "";
  out.line(out.c.bold(`history of ${r.remote} (${title}newest first)`));
  if (r.versions.length === 0) {
    out.line("no versions yet (the remote has never been written)");
    return;
  }
  const width = widest(r.versions.map((v) => v.id));
  for (const v of r.versions) {
    const date = v.createdAt
      ? v.createdAt.replace("T", " ").replace(/\.\d+Z$/, "Z")
      : "(date unknown)";
    const keys = v.keyCount === null ? "? keys" : `${v.keyCount} key${v.keyCount === 1 ? "" : "s"}`;
    const flags = [v.current ? "current" : "", v.state ?? ""].filter(Boolean).join(", ");
    const line = `  ${v.current ? "*" : " "} ${v.id.padEnd(width)}  ${date.padEnd(20)}  ${keys.padStart(8)}${flags ? `  (${flags})` : ""}`;
    out.line(v.current ? out.c.green(line) : line);
  }
  const select = row ? `--target ${row.target}${row.env !== null ? ` -e ${row.env}` : ""} ` : "";
  out.line(out.c.dim(`restore one with: envsync rollback ${select}--to ID`));
}

/** Prints a rollback result (key names only) and what to do next. */
export function renderRollback(out: Output, r: RollbackResult): void {
  if (out.json) {
    out.result({
      ok: true,
      command: "rollback",
      remote: r.remote,
      restored: r.restored,
      dryRun: r.dryRun,
      applied: r.applied,
      plan: r.plan,
      version: r.version,
    });
    return;
  }
  out.line(out.c.bold(`rollback ${r.remote} to ${r.restored}${r.dryRun ? " (dry run)" : ""}`));
  for (const k of r.plan.added) out.line(`  ${out.c.green("+ add     ")}${k}`);
  for (const k of r.plan.updated) out.line(`  ${out.c.green("~ update  ")}${k}`);
  for (const k of r.plan.deleted) out.line(`  ${out.c.yellow("- delete  ")}${k}`);
  const summary = `${r.plan.added.length} added, ${r.plan.updated.length} updated, ${r.plan.deleted.length} deleted`;
  if (r.dryRun) out.line(`dry run: would make ${summary}; nothing written`);
  else if (!r.applied) out.line("the remote already holds that content; nothing written");
  else {
    out.line(`done: ${summary}; the remote is now version ${r.version ?? "(unknown)"}`);
    out.line(
      "only the remote changed: run `envsync pull` to bring these values into your local file",
    );
  }
}

/** Registers `history` and `rollback`. */
export function registerHistory(program: Command, deps: CommandDeps): void {
  deps
    .shared(
      program
        .command("history")
        .description("list the remote's versions, newest first (dates, key counts; no values)"),
    )
    .action(
      deps.wrap(async (o) => {
        const out = deps.out();
        const { history } = await import("../../ops/history.js");
        const scope = await targetScope(deps, o, "history", true);
        if (scope === "many") {
          const shown: { target: string; env: string | null; r: HistoryResult }[] = [];
          return runWorkspace(
            deps,
            o,
            async (opts, t, env) => {
              const r = await history(opts);
              shown.push({ target: t.name, env, r });
              const current = r.versions.find((v) => v.current);
              return {
                exitCode: ExitCode.OK,
                result: {
                  summary: `${r.versions.length} version(s)${current ? `, current ${current.id}` : ""}`,
                  json: { remote: r.remote, versions: r.versions },
                },
              };
            },
            (rows) => {
              for (const row of rows) {
                const s = shown.find((x) => x.target === row.target && x.env === row.env);
                if (!s) continue;
                renderHistory(out, s.r, s);
                out.line("");
              }
            },
          );
        }
        renderHistory(out, await history({ ...scope.common(o), logger: out.logger }));
        return ExitCode.OK;
      }),
    );

  deps
    .shared(
      program
        .command("rollback")
        .description(
          "restore a version of the remote as a new version (the remote only; then envsync pull)",
        ),
    )
    .requiredOption("--to <version>", "version id from `envsync history` (or a unique prefix)")
    .option("--dry-run", "print what would change, change nothing")
    .action(
      deps.wrap(async (o) => {
        const out = deps.out();
        const ask = confirmer(out, noProgress);
        const { rollback } = await import("../../ops/history.js");
        const scope = await targetScope(deps, o, "rollback");
        const r = await rollback({
          ...scope.common(o),
          logger: out.logger,
          to: String(o.to),
          ...(o.dryRun ? { dryRun: true } : {}),
          ...(o.yes ? { yes: true } : {}),
          ...(ask
            ? {
                confirm: (plan, remote) =>
                  ask(
                    [
                      `Rolling ${remote} back to ${String(o.to)}:`,
                      ...plan.added.map((k) => `  + ${k}`),
                      ...plan.updated.map((k) => `  ~ ${k}`),
                      ...plan.deleted.map((k) => `  - ${k}`),
                    ],
                    `Write this as a new version of ${remote}?`,
                  ),
              }
            : {}),
        });
        renderRollback(out, r);
        return ExitCode.OK;
      }),
    );
}
