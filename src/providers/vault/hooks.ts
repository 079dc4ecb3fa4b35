/**
 * What the Vault / OpenBao provider tells envsync besides how to open a store.
 * KV v2 keeps versions and writes with check-and-set; KV v1 has neither.
 */
import type { ProviderHooks } from "../types.js";

/** `vault://HOST/MOUNT/PATH` (bundle) and `vault://HOST/MOUNT/PREFIX/*` (per-key). */
export const vaultHooks: ProviderHooks = {
  example: "vault://HOST/MOUNT/PATH or vault://HOST/MOUNT/PREFIX/*",
  capabilities: () => ({ versions: true, softDelete: true, compareAndSwap: true }),
};
