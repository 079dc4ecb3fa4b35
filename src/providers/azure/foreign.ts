/**
 * Foreign entries of a per-key Azure Key Vault remote: secrets whose name starts with
 * the prefix but lack the tag `managed-by=envsync` (made by `az keyvault secret set`,
 * Terraform, the portal…). Listing reads properties only; reading gets each value;
 * adopting sets the tags on the current version (values unchanged).
 */
import type { ForeignAccess, ForeignEntry } from "../foreign.js";
import { mapLimit } from "../parallel.js";
import type { StoreContext } from "../types.js";
import type { RemoteUri } from "../uri.js";
import type { KvClient } from "./client.js";
import { toEnvsyncError } from "./errors.js";
import { KEY_TAG, MANAGED_TAG, MANAGED_VALUE, makeClient } from "./key-vault.js";
import { decodeKey, secretNameFor, unmappableReason } from "./names.js";
import { parseAzureTarget, type AzureTarget } from "./target.js";

/** The foreign-entry access of a per-key `azure-kv://` remote (null for a bundle). */
export function openForeign(uri: RemoteUri, context: StoreContext): ForeignAccess | null {
  const target = parseAzureTarget(uri);
  if (target.layout !== "per-key") return null;
  const client = makeClient(target.vaultUrl, context);
  return {
    ...foreignOver(target, context.concurrency, client),
    close: () => Promise.resolve(client.close()),
  };
}

/**
 * The foreign-entry access of a per-key target over an existing client: the store's own
 * (one client per store per command). Closing it closes nothing.
 */
export function foreignOver(
  target: AzureTarget,
  concurrency: number,
  client: KvClient,
): ForeignAccess {
  const prefix = target.name;
  const guard = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (e) {
      throw toEnvsyncError(e, target.vaultUrl, what);
    }
  };
  return {
    noun: "secrets",
    where: `${prefix}* in ${target.vaultUrl}`,
    list: () =>
      guard("listing secrets", async () => {
        const out: ForeignEntry[] = [];
        for await (const p of client.listPropertiesOfSecrets()) {
          if (!p.name.toLowerCase().startsWith(prefix.toLowerCase())) continue;
          if (p.tags?.[MANAGED_TAG] === MANAGED_VALUE) continue;
          const rest = p.name.slice(prefix.length);
          out.push({ name: p.name, key: decodeKey(rest) ?? rest });
        }
        return out.sort((a, b) => (a.name < b.name ? -1 : 1));
      }),
    async read(entries) {
      const out = new Map<string, string>();
      await mapLimit([...entries], concurrency, async (e: ForeignEntry) => {
        const s = await guard(`reading ${e.name}`, () => client.getSecret(e.name));
        if (s.value !== undefined) out.set(e.key, s.value);
      });
      return out;
    },
    async adopt(entries) {
      await mapLimit([...entries], concurrency, async (e: ForeignEntry) => {
        const s = await guard(`reading ${e.name}`, () => client.getSecret(e.name));
        // The key tag only when it maps back to this very name (the store's rule).
        const keyTag =
          unmappableReason(e.key) === null &&
          secretNameFor(prefix, e.key).toLowerCase() === e.name.toLowerCase()
            ? { [KEY_TAG]: e.key }
            : {};
        await guard(`tagging ${e.name}`, () =>
          client.updateSecretProperties(e.name, s.properties.version ?? "", {
            tags: { ...(s.properties.tags ?? {}), [MANAGED_TAG]: MANAGED_VALUE, ...keyTag },
          }),
        );
      });
    },
    close: () => Promise.resolve(),
  };
}
