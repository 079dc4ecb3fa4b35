/**
 * Remote URI parsing (docs/DESIGN.md, "Remotes"). The generic part lives here: scheme, target and
 * query; each provider interprets its own target.
 */
import { EnvsyncError } from "../errors.js";
import { MASK, redactText, redactUrl } from "../redact.js";

/** A remote URI split into its parts. */
export interface RemoteUri {
  /** Scheme without the colon: `file`, `aws-sm`, `aws-ssm`, `gcp-sm`, `azure-kv`, `memory`. */
  readonly scheme: string;
  /** Everything after `scheme:` (and `//` if present), without the query. */
  readonly target: string;
  /** Query parameters (`region`, `endpoint`, `profile`, …). */
  readonly params: URLSearchParams;
  /** The URI exactly as given. */
  readonly raw: string;
}

const SCHEME = /^([a-z][a-z0-9+.-]*):(.*)$/i;

/** Schemes whose target is a local path (`file:PATH`, `sops:PATH`, `dotenvx:PATH`), kept verbatim. */
const PATH_SCHEMES = new Set(["file", "sops", "dotenvx"]);

/**
 * Splits a remote URI. `file:PATH` keeps PATH verbatim (it may contain `?` only if
 * quoted by the user's shell; we split the query only for `//` URIs).
 */
export function parseRemoteUri(raw: string): RemoteUri {
  const m = SCHEME.exec(raw.trim());
  if (!m || m[1] === undefined || m[2] === undefined) {
    throw new EnvsyncError("URI", `Not a remote URI: "${redactText(raw)}"`, {
      hint: "Remotes look like file:.env.shared, aws-sm://NAME?region=R, gcp-sm://PROJECT/SECRET or azure-kv://VAULT/SECRET.",
    });
  }
  const scheme = m[1].toLowerCase();
  let rest = m[2];
  if (PATH_SCHEMES.has(scheme)) {
    if (rest.startsWith("//")) rest = rest.slice(2);
    if (rest === "") {
      throw new EnvsyncError("URI", `The ${scheme} remote "${redactText(raw)}" names no file.`, {
        hint: `Write it as ${scheme}:PATH, e.g. ${scheme}:../shared/.env.dev.`,
      });
    }
    return { scheme, target: rest, params: new URLSearchParams(), raw };
  }
  if (!rest.startsWith("//")) {
    throw new EnvsyncError(
      "URI",
      `The remote "${redactText(raw)}" should be written ${scheme}://…`,
      {
        hint: `For example ${scheme}://NAME; see the README's table of remotes.`,
      },
    );
  }
  rest = rest.slice(2);
  const q = rest.indexOf("?");
  const target = q === -1 ? rest : rest.slice(0, q);
  const params = new URLSearchParams(q === -1 ? "" : rest.slice(q + 1));
  if (target === "") {
    throw new EnvsyncError("URI", `The remote "${redactText(raw)}" names no secret.`, {
      hint: "Add the secret name or prefix after //.",
    });
  }
  return { scheme, target, params, raw };
}

/**
 * The URI as it may be shown, logged and used as the base's identity in state.json:
 * credentials hidden in every part (`user:pass@` in the target or in `endpoint=`, query
 * values other than region/profile/case, tokens in the endpoint's own query).
 */
export function displayUri(uri: RemoteUri): string {
  if (PATH_SCHEMES.has(uri.scheme)) return redactText(uri.raw);
  // Readable, not percent-encoded: shown to people and used as the base's identity.
  const q = [...uri.params]
    .map(([k, v]) => {
      if (k === "region" || k === "profile" || k === "case" || k === "unmanaged")
        return `${k}=${v}`;
      if (k === "endpoint") return `${k}=${redactUrl(v)}`;
      return `${k}=${MASK}`;
    })
    .join("&");
  const target = uri.target.replace(/^[^/@]*@/, `${MASK}@`);
  return `${uri.scheme}://${target}${q ? `?${q}` : ""}`;
}
