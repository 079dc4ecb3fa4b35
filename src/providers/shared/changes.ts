/**
 * Change application shared by every store: the values a change set produces.
 */
import type { ChangeSet } from "../types.js";

/** The values `changes` produce from `base` (deletions first, then sets). */
export function applyChanges(
  base: ReadonlyMap<string, string>,
  changes: ChangeSet,
): Map<string, string> {
  const next = new Map(base);
  for (const k of changes.delete) next.delete(k);
  for (const [k, v] of changes.set) next.set(k, v);
  return next;
}
