/** `envsync export --format F`: commander registration and rendering. */
import { Option, type Command } from "commander";
import { EnvsyncError, ExitCode } from "../../errors.js";
import type { ExportOptions, ExportResult } from "../../ops/export.js";
import type { CommonOptions } from "../../ops/session.js";
import { EXPORT_FORMATS, type ExportFormat } from "../../ops/export-formats.js";
import { writeStdout } from "../std-write.js";
import type { CliOptions, CommandDeps } from "./types.js";
import { runWorkspace, targetScope } from "./workspace.js";

/** The export options the flags give (all but the common ones). */
function exportFlags(o: CliOptions): Omit<ExportOptions, keyof CommonOptions> {
  return {
    format: o.format as ExportFormat,
    source: o.source as "remote" | "local",
    ...(o.expand ? { expand: true } : {}),
    ...(typeof o.name === "string" ? { name: o.name } : {}),
    ...(typeof o.namespace === "string" ? { namespace: o.namespace } : {}),
    ...(typeof o.secretStore === "string" ? { secretStore: o.secretStore } : {}),
    secretStoreKind: o.secretStoreKind as "SecretStore" | "ClusterSecretStore",
  };
}

/** The --json form of an export. */
function exportJson(r: ExportResult): Record<string, unknown> {
  return {
    format: r.format,
    source: r.source,
    remote: r.remote,
    file: r.file,
    keys: r.keys,
    output: r.text,
  };
}

/**
 * The exports of several targets as one text: dotenv and shell a block per target under a
 * `# target: NAME (ENV, REMOTE)` comment; json one object and yaml one mapping keyed by
 * target; manifests one YAML document per target.
 */
export function joinExports(
  format: ExportFormat,
  parts: readonly { target: string; env: string | null; r: ExportResult }[],
): string {
  if (format === "json")
    return `${JSON.stringify(
      Object.fromEntries(parts.map((p) => [p.target, JSON.parse(p.r.text) as unknown])),
      null,
      2,
    )}\n`;
  if (format === "yaml")
    return parts
      .map(
        (p) =>
          `${JSON.stringify(p.target)}:${p.r.text.trim() === "{}" ? " {}" : `\n${p.r.text.replace(/^(?=.)/gm, "  ")}`}`,
      )
      .join("")
      .replace(/\n*$/, "\n");
  if (format === "k8s-secret" || format === "external-secret")
    return parts.map((p) => p.r.text).join("---\n");
  return parts
    .map(
      (p) =>
        `# target: ${p.target} (${p.env !== null ? `${p.env}, ` : ""}${p.r.remote ?? p.r.file})\n${p.r.text}`,
    )
    .join("\n");
}

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
        const scope = await targetScope(deps, o, "export", true);
        if (scope === "many") return exportMany(deps, o);
        const r = await exportValues({
          ...scope.common(o),
          logger: out.logger,
          ...exportFlags(o),
        });
        if (out.json) out.result({ ok: true, command: "export", ...exportJson(r) });
        // The export is the result the user asked for: printed even with --quiet.
        else writeStdout(r.text);
        out.logger.debug(
          `exported ${r.keys.length} key(s) from ${r.source === "local" ? r.file : r.remote}`,
        );
        return ExitCode.OK;
      }),
    );
}

/**
 * `export --all` (or a --target of several): each target's export (of `-e`, else of its
 * default environment), joined by {@link joinExports}; a failed target is a line on
 * stderr and the run's exit code is the worst. `--json`: the workspace array of rows.
 */
async function exportMany(deps: CommandDeps, o: CliOptions): Promise<number> {
  const format = o.format as ExportFormat;
  if (format === "github-env")
    throw new EnvsyncError(
      "USAGE",
      "--format github-env exports one target: one $GITHUB_ENV file cannot keep several targets' keys apart.",
      { hint: "Export one target with --target NAME (a step per target)." },
    );
  const { exportValues } = await import("../../ops/export.js");
  const parts: { target: string; env: string | null; r: ExportResult }[] = [];
  const exit = await runWorkspace(
    deps,
    o,
    async (opts, t, env) => {
      const r = await exportValues({ ...opts, ...exportFlags(o) });
      parts.push({ target: t.name, env, r });
      return {
        exitCode: ExitCode.OK,
        result: { summary: `${r.keys.length} key(s)`, json: exportJson(r) },
      };
    },
    () => {
      parts.sort((a, b) => a.target.localeCompare(b.target));
      if (parts.length > 0) writeStdout(joinExports(format, parts));
    },
    { perTarget: o.env === undefined, table: false },
  );
  return exit;
}
