/**
 * What the Vault / OpenBao provider tells envsync besides how to open a store: where
 * the token would come from (as the vault CLI looks, without calling the server), the
 * seed flags, External Secrets Operator references, capabilities. No network, no I/O
 * beyond checking that ~/.vault-token exists — except `diagnose` (doctor's online
 * checks), which loads the store module lazily and asks the server.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { CredentialsFinding, Environ, ProviderHooks } from "../types.js";
import type { RemoteUri } from "../uri.js";
import { parseKvParam, parseVaultTarget, resolveAddress, VALUE_FIELD } from "./target.js";

/** Where the token would come from, in the order the store looks (never the token itself). */
export function vaultCredentials(uri: RemoteUri, env: Environ, home: string): CredentialsFinding {
  let at = "";
  try {
    const a = resolveAddress(parseVaultTarget(uri.target).host, uri.params, env);
    at = ` for ${a.url} (address from ${a.source === "uri" ? "the URI" : a.source})`;
  } catch {
    /* the remote check reports a bad address */
  }
  const ns = uri.params.get("namespace") || env.VAULT_NAMESPACE;
  const inNs = ns ? `, namespace ${ns}` : "";
  if (env.VAULT_TOKEN) return { found: true, source: `Vault token from VAULT_TOKEN${at}${inNs}` };
  if (env.VAULT_ROLE_ID)
    return env.VAULT_SECRET_ID
      ? {
          found: true,
          source: `AppRole login (VAULT_ROLE_ID, VAULT_SECRET_ID) at auth/${env.VAULT_APPROLE_MOUNT || "approle"}${at}${inNs}`,
        }
      : {
          found: false,
          source: "VAULT_ROLE_ID is set but VAULT_SECRET_ID is not",
          advice: "Set VAULT_SECRET_ID too (or VAULT_TOKEN).",
        };
  const file = join(env.HOME || home, ".vault-token");
  if (existsSync(file))
    return { found: true, source: `Vault token from ~/.vault-token${at}${inNs}` };
  return {
    found: false,
    source: "no Vault token: VAULT_TOKEN unset, no AppRole variables, no ~/.vault-token",
    advice:
      "Run `vault login` (or `bao login`), or set VAULT_TOKEN, or VAULT_ROLE_ID and VAULT_SECRET_ID for AppRole.",
  };
}

/** HashiCorp Vault / OpenBao KV: `vault://HOST/MOUNT/PATH` (bundle) or `vault://HOST/MOUNT/PREFIX/*` (per key). */
export const vaultHooks: ProviderHooks = {
  example: "vault://HOST/MOUNT/PATH or vault://HOST/MOUNT/PREFIX/* (vault:///… uses VAULT_ADDR)",
  capabilities: (uri) => {
    // KV v1 (kv=1) keeps no versions and has no check-and-set; without kv= the mount
    // is asked at run time, and KV v2 is the default of every current server.
    const v1 = parseKvParam(uri.params.get("kv")) === 1;
    const perKey = uri.target.endsWith("/*");
    return { versions: !v1 && !perKey, softDelete: !v1 && perKey, compareAndSwap: !v1 };
  },
  credentials: vaultCredentials,
  address: (uri, env) => resolveAddress(parseVaultTarget(uri.target).host, uri.params, env).url,
  seed: {
    cloud: "vault",
    // `--secret-name MOUNT/PATH` as `vault kv get` takes it (a bare name lives under
    // `secret/`); the server is VAULT_ADDR, or --vault-url.
    toUri: (seed, need) => {
      const name = need(seed.secretName, "--secret-name").replace(/^\/+|\/+$/g, "");
      const path = name.includes("/") ? name : `secret/${name}`;
      return seed.vaultUrl
        ? `vault:///${path}?endpoint=${encodeURIComponent(seed.vaultUrl)}`
        : `vault:///${path}`;
    },
  },
  async diagnose(uri, context) {
    const { diagnoseRemote } = await import("./kv-store.js");
    return diagnoseRemote(uri, context);
  },
  remoteRef(uri, keys) {
    // ESO's Vault provider: a SecretStore with `path: MOUNT` (`version: v2`, or v1 for a
    // KV v1 mount) reads a secret by its path inside the mount (the URI's segments after
    // the first). Per-key secrets hold their value in the `value` field.
    const t = parseVaultTarget(uri.target);
    const inMount = t.segments.slice(1).join("/");
    if (t.layout === "bundle") return Promise.resolve({ layout: "bundle", key: inMount });
    const prefix = inMount === "" ? "" : `${inMount}/`;
    return Promise.resolve({
      layout: "per-key",
      names: new Map(keys.map((k) => [k, `${prefix}${k}`])),
      property: VALUE_FIELD,
    });
  },
};
