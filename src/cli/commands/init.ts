/** `envsync init`: commander registration and rendering. */
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { EnvsyncError, ExitCode } from "../../errors.js";
import { init } from "../../ops/init.js";
import { seedRemote } from "../../ops/session.js";
import { promptRemote } from "./prompts.js";
import type { CommandDeps } from "./types.js";

/** Registers `init`. */
export function registerInit(program: Command, deps: CommandDeps): void {
  deps
    .shared(
      program
        .command("init")
        .description("create envsync.yaml; git-ignore .env, .env.* and .envsync/"),
    )
    .option("--force", "replace an existing envsync.yaml")
    .action(
      deps.wrap(async (o) => {
        const out = deps.out();
        const c = deps.common(o);
        const remote =
          (o.remote as string | undefined) ?? seedRemote(c.seed) ?? (await promptRemote(out));
        if (!remote) {
          throw new EnvsyncError("USAGE", "init needs the remote to sync with.", {
            hint: "For example: envsync init --remote file:../team-secrets.env, or --remote aws-sm://myapp/dev?region=eu-west-1",
          });
        }
        const r = await init({
          remote,
          ...(c.file ? { file: c.file } : {}),
          ...(o.force ? { force: true } : {}),
          // The schema the build ships beside the CLI (dist/envsync.schema.json).
          schemaPath: fileURLToPath(new URL("../envsync.schema.json", import.meta.url)),
        });
        if (out.json) out.result({ ok: true, command: "init", ...r });
        else {
          out.line(`wrote ${r.config}`);
          if (r.ignoredAdded.length)
            out.line(`added to ${r.gitignore}: ${r.ignoredAdded.join(" ")}`);
          out.line("next: envsync diff, then envsync sync");
        }
        return ExitCode.OK;
      }),
    );
}
