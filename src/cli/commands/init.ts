/** `envsync init`: commander registration and rendering. */
import type { Command } from "commander";
import { SCHEMA_FILE } from "../../config/config.js";
import { EnvsyncError, ExitCode } from "../../errors.js";
import { init, type SchemaLocation } from "../../ops/init.js";
import { packageInfo } from "../package-info.js";
import { seedRemote } from "../../ops/session.js";
import { promptRemote } from "./prompts.js";
import type { CommandDeps } from "./types.js";

/**
 * Where this envsync's schema is: installed below node_modules under its package name,
 * and published on the npm CDN (jsDelivr) for its version.
 */
export function schemaLocation(): SchemaLocation {
  const { name, version } = packageInfo();
  return {
    packageName: name,
    url: `https://cdn.jsdelivr.net/npm/${name}@${version}/${SCHEMA_FILE}`,
  };
}

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
          schema: schemaLocation(),
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
