/**
 * Pure parts of the Google Cloud Secret Manager store: the URI target, the
 * `endpoint=` option, version names and the choice of the version to read.
 * No SDK imports here, so these are unit-tested without a client.
 */
import { EnvsyncError } from "../../errors.js";
import { KEY_TAG, MANAGED_BY } from "../shared/managed.js";

/** Secret ids: letters, digits, `_` and `-`, at most 255 characters (docs/DESIGN.md, "Store rules"). */
export const SECRET_ID_RULE = /^[A-Za-z0-9_-]+$/;
/** Longest secret id. */
export const SECRET_ID_MAX = 255;
/** Largest payload of one secret version, bytes. */
export const MAX_PAYLOAD_BYTES = 65_536;
/** Label put on every secret envsync creates; per-key reads and writes only touch secrets with it. */
export const MANAGED_LABEL = MANAGED_BY;
/** Annotation holding the original key name of a per-key secret. */
export const KEY_ANNOTATION = KEY_TAG;

/** What a `gcp-sm://` target names. */
export type GcpTarget =
  | { readonly layout: "bundle"; readonly project: string; readonly secretId: string }
  | { readonly layout: "per-key"; readonly project: string; readonly prefix: string };

const PROJECT_RULE = /^[A-Za-z0-9][A-Za-z0-9.:_-]*$/;

/**
 * Parses the target of `gcp-sm://PROJECT/SECRET` (bundle) or `gcp-sm://PROJECT/PREFIX*`
 * (per-key). Malformed targets are exit-2 URI errors.
 */
export function parseGcpTarget(target: string): GcpTarget {
  const slash = target.indexOf("/");
  const project = slash === -1 ? target : target.slice(0, slash);
  const rest = slash === -1 ? "" : target.slice(slash + 1);
  const example =
    "gcp-sm://PROJECT/SECRET (bundle) or gcp-sm://PROJECT/PREFIX* (one secret per key)";
  if (!PROJECT_RULE.test(project) || rest === "") {
    throw new EnvsyncError(
      "URI",
      `The remote gcp-sm://${target} should name a project and a secret.`,
      {
        hint: `Write it as ${example}.`,
      },
    );
  }
  if (rest.endsWith("*")) {
    const prefix = rest.slice(0, -1);
    if (prefix !== "" && !SECRET_ID_RULE.test(prefix)) {
      throw new EnvsyncError(
        "URI",
        `The prefix "${prefix}" of gcp-sm://${target} is not a valid secret id prefix.`,
        {
          hint: "Secret ids allow only letters, digits, _ and -; write e.g. gcp-sm://my-project/myapp_dev_*.",
        },
      );
    }
    return { layout: "per-key", project, prefix };
  }
  if (!SECRET_ID_RULE.test(rest) || rest.length > SECRET_ID_MAX) {
    throw new EnvsyncError("URI", `"${rest}" in gcp-sm://${target} is not a valid secret id.`, {
      hint: `Secret ids allow only letters, digits, _ and -, at most ${SECRET_ID_MAX} characters. ${example}.`,
    });
  }
  return { layout: "bundle", project, secretId: rest };
}

/** Where the client connects, from `endpoint=`. */
export interface GcpEndpoint {
  readonly host: string;
  readonly port: number;
  /** Plain-text gRPC without credentials (emulators). */
  readonly insecure: boolean;
}

/**
 * Parses `endpoint=`: `http://HOST:PORT` is plain-text gRPC with no credentials (an
 * emulator); `https://HOST[:PORT]` or a bare `HOST[:PORT]` is TLS with Google ADC
 * (private or regional endpoints). Undefined or empty: the public endpoint.
 */
export function parseEndpoint(raw: string | undefined): GcpEndpoint | undefined {
  if (raw === undefined || raw.trim() === "") return undefined;
  const text = raw.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    url = new URL("invalid://");
  }
  const insecure = url.protocol === "http:";
  if (
    (!insecure && url.protocol !== "https:") ||
    url.hostname === "" ||
    (url.pathname !== "/" && url.pathname !== "")
  ) {
    throw new EnvsyncError(
      "URI",
      `The endpoint "${raw}" is not a host for Google Secret Manager.`,
      {
        hint: "Use endpoint=http://127.0.0.1:PORT for an emulator (no TLS, no credentials) or endpoint=https://HOST[:PORT] for a private endpoint.",
      },
    );
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  const port = url.port === "" ? (insecure ? 80 : 443) : Number(url.port);
  return { host, port, insecure };
}

/** The version id at the end of a version resource name (`projects/p/secrets/s/versions/7` → `7`). */
export function versionIdOf(name: string | null | undefined): string | null {
  if (!name) return null;
  const m = /\/versions\/([^/]+)$/.exec(name);
  return m?.[1] ?? null;
}

/** The secret id at the end of a secret resource name. */
export function secretIdOf(name: string | null | undefined): string {
  if (!name) return "";
  const i = name.lastIndexOf("/secrets/");
  return i === -1 ? name : name.slice(i + "/secrets/".length);
}

/** One version as listed: id and state. */
export interface VersionState {
  readonly id: string;
  readonly state: string;
}

/** Numeric order of version ids (the API's ids are integers; never compare them as strings). */
export function compareVersionIds(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (Number.isFinite(na) && Number.isFinite(nb)) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * From a secret's versions (any order): the newest version whatever its state (what
 * a write is guarded by) and the newest enabled one (what is read).
 */
export function pickVersions(versions: readonly VersionState[]): {
  newest: string | null;
  newestEnabled: string | null;
} {
  let newest: string | null = null;
  let newestEnabled: string | null = null;
  for (const v of versions) {
    if (newest === null || compareVersionIds(v.id, newest) > 0) newest = v.id;
    if (
      v.state === "ENABLED" &&
      (newestEnabled === null || compareVersionIds(v.id, newestEnabled) > 0)
    ) {
      newestEnabled = v.id;
    }
  }
  return { newest, newestEnabled };
}

export { digestKeyVersions } from "../shared/digest.js";

/** A secret as listed, reduced to what the per-key layout needs. */
export interface ListedSecret {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** The secret's etag (quoted, AIP-154), when the server sends one. */
  readonly etag?: string;
}

/**
 * The key a secret id under `prefix` reads as: the `envsync-key` annotation, else the
 * id after the prefix. An annotation the id ends with under a longer prefix
 * (`app_dev_DB` annotated `DB`, seen from `app_*`) belongs to that prefix's remote:
 * null for a managed secret, the id after the prefix for another tool's. An annotation
 * the id does not end with is the key it claims (to be refused if another name reads
 * as it too).
 */
export function keyOfId(
  id: string,
  prefix: string,
  annotation: string | undefined,
  managed: boolean,
): string | null {
  const rest = id.slice(prefix.length);
  if (rest === "") return null;
  if (annotation === undefined || annotation === rest) return annotation ?? rest;
  if (id.endsWith(annotation)) return managed ? null : rest;
  return annotation;
}

/**
 * The secrets of a per-key remote: id starts with the prefix and the secret carries
 * `managed-by=envsync` (filtered here: some servers ignore `filter`), each with the
 * key it reads as ({@link keyOfId}), sorted by id.
 */
export function managedClaims(
  secrets: readonly ListedSecret[],
  prefix: string,
): { name: string; key: string }[] {
  const out: { name: string; key: string }[] = [];
  for (const s of secrets) {
    const id = secretIdOf(s.name);
    if (!id.startsWith(prefix)) continue;
    if (s.labels[MANAGED_LABEL.key] !== MANAGED_LABEL.value) continue;
    const key = keyOfId(id, prefix, s.annotations[KEY_ANNOTATION], true);
    if (key !== null) out.push({ name: id, key });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : 1));
}

/** {@link managedClaims} as key → secret id (callers refuse collisions first). */
export function managedSecrets(
  secrets: readonly ListedSecret[],
  prefix: string,
): Map<string, string> {
  return new Map(managedClaims(secrets, prefix).map((c) => [c.key, c.name]));
}
