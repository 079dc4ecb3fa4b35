/**
 * Maps URI schemes to provider modules. Modules are imported lazily, so `--help`,
 * `--version` and `file:` commands never load a cloud SDK (SPEC §9).
 */
import { EnvsyncError } from "../errors.js";
import type { ProviderModule, Store, StoreContext } from "./types.js";
import { displayUri, parseRemoteUri, type RemoteUri } from "./uri.js";

/** One scheme: how to load it, and a line for help and error messages. */
export interface SchemeEntry {
  readonly load: () => Promise<ProviderModule>;
  readonly example: string;
}

/** The built-in schemes. A new store adds one line here (and its own folder). */
const table: Record<string, SchemeEntry> = {
  file: { load: () => import("./file/file-store.js"), example: "file:PATH (.json or dotenv)" },
  "aws-sm": {
    load: () => import("./aws/secrets-manager.js"),
    example: "aws-sm://NAME?region=R or aws-sm://PREFIX/*?region=R",
  },
  "aws-ssm": { load: () => import("./aws/ssm.js"), example: "aws-ssm://PATH/*?region=R" },
  "gcp-sm": {
    load: () => import("./gcp/secret-manager.js"),
    example: "gcp-sm://PROJECT/SECRET or gcp-sm://PROJECT/PREFIX*",
  },
  "azure-kv": {
    load: () => import("./azure/key-vault.js"),
    example: "azure-kv://VAULT/SECRET or azure-kv://VAULT/PREFIX*",
  },
  vault: {
    load: () => import("./vault/kv-store.js"),
    example: "vault://HOST/MOUNT/PATH or vault://HOST/MOUNT/PREFIX/*",
  },
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

/** Parses `raw` and checks the scheme is known (exit 2 naming the known schemes otherwise). */
export function resolveUri(raw: string): { uri: RemoteUri; entry: SchemeEntry } {
  const uri = parseRemoteUri(raw);
  const entry = schemes[uri.scheme];
  if (!entry) {
    throw new EnvsyncError(
      "URI",
      `Unknown remote scheme "${uri.scheme}:" in "${displayUri(uri)}".`,
      {
        hint: `Known schemes: ${Object.values(schemes)
          .map((s) => s.example)
          .join("; ")}.`,
      },
    );
  }
  return { uri, entry };
}

/** Opens the store for a remote URI, loading its provider module on demand. */
export async function openStore(raw: string, context: StoreContext): Promise<Store> {
  const { uri, entry } = resolveUri(raw);
  const mod = await entry.load();
  return mod.createStore(uri, context);
}
