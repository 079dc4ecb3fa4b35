/**
 * The version of a per-key remote: one digest of every key's version, in one format
 * for every store (`keys:` and 16 hex digits). Informational: writes are guarded key
 * by key (shared/guard.ts).
 */
import { sha256 } from "./sha256.js";

/** Digest of key → version; null for no keys. Independent of insertion order. */
export function digestKeyVersions(keyVersions: ReadonlyMap<string, string>): string | null {
  if (keyVersions.size === 0) return null;
  let text = "";
  for (const k of [...keyVersions.keys()].sort()) text += `${k}\0${keyVersions.get(k) ?? ""}\0`;
  // Plain-JS SHA-256 (./sha256.ts): a read does not load node:crypto for one digest.
  return `keys:${Buffer.from(sha256(Buffer.from(text, "utf8")))
    .toString("hex")
    .slice(0, 16)}`;
}
