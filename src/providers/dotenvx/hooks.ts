/**
 * A dotenvx-encrypted .env file: whole-file store guarded by its content hash.
 * It lives at a local path (doctor checks it is writable); it keeps no versions of its own.
 */
import { resolve } from "node:path";
import type { ProviderHooks } from "../types.js";

/** `dotenvx:PATH (.env.NAME)`. */
export const dotenvxHooks: ProviderHooks = {
  example: "dotenvx:PATH (.env.NAME)",
  capabilities: () => ({ versions: false, softDelete: false, compareAndSwap: true }),
  localPath: (uri, cwd) => resolve(cwd, uri.target),
};
