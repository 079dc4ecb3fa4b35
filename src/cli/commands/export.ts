/** `envsync export --format F`: commander registration and rendering. */
import { Option, type Command } from "commander";
import { ExitCode } from "../../errors.js";
import { EXPORT_FORMATS, type ExportFormat } from "../../ops/export-formats.js";
import { writeStdout } from "../std-write.js";
import type { CommandDeps } from "./types.js";

/** Registers `export`. */
export function registerExport(program: Command, deps: CommandDeps): void {
  deps
    .shared(
      program
        .command("export")
        .description(
          "print the remote's values (or the local file's) as dotenv, json, yaml, shell, github-env or a Kubernetes manifest",
        ),
    )
    .addOption(
      new Option("--format <format>", "output format").choices(EXPORT_FORMATS).default("dotenv"),
    )
    .addOption(
      new Option("--source <source>", "where values come from")
        .choices(["remote", "local"])
        .default("remote"),
    )
    .option(
      "--name <name>",
      "k8s-secret / external-secret: metadata.name (default: from the remote's name)",
    )
    .option("--namespace <namespace>", "k8s-secret / external-secret: metadata.namespace")
    .option(
      "--secret-store <name>",
      "external-secret: the SecretStore that connects ESO to the cloud",
    )
    .addOption(
      new Option("--secret-store-kind <kind>", "external-secret: kind of the store reference")
        .choices(["SecretStore", "ClusterSecretStore"])
        .default("SecretStore"),
    )
    .action(
      deps.wrap(async (o) => {
        const out = deps.out();
        const { exportValues } = await import("../../ops/export.js");
        const r = await exportValues({
          ...deps.common(o),
          logger: out.logger,
          format: o.format as ExportFormat,
          source: o.source as "remote" | "local",
          ...(o.expand ? { expand: true } : {}),
          ...(typeof o.name === "string" ? { name: o.name } : {}),
          ...(typeof o.namespace === "string" ? { namespace: o.namespace } : {}),
          ...(typeof o.secretStore === "string" ? { secretStore: o.secretStore } : {}),
          secretStoreKind: o.secretStoreKind as "SecretStore" | "ClusterSecretStore",
        });
        if (out.json)
          out.result({
            ok: true,
            command: "export",
            format: r.format,
            source: r.source,
            remote: r.remote,
            file: r.file,
            keys: r.keys,
            output: r.text,
          });
        // The export is the result the user asked for: printed even with --quiet.
        else writeStdout(r.text);
        out.logger.debug(
          `exported ${r.keys.length} key(s) from ${r.source === "local" ? r.file : r.remote}`,
        );
        return ExitCode.OK;
      }),
    );
}
