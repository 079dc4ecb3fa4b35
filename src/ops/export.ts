/**
 * `envsync export`: prints the values in one of the formats of `export-formats.ts`.
 * By default the values come from the remote (what CI and clusters should see);
 * `source: "local"` exports the local file instead, without contacting the remote.
 * Nothing is written anywhere: no state, no backups.
 */
import { basename, relative, resolve } from "node:path";
import { loadConfig } from "../config/config.js";
import { expandValues } from "../dotenv/index.js";
import { EnvsyncError } from "../errors.js";
import { silentLogger } from "../logger.js";
import { hooksOf, resolveUri, schemes } from "../providers/registry.js";
import type { EsoRemoteRef } from "../providers/types.js";
import type { RemoteUri } from "../providers/uri.js";
import {
  k8sNameFrom,
  toDotenv,
  toExternalSecret,
  toGithubEnv,
  toJson,
  toK8sSecret,
  toShell,
  toYaml,
  type ExportFormat,
} from "./export-formats.js";
import { readLocal } from "./local-file.js";
import { readExistingRemote, resolveSession, seedRemote, type CommonOptions } from "./session.js";
import { randomBytes } from "node:crypto";

/** Where exported values come from. */
export type ExportSource = "remote" | "local";

/** Options of {@link exportValues}. */
export interface ExportOptions extends CommonOptions {
  /** Output format. */
  readonly format: ExportFormat;
  /** `remote` (default) reads the remote; `local` reads the local file only. */
  readonly source?: ExportSource;
  /** `source: "local"`: expand `${VAR}` references (default: config, else off). */
  readonly expand?: boolean;
  /** k8s-secret / external-secret: `metadata.name` (default: derived from the remote's name). */
  readonly name?: string;
  /** k8s-secret / external-secret: `metadata.namespace`. */
  readonly namespace?: string;
  /** external-secret: the SecretStore to reference (required for that format). */
  readonly secretStore?: string;
  /** external-secret: `SecretStore` (default) or `ClusterSecretStore`. */
  readonly secretStoreKind?: "SecretStore" | "ClusterSecretStore";
  /** github-env: random hex for heredoc delimiters (default: crypto random). */
  readonly randomHex?: () => string;
}

/** What {@link exportValues} produced. */
export interface ExportResult {
  readonly format: ExportFormat;
  readonly source: ExportSource;
  /** The remote, as displayed (no credentials); null for `source: "local"` with no remote configured. */
  readonly remote: string | null;
  /** The local file (relative to the working copy). */
  readonly file: string;
  /** Keys exported, sorted. */
  readonly keys: readonly string[];
  /** The formatted text (holds values, except external-secret manifests). */
  readonly text: string;
}

/** A Kubernetes name for the remote: its file's name, or its secret name or prefix. */
function defaultName(uri: RemoteUri): string {
  const path = hooksOf(uri).localPath?.(uri, ".");
  if (path !== undefined) return k8sNameFrom(basename(path));
  return k8sNameFrom(uri.target.replace(/\*$/, ""));
}

/**
 * Where External Secrets Operator reads this remote: the provider's `remoteRef()`
 * hook, which uses its own target parsing and name mapping (so per-key names are the
 * ones really written).
 */
export async function esoRemoteRef(
  remote: string | RemoteUri,
  keys: readonly string[],
): Promise<EsoRemoteRef> {
  const { uri, entry } = resolveUri(remote);
  if (entry.hooks.remoteRef) return entry.hooks.remoteRef(uri, keys);
  const readable = Object.entries(schemes)
    .filter(([, e]) => e.hooks.remoteRef !== undefined)
    .map(([scheme]) => scheme);
  throw new EnvsyncError(
    "USAGE",
    `External Secrets Operator cannot read a ${uri.scheme}: remote (${uri.raw}).`,
    {
      hint: `external-secret manifests need a remote ESO reads (${readable.join(", ")}); for this remote use --format k8s-secret.`,
    },
  );
}

/**
 * Exports the remote's values (or the local file's, with `source: "local"`) in
 * `format`. The result's `text` holds values: print it only where the user asked.
 *
 * @throws EnvsyncError NOT_FOUND when the remote does not exist yet; NAME (exit 2)
 * when a key cannot be written in the format; USAGE for bad manifest options.
 */
export async function exportValues(opts: ExportOptions): Promise<ExportResult> {
  const source = opts.source ?? "remote";
  const cwd = resolve(opts.cwd ?? process.cwd());
  // Exporting the local file needs no remote: without flag or config, work on the file alone.
  const localOnly =
    source === "local" &&
    opts.format !== "external-secret" &&
    opts.remote === undefined &&
    seedRemote(opts.seed) === null &&
    loadConfig(cwd, opts.config) === null;
  const session = localOnly ? null : resolveSession(opts);
  const uri = session ? session.uri : null;
  const filePath = session?.filePath ?? resolve(cwd, opts.file ?? ".env");
  const fileLabel = session?.fileLabel ?? (relative(cwd, filePath) || filePath);
  if (opts.format === "external-secret" && !opts.secretStore) {
    throw new EnvsyncError("USAGE", "--format external-secret needs --secret-store NAME.", {
      hint: "Name the SecretStore (or ClusterSecretStore with --secret-store-kind) that connects External Secrets Operator to this cloud.",
    });
  }
  let values: ReadonlyMap<string, string>;
  if (source === "local") {
    const local = await readLocal(
      filePath,
      session?.logger ?? opts.logger ?? silentLogger,
      fileLabel,
    );
    if (!local.exists) {
      throw new EnvsyncError("NOT_FOUND", `${fileLabel} does not exist.`, {
        hint: "Create it, run `envsync pull`, or export the remote (drop --source local).",
      });
    }
    const expand = session ? session.settings.expand.value : (opts.expand ?? false);
    values = expand
      ? expandValues(local.values, opts.environ ?? process.env, fileLabel)
      : local.values;
  } else if (!session || !uri) {
    throw new Error("unreachable: a remote export always has a session");
  } else if (opts.format === "external-secret" && !uri.target.endsWith("*")) {
    // A bundle manifest names the secret only: no need to read values at all.
    values = new Map();
  } else {
    values = await readExistingRemote(
      session,
      "Create it with `envsync push`, or export the local file with --source local.",
    );
  }
  const keys = [...values.keys()].sort();
  const manifest = {
    name: opts.name ?? (uri ? defaultName(uri) : k8sNameFrom(basename(filePath))),
    ...(opts.namespace !== undefined ? { namespace: opts.namespace } : {}),
    ...(session ? { remote: session.remoteDisplay } : {}),
  };
  let text: string;
  switch (opts.format) {
    case "dotenv":
      text = toDotenv(values);
      break;
    case "json":
      text = toJson(values);
      break;
    case "yaml":
      text = toYaml(values);
      break;
    case "shell":
      text = toShell(values);
      break;
    case "github-env":
      text = toGithubEnv(values, opts.randomHex ?? (() => randomBytes(16).toString("hex")));
      break;
    case "k8s-secret":
      text = toK8sSecret(values, manifest);
      break;
    case "external-secret":
      // localOnly is never true for this format, so there is a session.
      text = toExternalSecret(await esoRemoteRef(session!.uri, keys), {
        ...manifest,
        secretStore: opts.secretStore ?? "",
        ...(opts.secretStoreKind ? { secretStoreKind: opts.secretStoreKind } : {}),
      });
      break;
  }
  return {
    format: opts.format,
    source,
    remote: session?.remoteDisplay ?? null,
    file: fileLabel,
    keys,
    text,
  };
}
