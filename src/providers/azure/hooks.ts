/**
 * What the Azure Key Vault provider tells envsync besides how to open a store:
 * credentials as DefaultAzureCredential would find them, the seed flags, External
 * Secrets Operator references (with the escaped per-key names), capabilities.
 * Loads no SDK.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { tilde } from "../credential-files.js";
import type { CredentialsFinding, Environ, ProviderHooks } from "../types.js";
import { secretNameFor } from "./names.js";
import { parseAzureTarget } from "./target.js";

/** Azure's DefaultAzureCredential chain, as far as it can be seen without calling Azure. */
function azureCredentials(env: Environ, home: string): CredentialsFinding {
  if (env.AZURE_TENANT_ID && env.AZURE_CLIENT_ID) {
    if (env.AZURE_CLIENT_SECRET)
      return {
        found: true,
        source: "Azure environment: service principal with a client secret (AZURE_CLIENT_SECRET)",
      };
    if (env.AZURE_CLIENT_CERTIFICATE_PATH)
      return {
        found: true,
        source:
          "Azure environment: service principal with a certificate (AZURE_CLIENT_CERTIFICATE_PATH)",
      };
    if (env.AZURE_FEDERATED_TOKEN_FILE)
      return { found: true, source: "Azure workload identity (AZURE_FEDERATED_TOKEN_FILE)" };
  }
  if (env.IDENTITY_ENDPOINT || env.MSI_ENDPOINT)
    return { found: true, source: "Azure managed identity (IDENTITY_ENDPOINT / MSI_ENDPOINT)" };
  const cliDir = env.AZURE_CONFIG_DIR ?? join(home, ".azure");
  if (
    existsSync(join(cliDir, "azureProfile.json")) &&
    (existsSync(join(cliDir, "msal_token_cache.json")) ||
      existsSync(join(cliDir, "msal_token_cache.bin")))
  )
    return {
      found: true,
      source: `Azure CLI sign-in (${tilde(cliDir, home)})`,
      advice: "If the read fails with an expired token, run `az login`.",
    };
  if (existsSync(join(env.AZD_CONFIG_DIR ?? join(home, ".azd"), "auth")))
    return { found: true, source: "Azure Developer CLI sign-in (azd auth login)" };
  return {
    found: false,
    source:
      "no Azure credentials found locally (environment, workload identity, App Service identity, az or azd sign-in)",
    advice:
      "Run `az login`, or set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET. On an Azure VM the managed identity may still answer: the read below tells.",
  };
}

/** Azure Key Vault: `azure-kv://VAULT/SECRET` (bundle) or `azure-kv://VAULT/PREFIX*` (per key). */
export const azureKeyVaultHooks: ProviderHooks = {
  example: "azure-kv://VAULT/SECRET or azure-kv://VAULT/PREFIX*",
  foreign: () => import("./foreign.js"),
  capabilities: (uri) => ({
    versions: !uri.target.endsWith("*"),
    softDelete: true,
    compareAndSwap: false,
  }),
  credentials: (_uri, env, home) => azureCredentials(env, home),
  seed: {
    cloud: "azure",
    toUri: (seed, need) =>
      `azure-kv://${need(seed.vaultUrl, "--vault-url").replace(/\/+$/, "")}/${need(seed.secretName, "--secret-name")}`,
  },
  remoteRef(uri, keys) {
    const t = parseAzureTarget(uri);
    return Promise.resolve(
      t.layout === "bundle"
        ? { layout: "bundle", key: t.name }
        : {
            layout: "per-key",
            names: new Map(keys.map((k) => [k, secretNameFor(t.name, k)])),
          },
    );
  },
};
