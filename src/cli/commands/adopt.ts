/** `envsync adopt`: list (dry run) or take over (`--yes`) what other tools made under the prefix. */
import type { Command } from "commander";
import { ExitCode } from "../../errors.js";
import type { AdoptResult } from "../../ops/adopt.js";
import type { Output } from "../output.js";
import type { CommandDeps } from "./types.js";
import { runWorkspace, targetScope } from "./workspace.js";
import { widest } from "../render.js";

/** The --json form of an adopt result (names only). */
function adoptJson(r: AdoptResult): Record<string, unknown> {
  return {
    remote: r.remote,
    where: r.where,
    dryRun: r.dryRun,
    adopted: r.adopted,
    entries: r.entries,
  };
}

/** Prints the entries found and what was done (names only, never values); `title` names the target. */
export function renderAdopt(out: Output, r: AdoptResult, title = ""): void {
  if (out.json) {
    out.result({ ok: true, command: "adopt", ...adoptJson(r) });
    return;
  }
  const n = r.entries.length;
  const notes = [title, r.dryRun ? "dry run" : ""].filter(Boolean).join("; ");
  out.line(out.c.bold(`adopt ${r.remote}${notes ? ` (${notes})` : ""}`));
  if (n === 0) {
    out.line(`nothing to adopt: every ${r.noun.replace(/s$/, "")} under ${r.where} is envsync's`);
    return;
  }
  const width = widest(r.entries.map((e) => e.name));
  for (const e of r.entries) {
    const note = e.dotenvKey ? `→ ${e.key}` : out.c.yellow("(not a .env key: will be skipped)");
    out.line(`  ${e.name.padEnd(width)}  ${note}`);
  }
  if (r.dryRun)
    out.line(
      `dry run: ${n} ${r.noun} under ${r.where} made by other tools; \`envsync adopt --yes\` tags them managed-by=envsync (values unchanged)`,
    );
  else
    out.line(
      `done: ${r.adopted} ${r.noun} tagged managed-by=envsync; \`envsync pull\` now reads them`,
    );
}

/** Registers `adopt`. */
export function registerAdopt(program: Command, deps: CommandDeps): void {
  deps
    .shared(
      program
        .command("adopt")
        .description(
          "take over what other tools made under a per-key remote's prefix (dry run; --yes tags them)",
        ),
    )
    .action(
      deps.wrap(async (o) => {
        const out = deps.out();
        const { adopt } = await import("../../ops/adopt.js");
        const scope = await targetScope(deps, o, "adopt", true);
        if (scope === "many") {
          const shown: { target: string; env: string | null; r: AdoptResult }[] = [];
          return runWorkspace(
            deps,
            o,
            async (opts, t, env) => {
              const r = await adopt({ ...opts, ...(o.yes ? { yes: true } : {}) });
              shown.push({ target: t.name, env, r });
              const n = r.entries.length;
              return {
                exitCode: ExitCode.OK,
                result: {
                  summary: r.dryRun ? `${n} to adopt (dry run)` : `${r.adopted} adopted`,
                  json: adoptJson(r),
                },
              };
            },
            (rows) => {
              for (const row of rows) {
                const s = shown.find((x) => x.target === row.target && x.env === row.env);
                if (!s) continue;
                renderAdopt(out, s.r, `${s.target}/${s.env ?? "-"}`);
                out.line("");
              }
            },
          );
        }
        const r = await adopt({
          ...scope.common(o),
          logger: out.logger,
          ...(o.yes ? { yes: true } : {}),
        });
        renderAdopt(out, r);
        return ExitCode.OK;
      }),
    );
}
