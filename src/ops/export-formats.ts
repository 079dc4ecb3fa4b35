/**
 * The formats of `envsync export` as pure functions: values in, text out. Nothing
 * here reads a store or the environment; randomness (the `github-env` delimiter) is
 * injected. Each formatter refuses (exit 2, naming the key, never the value) what its
 * format cannot carry, rather than writing something that reads back differently.
 */
import { Document, parse as yamlParse, visit } from "yaml";
import { formatDotenv } from "../dotenv/index.js";
import { EnvsyncError } from "../errors.js";
import type { EsoRemoteRef } from "../providers/types.js";

/** Every format `export` writes. */
export const EXPORT_FORMATS = [
  "dotenv",
  "json",
  "yaml",
  "shell",
  "github-env",
  "k8s-secret",
  "external-secret",
] as const;

/** One of {@link EXPORT_FORMATS}. */
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** True when `s` names a format. */
export function isExportFormat(s: string): s is ExportFormat {
  return (EXPORT_FORMATS as readonly string[]).includes(s);
}

/** True when `s`, written as a plain YAML scalar, would read back as something else under YAML 1.1 or 1.2. */
function yamlAmbiguous(s: string): boolean {
  try {
    return (
      yamlParse(s, { version: "1.1", logLevel: "silent" }) !== s ||
      yamlParse(s, { logLevel: "silent" }) !== s
    );
  } catch {
    return true;
  }
}

/**
 * YAML text that YAML 1.2 and YAML 1.1 parsers (PyYAML, go-yaml v2 behind kubectl)
 * both read back as the same strings: a scalar that either would read as a boolean,
 * number, null or date (`on`, `no`, `0o17`, `1_000`…) is double-quoted; multi-line
 * values are block literals where YAML can hold them that way.
 */
export function yamlText(data: unknown): string {
  const doc = new Document(data);
  visit(doc, {
    Scalar(key, node) {
      if (typeof node.value !== "string") return;
      if (YAML_ESCAPE().test(node.value)) node.type = "QUOTE_DOUBLE";
      // A block literal only where every reader agrees on it: a line that starts with a
      // tab or a space needs an indentation indicator, which go-yaml (yaml.v3) misreads.
      else if (key === "value" && node.value.includes("\n") && !/(^|\n)[\t ]/.test(node.value))
        node.type = "BLOCK_LITERAL";
      else if (YAML_RESERVED.test(node.value) || yamlAmbiguous(node.value))
        node.type = "QUOTE_DOUBLE";
    },
  });
  // Such characters now stand only inside double-quoted scalars, where `\uXXXX` means
  // the same character.
  return doc
    .toString({ lineWidth: 0 })
    .replace(YAML_ESCAPE_ALL(), (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/**
 * Characters a YAML reader may not take as they are (outside YAML's printable set: C0
 * but tab and LF, DEL, C1, surrogates, U+FFFE/FFFF), or reads as something else: CR,
 * NEL and the line and paragraph separators are line breaks to YAML 1.1 readers
 * (PyYAML), and a BOM is dropped. A value holding one is double-quoted with the
 * character written as an escape. Built on first use: a Unicode property class costs
 * ≈ 0.25 ms to build, and this module is loaded by every command (its formats are
 * `export`'s option choices).
 */
let yamlEscape: RegExp | undefined;
const YAML_ESCAPE = (): RegExp =>
  (yamlEscape ??= /(?![\t\n])[\p{Cc}\p{Cs}\u2028\u2029\ufeff\ufffe\uffff]/u);
/**
 * Plain scalars some readers refuse or read as something else: `@` and a backtick are
 * reserved to start one (PyYAML stops, as at a tab where a token starts), and `<<` is
 * the merge key and `=` the value key to YAML 1.1 readers (yaml.v3 tags `<<` `!!merge`,
 * PyYAML has no constructor for `=`).
 */
const YAML_RESERVED = /^[@`]|^<<$|^=$|\t/;
let yamlEscapeAll: RegExp | undefined;
const YAML_ESCAPE_ALL = (): RegExp => (yamlEscapeAll ??= new RegExp(YAML_ESCAPE().source, "gu"));

/** Values sorted by key, so every export is stable (diff-friendly) whatever order the store returned. */
export function sortedValues(values: ReadonlyMap<string, string>): Map<string, string> {
  // The built-in order (UTF-16 code units, as `<`), without a comparator called ~10 n times.
  return new Map([...values.keys()].sort().map((k) => [k, values.get(k)!]));
}

function plainObject(values: ReadonlyMap<string, string>): Record<string, string> {
  // A null prototype keeps a key named `__proto__` an ordinary key.
  const obj = Object.create(null) as Record<string, string>;
  for (const [k, v] of sortedValues(values)) obj[k] = v;
  return obj;
}

function refuse(format: string, key: string, why: string, hint: string): never {
  throw new EnvsyncError(
    "NAME",
    `The key ${JSON.stringify(key)} cannot be exported as ${format}: ${why}.`,
    {
      hint,
    },
  );
}

/** dotenv text that envsync's parser (and `dotenv.parse` for ordinary values) reads back exactly. */
export function toDotenv(values: ReadonlyMap<string, string>): string {
  return formatDotenv(sortedValues(values));
}

/** One JSON object of string values, pretty-printed, with a final newline. */
export function toJson(values: ReadonlyMap<string, string>): string {
  return JSON.stringify(plainObject(values), null, 2) + "\n";
}

/** One YAML mapping of strings (quoted where YAML would read another type, block scalars for multi-line). */
export function toYaml(values: ReadonlyMap<string, string>): string {
  if (values.size === 0) return "{}\n";
  return yamlText(plainObject(values));
}

const SHELL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `value` in POSIX single quotes: nothing inside is special; `'` is written `'\''`. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * `export KEY='value'` lines, safe for `eval "$(envsync export --format shell)"` in
 * sh, bash and zsh whatever the value holds. Keys must be shell variable names and
 * values cannot hold NUL (no environment variable can).
 */
export function toShell(values: ReadonlyMap<string, string>): string {
  let out = "";
  for (const [key, value] of sortedValues(values)) {
    if (!SHELL_NAME.test(key))
      refuse(
        "shell",
        key,
        "shell variable names are letters, digits and _, not starting with a digit",
        "Rename the key, or export another format (dotenv, json).",
      );
    if (value.includes("\0"))
      refuse("shell", key, "its value holds a NUL character", "Remove the NUL from the value.");
    out += `export ${key}=${shellQuote(value)}\n`;
  }
  return out;
}

/**
 * Lines for the `$GITHUB_ENV` file of GitHub Actions. Single-line values are written
 * `KEY=value`; a value holding a line break uses the heredoc form
 * `KEY<<DELIMITER\nvalue\nDELIMITER`, with a random delimiter that occurs neither in
 * the key nor in the value (so a value cannot end the block early and inject other
 * variables). `randomHex` is injected for tests; it must return fresh random hex.
 */
export function toGithubEnv(values: ReadonlyMap<string, string>, randomHex: () => string): string {
  let out = "";
  for (const [key, value] of sortedValues(values)) {
    if (key === "" || key.includes("=") || key.includes("<<") || /[\r\n]/.test(key))
      refuse(
        "github-env",
        key,
        "GitHub environment names cannot hold '=', '<<' or line breaks",
        "Rename the key, or export another format.",
      );
    if (!/[\r\n]/.test(value)) {
      out += `${key}=${value}\n`;
      continue;
    }
    let delimiter = `ENVSYNC_EOF_${randomHex()}`;
    for (let tries = 0; value.includes(delimiter) || key.includes(delimiter); tries++) {
      if (tries > 100) throw new Error("github-env: the delimiter generator does not vary");
      delimiter = `ENVSYNC_EOF_${randomHex()}`;
    }
    out += `${key}<<${delimiter}\n${value}\n${delimiter}\n`;
  }
  return out;
}

/**
 * Kubernetes object names (RFC 1123 DNS subdomain): labels of lower-case letters, digits
 * and `-`, each starting and ending with a letter or digit and at most 63 long, joined
 * by `.`; at most 253 in all.
 */
const K8S_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/;
/** Kubernetes namespaces (DNS label, at most 63). */
const K8S_NAMESPACE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Keys of a Secret's `data` (and of an ExternalSecret's `secretKey`). */
const K8S_DATA_KEY = /^[-._a-zA-Z0-9]+$/;

/** True when `name` is a valid Kubernetes object name (a DNS-1123 subdomain). */
export function isK8sName(name: string): boolean {
  return name.length <= 253 && K8S_NAME.test(name);
}

/**
 * Turns any label (a remote's secret name, a file name) into a valid Kubernetes object
 * name: each `.`-separated part made a DNS label (other characters become `-`, at most
 * 63, a letter or digit at both ends; empty parts dropped), at most 253 in all.
 */
export function k8sNameFrom(label: string): string {
  const parts: string[] = [];
  let length = -1;
  for (const part of label.toLowerCase().split(".")) {
    const slug = part
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+/, "")
      .slice(0, 63)
      .replace(/-+$/, "");
    if (slug === "") continue;
    if (length + 1 + slug.length > 253) break;
    parts.push(slug);
    length += 1 + slug.length;
  }
  return parts.length === 0 ? "envsync" : parts.join(".");
}

/** Options of the Kubernetes manifests. */
export interface ManifestOptions {
  /** `metadata.name` (checked: a DNS subdomain). */
  readonly name: string;
  /** `metadata.namespace`, left out when absent. */
  readonly namespace?: string;
  /** The remote the values come from, recorded as the `envsync/remote` annotation. */
  readonly remote?: string;
}

function checkManifest(o: ManifestOptions): void {
  if (!isK8sName(o.name))
    throw new EnvsyncError("USAGE", `--name "${o.name}" is not a valid Kubernetes object name.`, {
      hint: "Use lower-case letters, digits, '-' and '.', starting and ending with a letter or digit.",
    });
  if (o.namespace !== undefined && (o.namespace.length > 63 || !K8S_NAMESPACE.test(o.namespace)))
    throw new EnvsyncError("USAGE", `--namespace "${o.namespace}" is not a valid namespace.`, {
      hint: "Use lower-case letters, digits and '-', at most 63 characters.",
    });
}

function checkDataKey(format: string, key: string): void {
  if (!K8S_DATA_KEY.test(key) || key.length > 253)
    refuse(
      format,
      key,
      "Secret keys are letters, digits, '-', '_' and '.'",
      "Rename the key, or export another format.",
    );
}

function metadata(o: ManifestOptions): Record<string, unknown> {
  return {
    name: o.name,
    ...(o.namespace !== undefined ? { namespace: o.namespace } : {}),
    labels: { "app.kubernetes.io/managed-by": "envsync" },
    ...(o.remote !== undefined ? { annotations: { "envsync/remote": o.remote } } : {}),
  };
}

/** A `v1` `Secret` (type Opaque) with every value base64-encoded under `data`. */
export function toK8sSecret(values: ReadonlyMap<string, string>, o: ManifestOptions): string {
  checkManifest(o);
  const data = Object.create(null) as Record<string, string>;
  for (const [key, value] of sortedValues(values)) {
    checkDataKey("k8s-secret", key);
    data[key] = Buffer.from(value, "utf8").toString("base64");
  }
  return yamlText({
    apiVersion: "v1",
    kind: "Secret",
    metadata: metadata(o),
    type: "Opaque",
    data,
  });
}

/**
 * Where External Secrets Operator finds a remote's values: one JSON secret to
 * extract (bundle layouts), or one remote name per key (per-key layouts, with the
 * store's real names, e.g. Azure's escaped ones).
 */
export type { EsoRemoteRef };

/** Options of {@link toExternalSecret}. */
export interface ExternalSecretOptions extends ManifestOptions {
  /** The SecretStore (or ClusterSecretStore) that holds the cloud connection. */
  readonly secretStore: string;
  /** Kind of the store reference (default `SecretStore`). */
  readonly secretStoreKind?: "SecretStore" | "ClusterSecretStore";
  /** How often ESO re-reads the remote (default `1h`). */
  readonly refreshInterval?: string;
}

/** The API version of the ExternalSecret manifests envsync writes (ESO v0.16 and later). */
export const EXTERNAL_SECRET_API_VERSION = "external-secrets.io/v1";

/**
 * An External Secrets Operator `ExternalSecret` (`external-secrets.io/v1`) that makes
 * a Kubernetes Secret of the same keys from the same remote envsync writes: bundle
 * layouts with `dataFrom: [{extract: {key}}]`, per-key layouts with one `data` entry
 * per key (`secretKey` the env key, `remoteRef.key` the store's name for it, and
 * `remoteRef.property` the field holding the value when the store keeps maps).
 */
export function toExternalSecret(ref: EsoRemoteRef, o: ExternalSecretOptions): string {
  checkManifest(o);
  if (!isK8sName(o.secretStore))
    throw new EnvsyncError("USAGE", `--secret-store "${o.secretStore}" is not a valid name.`, {
      hint: "Name the SecretStore that connects ESO to this cloud, e.g. --secret-store aws-secrets.",
    });
  const spec: Record<string, unknown> = {
    refreshInterval: o.refreshInterval ?? "1h",
    secretStoreRef: { name: o.secretStore, kind: o.secretStoreKind ?? "SecretStore" },
    target: { name: o.name, creationPolicy: "Owner" },
  };
  if (ref.layout === "bundle") spec.dataFrom = [{ extract: { key: ref.key } }];
  else {
    const data: unknown[] = [];
    for (const [key, name] of sortedValues(ref.names)) {
      checkDataKey("external-secret", key);
      const remoteRef =
        ref.property === undefined ? { key: name } : { key: name, property: ref.property };
      data.push({ secretKey: key, remoteRef });
    }
    spec.data = data;
  }
  return yamlText({
    apiVersion: EXTERNAL_SECRET_API_VERSION,
    kind: "ExternalSecret",
    metadata: metadata(o),
    spec,
  });
}
