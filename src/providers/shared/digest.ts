/**
 * The version of a per-key remote: one digest of every key's version, in one format
 * for every store (`keys:` and 16 hex digits). Informational: writes are guarded key
 * by key (shared/guard.ts).
 */
import { createHash } from "node:crypto";

/** Digest of key → version; null for no keys. Independent of insertion order. */
export function digestKeyVersions(keyVersions: ReadonlyMap<string, string>): string | null {
  if (keyVersions.size === 0) return null;
  const h = createHash("sha256");
  for (const k of [...keyVersions.keys()].sort()) h.update(`${k}\0${keyVersions.get(k) ?? ""}\0`);
  return `keys:${h.digest("hex").slice(0, 16)}`;
}
