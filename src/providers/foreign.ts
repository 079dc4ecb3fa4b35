/**
 * Entries under a per-key remote's prefix that envsync does not manage (made by the
 * AWS CLI, chamber, Terraform, the console…): stores list them so every command can
 * say so, read them on request (`?unmanaged=read`), and `envsync adopt` can take them
 * over (tag them as envsync's). Each store that supports it has a module of its own,
 * named by its hooks (`ProviderHooks.foreign`) and loaded lazily like the store itself.
 */
import { refusePlainHttp } from "./plain-http.js";
import { hooksOf } from "./registry.js";
import type { ForeignAccess, StoreContext } from "./types.js";
import { parseRemoteUri, type RemoteUri } from "./uri.js";

export type { ForeignAccess, ForeignEntry, ForeignModule } from "./types.js";

/**
 * The foreign-entry access of a remote (parsed once, here or by the caller), or null when its store has none (file, bundles,
 * stores without support yet).
 */
export async function openForeign(
  remote: string | RemoteUri,
  context: StoreContext,
): Promise<ForeignAccess | null> {
  const uri = typeof remote === "string" ? parseRemoteUri(remote) : remote;
  const hooks = hooksOf(uri);
  if (!hooks.foreign) return null;
  refusePlainHttp(uri, hooks, context);
  return (await hooks.foreign()).openForeign(uri, context);
}
