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
        const x = d.example;
        const gaps = x !== undefined && (x.missingLocal.length > 0 || x.missingRemote.length > 0);
        if (out.json)
          out.result({
            ok: true,
            command: "check",
            inAgreement: d.inAgreement && !gaps,
            differing: d.entries.map((e) => ({ key: e.key, status: e.status })),
            notices: d.notices,
            ...(x ? { example: x } : {}),
          });
        else {
          if (gaps) {
            // The example's contract: a required key missing on both sides is in
            // agreement for the merge, and still not something an app can start without.
            for (const [side, keys] of [
              [d.file, x.missingLocal],
              [d.remote, x.missingRemote],
            ] as const)
              if (keys.length > 0)
                writeStderr(`missing: ${side} lacks ${keys.join(", ")} (required by ${x.file})\n`);
            writeStderr(
              "  hint: add them (a key set to an empty value counts as missing), then `envsync sync`\n",
            );
          }
          if (d.inAgreement) {
            if (!gaps) out.line(`in agreement: ${d.file} ⇄ ${d.remote} (${d.inSync} keys)`);
          } else if (d.entries.length === 0) {
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
        }
        return d.inAgreement && !gaps ? ExitCode.OK : ExitCode.DIFFERENCES;
      }),
    );
}
