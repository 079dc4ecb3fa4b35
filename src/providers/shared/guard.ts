/**
 * The per-key write guard every per-key store runs before writing anything: each
 * touched key must be envsync's (managed-by=envsync) and still have the version
 * read; otherwise nothing is written (NAME, exit 2; REMOTE_CHANGED, exit 5).
 */
import { EnvsyncError } from "../../errors.js";
import { MANAGED_BY } from "./managed.js";
import type { ChangeSet, RemoteSnapshot, UnreadableEntry } from "../types.js";

/** What a store found under one touched key, just before writing. */
export interface KeyState {
  /** The env key. */
  readonly key: string;
  /** The store's name for it (secret id, parameter name). */
  readonly name: string;
  /** The live version, or null when absent (or deleted). */
  readonly version: string | null;
  /** True when something exists under the name without managed-by=envsync. */
  readonly foreign: boolean;
}

/** How the store calls its items, for messages. */
export interface GuardWords {
  /** `secret` or `parameter`. */
  readonly item: string;
  /** `tag` or `label`. */
  readonly mark: string;
}

/** The REMOTE_CHANGED error of a write that found the remote moved. */
export function remoteChanged(display: string, keys: readonly string[]): EnvsyncError {
  const shown = keys.slice(0, 5).join(", ") + (keys.length > 5 ? `, … (${keys.length} keys)` : "");
  return new EnvsyncError(
    "REMOTE_CHANGED",
    `${display} changed since it was read (${shown}); nothing was written.`,
    {
      hint: "Someone else wrote in between. Run the command again: envsync reads the new state and merges it.",
    },
  );
}

/**
 * Throws NAME when a touched name holds an item envsync does not manage, then
 * REMOTE_CHANGED when a touched key's version is not the one in `expected`.
 */
export function guardKeys(
  states: readonly KeyState[],
  expected: ReadonlyMap<string, string>,
  display: string,
  words: GuardWords = { item: "secret", mark: "tag" },
): void {
  const foreign = states.filter((s) => s.foreign).map((s) => s.name);
  if (foreign.length > 0) {
    const mark = `${words.mark} ${MANAGED_BY.key}=${MANAGED_BY.value}`;
    throw new EnvsyncError(
      "NAME",
      `The ${words.item}${foreign.length === 1 ? "" : "s"} ${foreign.join(", ")} in ${display} ${foreign.length === 1 ? "exists" : "exist"} without the ${mark}; envsync never touches such ${words.item}s.`,
      {
        hint: `Rename the key, choose another prefix, or add the ${mark} if envsync should manage it.`,
      },
    );
  }
  const moved = states.filter((s) => s.version !== (expected.get(s.key) ?? null)).map((s) => s.key);
  if (moved.length > 0) throw remoteChanged(display, moved);
}

/**
 * Refuses (exit 2) a write that would overwrite an entry the read could not represent
 * (a binary payload, a Vault secret without a string `value`; see
 * `RemoteSnapshot.unreadable`), naming each with the reason. `allow` lets through the
 * ones the user confirmed (`--yes`) when the store can overwrite them without loss.
 */
export function refuseUnreadable(
  changes: ChangeSet,
  expected: RemoteSnapshot,
  display: string,
  allow: (entry: UnreadableEntry) => boolean = () => false,
): void {
  const touched = new Set([...changes.set.keys(), ...changes.delete]);
  const hit = (expected.unreadable ?? []).filter((u) => touched.has(u.key) && !allow(u));
  if (hit.length === 0) return;
  throw new EnvsyncError(
    "USAGE",
    `envsync will not overwrite what it cannot read in ${display}: ${hit.map((u) => `${u.name ?? u.key} (${u.why})`).join("; ")}. Nothing was written.`,
    {
      hint: `Remove ${hit.map((u) => u.key).join(", ")} from your .env (or rename the key), or change the entry with the tool that wrote it.`,
    },
  );
}
