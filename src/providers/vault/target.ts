/**
 * Pure parts of the Vault / OpenBao store: the `vault://` target, the server
 * address (URI host, `endpoint=`, `tls=`, VAULT_ADDR), key-name rules and limits.
 * No I/O here, so every rule is unit-tested as a table.
 */
import { createHash } from "node:crypto";
import { EnvsyncError } from "../../errors.js";

/**
 * Largest stored secret envsync writes, bytes (the JSON of a bundle's data map, or one
 * per-key value). Vault's integrated storage refuses entries over 1 MiB
 * (`max_entry_size`); this leaves room for the version metadata stored beside it.
 */
export const MAX_SECRET_BYTES = 1_000_000;
/** Per-key names: one path segment of letters, digits, `_`, `.` and `-` (a `/` would nest). */
export const KEY_NAME_RULE = /^(?!\.{1,2}$)[A-Za-z0-9_.-]+$/;
/** Longest per-key name envsync writes. */
export const KEY_NAME_MAX = 256;
/** Human description of {@link KEY_NAME_RULE}. */
export const KEY_NAME_TEXT = "letters, digits, _, . and - (one path segment)";
/** Vault's default listener port, used when a `vault://HOST` names none. */
export const DEFAULT_PORT = 8200;
/** custom_metadata (KV v2) or data field (KV v1) marking a per-key secret as envsync's. */
export const MANAGED = { key: "managed-by", value: "envsync" } as const;
/** The data field holding a per-key secret's value. */
export const VALUE_FIELD = "value";

/** What a `vault://` target names. */
export interface VaultTarget {
  /** `HOST[:PORT]` as written, or "" for `vault:///…` (VAULT_ADDR). */
  readonly host: string;
  /** Every path segment after the host: mount first, then the secret path or prefix. */
  readonly segments: readonly string[];
  /** `bundle` for `…/PATH`, `per-key` for `…/PREFIX/*`. */
  readonly layout: "bundle" | "per-key";
}

const EXAMPLE =
  "vault://HOST/MOUNT/PATH (bundle) or vault://HOST/MOUNT/PREFIX/* (one secret per key); vault:///MOUNT/PATH uses VAULT_ADDR";

/** Parses the target of a `vault://` URI. Malformed targets are exit-2 URI errors. */
export function parseVaultTarget(target: string): VaultTarget {
  const slash = target.indexOf("/");
  const host = slash === -1 ? target : target.slice(0, slash);
  const rest = slash === -1 ? "" : target.slice(slash + 1);
  const raw = rest.split("/");
  const perKey = raw.length > 0 && raw[raw.length - 1] === "*";
  const segments = perKey ? raw.slice(0, -1) : raw;
  const bad = (why: string): EnvsyncError =>
    new EnvsyncError("URI", `The remote vault://${target} ${why}.`, {
      hint: `Write it as ${EXAMPLE}.`,
    });
  if (host !== "" && !/^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9a-fA-F:.]+\](:\d{1,5})?$/.test(host))
    throw bad(`has a malformed host "${host}"`);
  if (segments.some((s) => s === "" || s === "." || s === ".." || s.includes("*")))
    throw bad("has an empty, relative or wildcard path segment");
  if (segments.length < (perKey ? 1 : 2))
    throw bad(perKey ? "names no mount" : "should name a mount and a secret path");
  return { host, segments, layout: perKey ? "per-key" : "bundle" };
}

const PARAMS = new Set(["endpoint", "tls", "kv", "namespace"]);

/** Refuses query parameters a `vault://` URI does not know (exit 2), so a typo is never ignored. */
export function checkParams(params: URLSearchParams): void {
  for (const k of params.keys())
    if (!PARAMS.has(k))
      throw new EnvsyncError("URI", `Unknown parameter "${k}" in a vault:// remote.`, {
        hint: "vault:// knows endpoint=URL, tls=true|false, kv=1|2 and namespace=NS.",
      });
}

/** The KV engine version, when the URI fixes it with `kv=1|2` (otherwise detected). */
export function parseKvParam(value: string | null): 1 | 2 | null {
  if (value === null || value === "") return null;
  if (value === "1" || value === "2") return Number(value) as 1 | 2;
  throw new EnvsyncError("URI", `kv=${value} is not a KV engine version.`, {
    hint: "Use kv=1 or kv=2, or leave it out: envsync asks the server which version the mount is.",
  });
}

const TRUE = new Set(["1", "t", "T", "true", "TRUE", "True"]);
const FALSE = new Set(["0", "f", "F", "false", "FALSE", "False"]);

/** Parses a boolean as Go's strconv.ParseBool does (what the vault CLI uses for VAULT_SKIP_VERIFY). */
export function parseGoBool(value: string | undefined, name: string): boolean {
  if (value === undefined || value === "") return false;
  if (TRUE.has(value)) return true;
  if (FALSE.has(value)) return false;
  throw new EnvsyncError("CONFIG", `${name}=${value} is not a boolean.`, {
    hint: `Set ${name} to true or false (as the vault CLI expects).`,
  });
}

/** The server address chosen for a target, and why (for doctor and --verbose). */
export interface ResolvedAddress {
  /** Base URL without a trailing slash, e.g. `https://vault.example.com:8200`. */
  readonly url: string;
  /** Where it came from. */
  readonly source: "endpoint" | "VAULT_ADDR" | "uri";
}

function hostPort(u: URL): string {
  const port = u.port === "" ? (u.protocol === "https:" ? "443" : "80") : u.port;
  return `${u.hostname}:${port}`.toLowerCase();
}

function parseUrl(value: string, what: string): URL {
  let u: URL;
  try {
    u = new URL(value);
  } catch (cause) {
    throw new EnvsyncError("URI", `${what} "${value}" is not a URL.`, {
      cause,
      hint: "Give a URL such as https://vault.example.com:8200 or http://127.0.0.1:8200.",
    });
  }
  if (u.protocol !== "http:" && u.protocol !== "https:")
    throw new EnvsyncError("URI", `${what} "${value}" must be an http:// or https:// URL.`, {
      hint: "Give a URL such as https://vault.example.com:8200 or http://127.0.0.1:8200.",
    });
  return u;
}

/**
 * Chooses the server address:
 * 1. `endpoint=URL` (proxies, emulators) wins;
 * 2. `vault:///…` (no host) uses VAULT_ADDR;
 * 3. a host equal to VAULT_ADDR's host and port uses VAULT_ADDR (so its scheme, e.g.
 *    `http://` for a dev server, applies);
 * 4. otherwise `https://HOST:PORT` (port 8200 when none), or `http://` with `tls=false`.
 */
export function resolveAddress(
  host: string,
  params: URLSearchParams,
  env: Readonly<Record<string, string | undefined>>,
): ResolvedAddress {
  const endpoint = params.get("endpoint");
  if (endpoint) {
    const u = parseUrl(endpoint, "endpoint=");
    return { url: u.origin + u.pathname.replace(/\/+$/, ""), source: "endpoint" };
  }
  const tls = params.get("tls");
  if (tls !== null && tls !== "true" && tls !== "false")
    throw new EnvsyncError("URI", `tls=${tls} must be true or false.`, {
      hint: "tls=false talks plain http (dev servers on loopback only); the default is https.",
    });
  const addr = env.VAULT_ADDR;
  if (host === "") {
    if (!addr)
      throw new EnvsyncError(
        "URI",
        "The remote vault:///… names no host and VAULT_ADDR is not set.",
        {
          hint: "Set VAULT_ADDR (e.g. export VAULT_ADDR=https://vault.example.com:8200) or write the host: vault://HOST/MOUNT/PATH.",
        },
      );
    const u = parseUrl(addr, "VAULT_ADDR");
    return { url: u.origin + u.pathname.replace(/\/+$/, ""), source: "VAULT_ADDR" };
  }
  const withPort = /:\d+$/.test(host) ? host : `${host}:${DEFAULT_PORT}`;
  const port = Number(/:(\d+)$/.exec(withPort)?.[1]);
  if (!(port >= 1 && port <= 65535))
    throw new EnvsyncError("URI", `The port of vault://${host} is out of range.`, {
      hint: "A port is a number from 1 to 65535 (Vault listens on 8200 by default).",
    });
  const scheme = tls === "false" ? "http" : "https";
  const fromUri = parseUrl(`${scheme}://${withPort}`, "vault://");
  if (addr && tls === null) {
    const u = parseUrl(addr, "VAULT_ADDR");
    if (hostPort(u) === hostPort(fromUri))
      return { url: u.origin + u.pathname.replace(/\/+$/, ""), source: "VAULT_ADDR" };
  }
  return { url: `${scheme}://${withPort}`, source: "uri" };
}

/** Informational version of a per-key remote: a digest of every key's version. */
export function digestKeyVersions(keyVersions: ReadonlyMap<string, string>): string | null {
  if (keyVersions.size === 0) return null;
  const h = createHash("sha256");
  for (const k of [...keyVersions.keys()].sort())
    h.update(`${k}\u0000${keyVersions.get(k) ?? ""}\u0000`);
  return h.digest("hex").slice(0, 16);
}

/** A content hash standing in for a version on KV v1 mounts (which keep none). */
export function contentVersion(data: Readonly<Record<string, unknown>>): string {
  const sorted = Object.keys(data)
    .sort()
    .map((k) => [k, data[k]]);
  return `sha256:${createHash("sha256").update(JSON.stringify(sorted)).digest("hex").slice(0, 16)}`;
}

/** Encodes a logical path for a URL, one segment at a time. */
export function encodePath(path: string): string {
  return path
    .split("/")
    .map((s) => encodeURIComponent(s))
    .join("/");
}
