/**
 * A SOPS-encrypted file (age recipients): whole-file store guarded by its content hash.
 * It lives at a local path (doctor checks it is writable); it keeps no versions of its own.
 */
import { resolve } from "node:path";
import type { ProviderHooks } from "../types.js";

/** `sops:PATH (age; .env, .json, .yaml)`. */
export const sopsHooks: ProviderHooks = {
  example: "sops:PATH (age; .env, .json, .yaml)",
  capabilities: () => ({ versions: false, softDelete: false, compareAndSwap: true }),
  localPath: (uri, cwd) => resolve(cwd, uri.target),
};
