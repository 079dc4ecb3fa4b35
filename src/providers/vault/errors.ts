/**
 * Turns Vault answers and network failures into envsync errors that say what to do.
 * Vault's error strings name paths and reasons, never secret values.
 */
import { EnvsyncError } from "../../errors.js";
import { isTransient } from "../retry.js";
import { VaultHttpError } from "./client.js";

/** What the mapper needs to know about the remote. */
export interface ErrorContext {
  /** "read", "write", … */
  readonly action: string;
  /** The remote as shown to users. */
  readonly display: string;
  /** Server address. */
  readonly address: string;
  /** The mount as understood, e.g. `secret`. */
  readonly mount: string;
  /** The logical path tried (for policy hints), e.g. `secret/data/app/dev`. */
  readonly path: string;
  /** True when the token was found invalid or expired (auth/token/lookup-self refused it). */
  readonly tokenRejected?: boolean;
}

/** True when a CAS write was refused because the secret moved. */
export function isCasMismatch(e: unknown): boolean {
  return (
    e instanceof VaultHttpError &&
    e.status === 400 &&
    e.errors.some((m) => /check-and-set parameter/i.test(m))
  );
}

/** Maps an error from {@link VaultClient} to an {@link EnvsyncError}. */
export function toEnvsyncError(e: unknown, c: ErrorContext): EnvsyncError {
  if (e instanceof EnvsyncError) return e;
  const what = `Could not ${c.action} ${c.display}`;
  if (e instanceof VaultHttpError) {
    const detail = e.errors.join("; ").slice(0, 300);
    if (e.sealed)
      return new EnvsyncError("PROVIDER", `${what}: the Vault server at ${c.address} is sealed.`, {
        cause: e,
        hint: "An operator must unseal it (`vault operator unseal` / `bao operator unseal`, with the unseal keys, or via auto-unseal); then run the command again.",
      });
    if (e.status === 403 && c.tokenRejected)
      return new EnvsyncError(
        "AUTH",
        `${what}: Vault rejected the token (expired, revoked or unknown to ${c.address}).`,
        {
          cause: e,
          hint: "Log in again (`vault login` / `bao login`, or a new VAULT_TOKEN; AppRole users: a fresh VAULT_SECRET_ID). `vault token lookup` shows a token's TTL.",
        },
      );
    if (e.status === 403 && /preflight capability check/i.test(detail))
      return new EnvsyncError(
        "AUTH",
        `${what}: no mount serves ${c.path}, or the token may not use it (${detail}).`,
        {
          cause: e,
          hint: `Check the mount name in the URI (\`vault secrets list\` shows them) and that the token's policy covers the path; docs/providers/vault.md has the minimal policy.`,
        },
      );
    if (e.status === 403)
      return new EnvsyncError("AUTH", `${what}: permission denied on ${c.path}.`, {
        cause: e,
        hint: `The token's policies do not allow this. Ask for a policy granting the capabilities in docs/providers/vault.md (e.g. path "${c.path}" { capabilities = ["create", "read", "update"] }); \`vault token capabilities ${c.path}\` shows what the token has.`,
      });
    if (e.status === 404 && /no handler for route|unsupported path/i.test(detail))
      return new EnvsyncError(
        "NOT_FOUND",
        `${what}: there is no KV mount "${c.mount}" at ${c.address}.`,
        {
          cause: e,
          hint:
            "Check the mount in the URI (`vault secrets list`), or enable one: `vault secrets enable -path=" +
            c.mount +
            " kv-v2`.",
        },
      );
    if (e.status === 400 && /cas_required|check-and-set parameter required/i.test(detail))
      return new EnvsyncError(
        "PROVIDER",
        `${what}: the mount requires check-and-set (${detail}).`,
        {
          cause: e,
          hint: "envsync always sends cas on KV v2; on a KV v1 mount set kv=1 in the URI.",
        },
      );
    if (e.status === 400 && /high complexity|maximum number of strings|json input/i.test(detail))
      return new EnvsyncError(
        "LIMIT",
        `${what}: the server refused the request as too complex (${detail}); nothing was written.`,
        {
          cause: e,
          hint: "OpenBao's listener allows 1,000 JSON strings per request by default (max_request_json_strings), so a bundle holds at most about 498 keys: use the per-key layout (vault://HOST/MOUNT/PREFIX/*), split the bundle, or raise the listener limit.",
          exitCode: 2,
        },
      );
    if (
      e.status === 413 ||
      /request too large|max_request_size|entry too large|value too large/i.test(detail)
    )
      return new EnvsyncError(
        "LIMIT",
        `${what}: the server refused the size of the secret (${detail}).`,
        {
          cause: e,
          hint: "Use the per-key layout (vault://HOST/MOUNT/PREFIX/*), or shorten the values; the storage backend sets the limit (integrated storage: 1 MiB per entry, Consul: 512 KiB).",
        },
      );
    if (e.status === 429 || e.status >= 500)
      return new EnvsyncError(
        "NETWORK",
        `${what}: the server answered HTTP ${e.status} even after retries (${detail}).`,
        {
          cause: e,
          hint: "The Vault server is unavailable or overloaded (a standby without a leader answers 5xx); retry later, or check `vault status`.",
        },
      );
    return new EnvsyncError("PROVIDER", `${what}: HTTP ${e.status} (${detail}).`, {
      cause: e,
      hint: "Run with --verbose for details; `envsync doctor` checks the token and its capabilities.",
    });
  }
  const code = (e as { code?: unknown } | null)?.code;
  if (
    typeof code === "string" &&
    /^(CERT_|UNABLE_TO_|SELF_SIGNED|DEPTH_ZERO|ERR_TLS|ERR_SSL|EPROTO)/.test(code)
  )
    return new EnvsyncError("NETWORK", `${what}: TLS with ${c.address} failed (${code}).`, {
      cause: e,
      hint: "Trust the server's CA with VAULT_CACERT=/path/ca.pem (as the vault CLI does); VAULT_SKIP_VERIFY=true disables the check (tests only). A plain-http dev server needs VAULT_ADDR=http://… or tls=false.",
    });
  if (isTransient(e) || typeof code === "string")
    return new EnvsyncError(
      "NETWORK",
      `${what}: cannot reach ${c.address} (${typeof code === "string" ? code : (e as Error).message}).`,
      {
        cause: e,
        hint: "Check VAULT_ADDR / the URI's host and port, and that the server runs (`vault status`).",
      },
    );
  return new EnvsyncError("PROVIDER", `${what}: ${(e as Error)?.message ?? String(e)}.`, {
    cause: e,
    hint: "Run with --verbose for details.",
  });
}
