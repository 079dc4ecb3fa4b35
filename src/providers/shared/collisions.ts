/**
 * Names that fold to the same `.env` key (SSM `case=upper`: `/app/db_url` and
 * `/app/DB_URL`) are refused, never guessed: reads would take one and writes go to the
 * other, so an edit would be reverted on the next sync.
 */
import { EnvsyncError } from "../../errors.js";

/** One store name and the `.env` key it reads as. */
export interface NamedKey {
  readonly name: string;
  readonly key: string;
}

/** The groups of two or more distinct names that read as one key, by key (sorted). */
export function collisions(entries: Iterable<NamedKey>): Map<string, string[]> {
  const byKey = new Map<string, Set<string>>();
  for (const { name, key } of entries) {
    const names = byKey.get(key) ?? new Set<string>();
    names.add(name);
    byKey.set(key, names);
  }
  const out = new Map<string, string[]>();
  for (const [key, names] of [...byKey].sort(([a], [b]) => (a < b ? -1 : 1)))
    if (names.size > 1) out.set(key, [...names].sort());
  return out;
}

/**
 * Throws (exit 2) listing every colliding name when two names read as one key; `how`
 * says how to resolve it on this store. Nothing has been tagged or written.
 */
export function refuseCollisions(entries: Iterable<NamedKey>, display: string, how: string): void {
  const found = collisions(entries);
  if (found.size === 0) return;
  const list = [...found].map(([key, names]) => `${key} ← ${names.join(", ")}`).join("; ");
  throw new EnvsyncError(
    "USAGE",
    `Names in ${display} read as the same .env key (${list}): envsync will not guess which one is the key. Nothing was tagged or written.`,
    { hint: how },
  );
}
