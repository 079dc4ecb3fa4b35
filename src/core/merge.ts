/**
 * The pure three-way merge of docs/DESIGN.md, "Sync semantics". No I/O, no node:* imports: values, the base
 * (keyed hashes of what both sides agreed on at the last sync) and a hash function
 * come in; a plan (per key: action and reason) comes out. Applying it is elsewhere.
 */

/** What a command asks of the merge. */
export type Mode = "sync" | "push" | "pull";

/** How a conflict is resolved (docs/DESIGN.md, "Sync semantics"). */
export type OnConflict = "remote" | "local" | "prompt" | "fail";

/** What happens to one key. */
export type Action =
  | "none"
  | "push-add"
  | "push-update"
  | "push-delete"
  | "pull-add"
  | "pull-update"
  | "pull-delete"
  | "conflict";

/** Why two sides disagree about a key. */
export type Status =
  | "in-sync"
  | "local-added"
  | "local-changed"
  | "local-deleted"
  | "remote-added"
  | "remote-changed"
  | "remote-deleted"
  | "conflict"
  | "only-local" // push/pull: present only on the source or target, no base consulted
  | "only-remote"
  | "differs"
  | "unconfirmed"; // the listing left it out and a read by name could not settle it

/** One line of a plan. */
export interface PlanEntry {
  /** The key. */
  readonly key: string;
  /** What applying the plan does. */
  readonly action: Action;
  /** How the sides relate. */
  readonly status: Status;
  /** A sentence for humans (no values). */
  readonly reason: string;
  /** For conflicts: how it was resolved (undefined while unresolved). */
  readonly resolution?: "local" | "remote";
}

/** A merge result: one entry per key on either side, sorted by key. */
export interface Plan {
  readonly mode: Mode;
  readonly entries: readonly PlanEntry[];
}

/**
 * The base as the merge sees it: key → keyed hash of the agreed value. A Map will do;
 * only lookups and the size are used.
 */
export interface BaseHashes {
  get(key: string): string | undefined;
  readonly size: number;
}

/** Inputs of {@link merge}. */
export interface MergeInput {
  readonly mode: Mode;
  readonly local: ReadonlyMap<string, string>;
  readonly remote: ReadonlyMap<string, string>;
  /** Null when there is no base yet (first sync): every key is "added" on its side. */
  readonly base: BaseHashes | null;
  /** Keyed hash of (key, value); must match the one that produced `base`. */
  readonly hash: (key: string, value: string) => string;
  /** push/pull: delete keys missing from the source. */
  readonly prune?: boolean;
  /** sync: resolve conflicts now (`remote`/`local`); `prompt`/`fail`/undefined leave them unresolved. */
  readonly onConflict?: OnConflict;
  /**
   * Keys whose remote state is unknown (a listing left them out and a read by name could
   * not confirm them absent): whatever the other sides say, they are left alone.
   */
  readonly unconfirmed?: ReadonlySet<string>;
}

function sortedUnion(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): string[] {
  const keys = [...a.keys()];
  for (const k of b.keys()) if (!a.has(k)) keys.push(k);
  return keys.sort();
}

/** Computes the plan: the three-way merge for `sync`, a one-way overwrite for `push`/`pull`. */
export function merge(input: MergeInput): Plan {
  const entries = sortedUnion(input.local, input.remote).map((key) =>
    input.unconfirmed?.has(key) && !input.remote.has(key)
      ? unconfirmedEntry(key)
      : input.mode === "sync"
        ? syncEntry(key, input)
        : oneWayEntry(key, input),
  );
  return { mode: input.mode, entries };
}

function unconfirmedEntry(key: string): PlanEntry {
  return {
    key,
    action: "none",
    status: "unconfirmed",
    reason: "listing incomplete: not confirmed absent on the remote; left alone",
  };
}

function syncEntry(key: string, input: MergeInput): PlanEntry {
  const l = input.local.get(key);
  const r = input.remote.get(key);
  if (l === r) return { key, action: "none", status: "in-sync", reason: "same on both sides" };
  const b = input.base?.get(key);
  const changed = (v: string | undefined): boolean =>
    b === undefined ? v !== undefined : v === undefined || input.hash(key, v) !== b;
  const lChanged = changed(l);
  const rChanged = changed(r);
  if (lChanged && !rChanged) {
    if (l === undefined)
      return {
        key,
        action: "push-delete",
        status: "local-deleted",
        reason: "deleted locally since the last sync",
      };
    if (r === undefined)
      return { key, action: "push-add", status: "local-added", reason: "added locally" };
    return {
      key,
      action: "push-update",
      status: "local-changed",
      reason: "changed locally since the last sync",
    };
  }
  if (rChanged && !lChanged) {
    if (r === undefined)
      return {
        key,
        action: "pull-delete",
        status: "remote-deleted",
        reason: "deleted on the remote since the last sync",
      };
    if (l === undefined)
      return { key, action: "pull-add", status: "remote-added", reason: "added on the remote" };
    return {
      key,
      action: "pull-update",
      status: "remote-changed",
      reason: "changed on the remote since the last sync",
    };
  }
  // Both changed, differently (or, without a base, present on both sides with different values).
  const reason =
    b === undefined
      ? l !== undefined && r !== undefined
        ? "on both sides with different values and no common base"
        : "on one side only, with no common base"
      : l === undefined
        ? "deleted locally but changed on the remote"
        : r === undefined
          ? "changed locally but deleted on the remote"
          : "changed on both sides since the last sync";
  const conflict: PlanEntry = { key, action: "conflict", status: "conflict", reason };
  if (input.onConflict === "remote" || input.onConflict === "local") {
    return resolveEntry(conflict, input.onConflict, input.local, input.remote);
  }
  return conflict;
}

function oneWayEntry(key: string, input: MergeInput): PlanEntry {
  const push = input.mode === "push";
  const src = (push ? input.local : input.remote).get(key);
  const dst = (push ? input.remote : input.local).get(key);
  const dir = push ? "push" : "pull";
  if (src === dst) return { key, action: "none", status: "in-sync", reason: "same on both sides" };
  if (src === undefined) {
    const status: Status = push ? "only-remote" : "only-local";
    if (input.prune)
      return {
        key,
        action: `${dir}-delete`,
        status,
        reason: `not in the ${push ? "local file" : "remote"}; --prune deletes it`,
      };
    return {
      key,
      action: "none",
      status,
      reason: `not in the ${push ? "local file" : "remote"}; kept (use --prune to delete)`,
    };
  }
  if (dst === undefined)
    return {
      key,
      action: `${dir}-add`,
      status: push ? "only-local" : "only-remote",
      reason: `new on the ${push ? "remote" : "local side"}`,
    };
  return {
    key,
    action: `${dir}-update`,
    status: "differs",
    reason: `${push ? "local" : "remote"} value replaces the ${push ? "remote" : "local"} one`,
  };
}

/** Resolves one conflict entry in favour of `side`. */
export function resolveEntry(
  entry: PlanEntry,
  side: "local" | "remote",
  local: ReadonlyMap<string, string>,
  remote: ReadonlyMap<string, string>,
): PlanEntry {
  if (entry.action !== "conflict") return entry;
  const winner = (side === "local" ? local : remote).get(entry.key);
  const loser = (side === "local" ? remote : local).get(entry.key);
  const dir = side === "local" ? "push" : "pull";
  const action: Action =
    winner === undefined ? `${dir}-delete` : loser === undefined ? `${dir}-add` : `${dir}-update`;
  return { ...entry, action, resolution: side, reason: `${entry.reason}; ${side} wins` };
}

/** Resolves the plan's conflicts with per-key decisions (prompt answers). Missing keys stay unresolved. */
export function resolveConflicts(
  plan: Plan,
  decisions: ReadonlyMap<string, "local" | "remote">,
  local: ReadonlyMap<string, string>,
  remote: ReadonlyMap<string, string>,
): Plan {
  return {
    mode: plan.mode,
    entries: plan.entries.map((e) => {
      const d = decisions.get(e.key);
      return d && e.action === "conflict" ? resolveEntry(e, d, local, remote) : e;
    }),
  };
}

/** The keys still in conflict. */
export function unresolved(plan: Plan): PlanEntry[] {
  return plan.entries.filter((e) => e.action === "conflict");
}

/** The concrete changes a plan makes to each side. */
export interface PlanChanges {
  /** Changes to the remote. */
  readonly remote: { readonly set: Map<string, string>; readonly delete: string[] };
  /** Changes to the local file. */
  readonly local: { readonly set: Map<string, string>; readonly delete: string[] };
}

/** Turns a (fully resolved) plan into change sets. Throws if a conflict is left. */
export function planChanges(
  plan: Plan,
  local: ReadonlyMap<string, string>,
  remote: ReadonlyMap<string, string>,
): PlanChanges {
  const out: PlanChanges = {
    remote: { set: new Map(), delete: [] },
    local: { set: new Map(), delete: [] },
  };
  for (const e of plan.entries) {
    switch (e.action) {
      case "none":
        break;
      case "push-add":
      case "push-update":
        out.remote.set.set(e.key, local.get(e.key) as string);
        break;
      case "push-delete":
        out.remote.delete.push(e.key);
        break;
      case "pull-add":
      case "pull-update":
        out.local.set.set(e.key, remote.get(e.key) as string);
        break;
      case "pull-delete":
        out.local.delete.push(e.key);
        break;
      case "conflict":
        throw new Error(`unresolved conflict on ${e.key}`);
    }
  }
  return out;
}

/** Applies a change set to a map, returning the new map (pure). */
export function applyToMap(
  values: ReadonlyMap<string, string>,
  changes: { readonly set: ReadonlyMap<string, string>; readonly delete: readonly string[] },
): Map<string, string> {
  const next = new Map(values);
  for (const k of changes.delete) next.delete(k);
  for (const [k, v] of changes.set) next.set(k, v);
  return next;
}

/**
 * The base after an operation: keys on which both sides now agree get the hash of
 * their value; keys absent from both are dropped; keys that still differ (push/pull
 * without --prune) keep their previous base entry, so a later sync still sees which
 * side changed.
 */
export function nextBase(
  previous: BaseHashes | null,
  local: ReadonlyMap<string, string>,
  remote: ReadonlyMap<string, string>,
  hash: (key: string, value: string) => string,
): Map<string, string> {
  const out = new Map<string, string>();
  for (const key of sortedUnion(local, remote)) {
    const l = local.get(key);
    const r = remote.get(key);
    if (l !== undefined && l === r) out.set(key, hash(key, l));
    else {
      const prev = previous?.get(key);
      if (prev !== undefined) out.set(key, prev);
    }
  }
  return out;
}
