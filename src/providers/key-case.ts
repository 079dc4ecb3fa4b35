/**
 * The `case=upper` URI option of per-key remotes (for stores written by chamber, which
 * keeps keys lower-case at `/service/key` while `chamber export` upper-cases them):
 * names are read as upper-case `.env` keys and keys are written as lower-case names.
 */
import { EnvsyncError } from "../errors.js";
import type { RemoteUri } from "./uri.js";

/** How store names map to `.env` keys. */
export type KeyCase = "as-is" | "upper";

/** The key case a URI asks for (`case=upper`); exit 2 for any other value. */
export function keyCaseOf(uri: RemoteUri, display: string): KeyCase {
  const v = uri.params.get("case");
  if (v === null) return "as-is";
  if (v === "upper") return "upper";
  throw new EnvsyncError("URI", `case=${v} in ${display} is not a key case envsync knows.`, {
    hint: "Use case=upper (names stored lower-case, keys upper-case in .env, as chamber does), or leave it out.",
  });
}

/** The `.env` key of a store name (its part after the prefix). */
export function keyFromName(name: string, kc: KeyCase): string {
  return kc === "upper" ? name.toUpperCase() : name;
}

/** The store name (after the prefix) of a `.env` key. */
export function nameFromKey(key: string, kc: KeyCase): string {
  return kc === "upper" ? key.toLowerCase() : key;
}
