/**
 * What the `file:` provider tells envsync besides how to open a store: it needs no
 * credentials, keeps its own history, writes under a lock, and lives at a local path.
 */
import { resolve } from "node:path";
import type { ProviderHooks } from "../types.js";

/** `file:PATH`: a dotenv or JSON file. */
export const fileHooks: ProviderHooks = {
  example: "file:PATH (.json or dotenv)",
  capabilities: () => ({ versions: true, softDelete: false, compareAndSwap: true }),
  localPath: (uri, cwd) => resolve(cwd, uri.target),
};
