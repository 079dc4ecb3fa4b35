/**
 * Maps URI schemes to provider modules. Modules are imported lazily, so `--help`,
 * `--version` and `file:` commands never load a cloud SDK (docs/DESIGN.md,
 * "Start-up"). Hooks (each provider folder's hooks.ts) load no SDK and are imported eagerly.
 */
import { EnvsyncError } from "../errors.js";
import { awsSecretsManagerHooks, awsSsmHooks } from "./aws/hooks.js";
import { azureKeyVaultHooks } from "./azure/hooks.js";
import { dotenvxHooks } from "./dotenvx/hooks.js";
import { fileHooks } from "./file/hooks.js";
import { gcpSecretManagerHooks } from "./gcp/hooks.js";
import { sopsHooks } from "./sops/hooks.js";
import { vaultHooks } from "./vault/hooks.js";
import { refusePlainHttp } from "./plain-http.js";
import type { ProviderHooks, ProviderModule, Store, StoreContext } from "./types.js";
import { displayUri, parseRemoteUri, type RemoteUri } from "./uri.js";

/** One scheme: how to load its store (lazily: it may load an SDK), and its hooks (light). */
export interface SchemeEntry {
  readonly load: () => Promise<ProviderModule>;
  readonly hooks: ProviderHooks;
}

/** The built-in schemes. A new store adds its folder and one line here. */
const table: Record<string, SchemeEntry> = {
  file: { load: () => import("./file/file-store.js"), hooks: fileHooks },
  "aws-sm": { load: () => import("./aws/secrets-manager.js"), hooks: awsSecretsManagerHooks },
  "aws-ssm": { load: () => import("./aws/ssm.js"), hooks: awsSsmHooks },
  "gcp-sm": { load: () => import("./gcp/secret-manager.js"), hooks: gcpSecretManagerHooks },
  "azure-kv": { load: () => import("./azure/key-vault.js"), hooks: azureKeyVaultHooks },
  vault: { load: () => import("./vault/kv-store.js"), hooks: vaultHooks },
  sops: { load: () => import("./sops/sops-store.js"), hooks: sopsHooks },
  dotenvx: { load: () => import("./dotenvx/dotenvx-store.js"), hooks: dotenvxHooks },
};

/** Every scheme envsync knows (the built-in ones, plus any registered at run time). */
export const schemes: Readonly<Record<string, SchemeEntry>> = table;

/**
 * Adds a scheme at run time (tests register the in-process `memory://` store this
 * way; it is not part of the product).
 */
export function registerScheme(scheme: string, entry: SchemeEntry): void {
  table[scheme] = entry;
}

/**
 * Parses `remote` (unless the caller already did) and checks the scheme is known (exit 2
 * naming the known schemes otherwise).
 */
export function resolveUri(remote: string | RemoteUri): { uri: RemoteUri; entry: SchemeEntry } {
  const uri = typeof remote === "string" ? parseRemoteUri(remote) : remote;
  const entry = schemes[uri.scheme];
  if (!entry) {
    throw new EnvsyncError(
      "URI",
      `Unknown remote scheme "${uri.scheme}:" in "${displayUri(uri)}".`,
      {
        hint: `Known schemes: ${Object.values(schemes)
          .map((s) => s.hooks.example)
          .join("; ")}.`,
      },
    );
  }
  return { uri, entry };
}

/** Opens the store for a remote URI, loading its provider module on demand. */
export async function openStore(remote: string | RemoteUri, context: StoreContext): Promise<Store> {
  const { uri, entry } = resolveUri(remote);
  refusePlainHttp(uri, entry.hooks, context);
  const mod = await entry.load();
  return mod.createStore(uri, context);
}

/** The hooks of a parsed URI's scheme (the scheme was checked by {@link resolveUri}). */
export function hooksOf(uri: RemoteUri): ProviderHooks {
  const entry = schemes[uri.scheme];
  if (!entry) throw new Error(`unregistered scheme ${uri.scheme}`);
  return entry.hooks;
}
