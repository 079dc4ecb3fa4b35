/** `envsync check`: the CI gate (exit 0 in agreement, 3 not), registration and rendering. */
import type { Command } from "commander";
import { ExitCode } from "../../errors.js";
import { writeStderr } from "../std-write.js";
import { diffOf } from "./diff.js";
import type { CommandDeps } from "./types.js";
import { diffRow, runWorkspace, wantsWorkspace } from "./workspace.js";

/** Registers `check`. */
export function registerCheck(program: Command, deps: CommandDeps): void {
  deps
    .shared(
      program
        .command("check")
        .description("CI gate: exit 0 when local and remote agree, 3 when not"),
    )
    .action(
      deps.wrap(async (o) => {
        if (wantsWorkspace(o)) return runWorkspace(deps, o, (opts) => diffRow("check", o, opts));
        const out = deps.out();
        const d = await diffOf(deps, o);
        if (out.json)
          out.result({
            ok: true,
            command: "check",
            inAgreement: d.inAgreement,
            differing: d.entries.map((e) => ({ key: e.key, status: e.status })),
            notices: d.notices,
          });
        else if (d.inAgreement)
          out.line(`in agreement: ${d.file} ⇄ ${d.remote} (${d.inSync} keys)`);
        else if (d.entries.length === 0) {
          writeStderr(
            `not in agreement: ${d.notices
              .filter((n) => n.code === "UNMANAGED")
              .map((n) => n.message)
              .join(" ")}\n`,
          );
        } else {
          writeStderr(
            `not in agreement: ${d.entries.length} key(s) differ: ${d.entries.map((e) => e.key).join(", ")}\n`,
          );
          writeStderr("  hint: run `envsync diff` to see how, `envsync sync` to fix\n");
        }
        return d.inAgreement ? ExitCode.OK : ExitCode.DIFFERENCES;
      }),
    );
}
