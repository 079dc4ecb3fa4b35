/**
 * `envsync history` and `envsync rollback --to V` for stores that keep versions
 * (bundle layouts, and the `file:` store's own history). History lists versions
 * newest first with dates and key counts, never values. Rollback writes the chosen
 * version's content as a new version (guarded by the version read, exit 5 if the
 * remote moved) and changes only the remote: the local file and the base are left
 * alone, so the next `envsync pull` (or `sync`) brings the restored values home.
 */
import { EnvsyncError } from "../errors.js";
import { mapLimit } from "../providers/parallel.js";
import { hooksOf } from "../providers/registry.js";
import type { Store, VersionInfo } from "../providers/types.js";
import { memberToken } from "../providers/shared/json-bundle.js";
import { applyPlan, withStore } from "./apply.js";
import { resolveSession, type CommonOptions, type Session } from "./session.js";

/** A version as listed (no values). */
export interface HistoryEntry {
  readonly id: string;
  /** ISO date, or null when the store does not say. */
  readonly createdAt: string | null;
  readonly keyCount: number | null;
  readonly current: boolean;
  readonly state?: string;
}

/** Result of {@link history}. */
export interface HistoryResult {
  readonly remote: string;
  /** Newest first. */
  readonly versions: readonly HistoryEntry[];
}

type Versioned = Store & Required<Pick<Store, "listVersions" | "readVersion">>;

function versioned(store: Store, session: Session): Versioned {
  const { uri } = session;
  const keeps = hooksOf(uri).capabilities?.(uri).versions ?? false;
  if (!keeps || !store.listVersions || !store.readVersion) {
    throw new EnvsyncError(
      "USAGE",
      `${session.remoteDisplay} keeps no versions envsync can list (${store.layout} layout).`,
      {
        hint: "history and rollback work on bundle remotes (one secret holding every key, e.g. aws-sm://NAME) and file: remotes; per-key remotes version each key separately in the store's console.",
      },
    );
  }
  return store as Versioned;
}

function entry(v: VersionInfo): HistoryEntry {
  return {
    id: v.id,
    createdAt: v.createdAt ? v.createdAt.toISOString() : null,
    keyCount: v.keyCount,
    current: v.current,
    ...(v.state !== undefined ? { state: v.state } : {}),
  };
}

/** How many versions get their keys counted when the store does not say (one read each). */
const COUNTED_VERSIONS = 20;

/**
 * Orders versions newest first: by creation time, then in the store's own order (each
 * store lists newest first and breaks ties it knows of: Key Vault's sequence tag,
 * Secret Manager's version numbers, AWS's staging labels); the current version is
 * marked, never moved up (a newer version may be disabled). Fills in key counts the
 * store does not list by reading the newest versions (values are read, counted and
 * dropped).
 */
async function complete(
  store: Versioned,
  versions: VersionInfo[],
  concurrency: number,
): Promise<VersionInfo[]> {
  const ordered = versions
    .map((v, i) => ({ v, i }))
    .sort((a, b) => (b.v.createdAt?.getTime() ?? 0) - (a.v.createdAt?.getTime() ?? 0) || a.i - b.i)
    .map((x) => x.v);
  return mapLimit(ordered, concurrency, async (v, i) => {
    if (
      v.keyCount !== null ||
      i >= COUNTED_VERSIONS ||
      v.state === "destroyed" ||
      v.state === "disabled"
    )
      return v;
    try {
      return { ...v, keyCount: (await store.readVersion(v.id)).values.size };
    } catch {
      return v; // unreadable (disabled, destroyed, not JSON): the count stays unknown
    }
  });
}

/** Lists the remote's versions, newest first (ids, dates, key counts; no values). */
export async function history(opts: CommonOptions = {}): Promise<HistoryResult> {
  const session = resolveSession(opts);
  return withStore(
    () => session.openStore(),
    async (store) => {
      const v = versioned(store, session);
      const versions = await complete(
        v,
        await v.listVersions(),
        Math.min(8, session.storeContext.concurrency),
      );
      return { remote: session.remoteDisplay, versions: versions.map(entry) };
    },
  );
}

/** Options of {@link rollback}. */
export interface RollbackOptions extends CommonOptions {
  /** The version to restore: an id from {@link history}, or a unique prefix of one. */
  readonly to: string;
  /** Plan only. */
  readonly dryRun?: boolean;
  /** Confirms without asking. */
  readonly yes?: boolean;
  /**
   * Asked to confirm the rollback (a TTY prompt) with the keys it adds, changes and
   * deletes. Absent and no `yes`: exit 2, nothing written.
   */
  readonly confirm?: (summary: RollbackPlan, remote: string) => Promise<boolean>;
}

/** What a rollback changes (key names only). */
export interface RollbackPlan {
  readonly added: readonly string[];
  readonly updated: readonly string[];
  readonly deleted: readonly string[];
}

/** Result of {@link rollback}. */
export interface RollbackResult {
  readonly remote: string;
  /** The version restored (full id). */
  readonly restored: string;
  readonly dryRun: boolean;
  /** Whether the remote was written (false on a dry run or when already at that content). */
  readonly applied: boolean;
  readonly plan: RollbackPlan;
  /** The remote's new version (or the current one when nothing was written). */
  readonly version: string | null;
}

function pick(versions: readonly VersionInfo[], to: string, display: string): VersionInfo {
  const exact = versions.find((v) => v.id === to);
  if (exact) return exact;
  const ids = [...new Set(versions.filter((v) => v.id.startsWith(to)).map((v) => v.id))];
  if (ids.length === 1) return versions.find((v) => v.id === ids[0])!;
  throw new EnvsyncError(
    ids.length === 0 ? "NOT_FOUND" : "USAGE",
    ids.length === 0
      ? `No version ${to} on ${display}.`
      : `The version prefix ${to} matches ${ids.length} versions on ${display}.`,
    { hint: "List versions with `envsync history` and pass a full id to --to." },
  );
}

/**
 * Restores version `to` as a new version of the remote: keys of that version are
 * set, keys it lacks are deleted. Changes only the remote (run `envsync pull` after).
 *
 * @throws EnvsyncError USAGE (exit 2) for stores without versions or an unconfirmed
 * rollback without a terminal; REMOTE_CHANGED (exit 5) when the remote moved.
 */
export async function rollback(opts: RollbackOptions): Promise<RollbackResult> {
  const session = resolveSession(opts);
  return withStore(
    () => session.openStore(),
    async (store) => {
      const v = versioned(store, session);
      const chosen = pick(await v.listVersions(), opts.to, session.remoteDisplay);
      const old = await v.readVersion(chosen.id);
      const current = await v.read();
      const set = new Map<string, string>();
      const added: string[] = [];
      const updated: string[] = [];
      const deleted: string[] = [];
      for (const [k, val] of old.values) {
        const now = current.values.get(k);
        if (now === undefined) added.push(k);
        // Same text but another JSON type (8080 / "8080") is a change too.
        else if (now !== val || memberToken(old.document, k) !== memberToken(current.document, k))
          updated.push(k);
        else continue;
        set.set(k, val);
      }
      for (const k of current.values.keys()) if (!old.values.has(k)) deleted.push(k);
      const plan: RollbackPlan = {
        added: added.sort(),
        updated: updated.sort(),
        deleted: deleted.sort(),
      };
      const ask = opts.confirm;
      const done = await applyPlan(
        {
          store,
          read: current,
          // A bundle gets the version's exact text back, names .env cannot hold included.
          changes: { set, delete: deleted, ...(old.document ? { restore: old.document } : {}) },
        },
        {
          ...(opts.dryRun ? { dryRun: true } : {}),
          ...(session.storeContext.hooks ? { hooks: session.storeContext.hooks } : {}),
          confirm: {
            ...(opts.yes ? { yes: true } : {}),
            ...(ask ? { ask: () => ask(plan, session.remoteDisplay) } : {}),
            unasked: `Rolling ${session.remoteDisplay} back to ${chosen.id} changes ${set.size} key(s) and deletes ${deleted.length}. Nothing was written.`,
            unaskedHint:
              "Confirm with --yes (or run at a terminal to be asked); see the plan with --dry-run.",
            refused: "Rollback not confirmed. Nothing was written.",
            refusedHint: "Run again and confirm to restore that version.",
          },
        },
      );
      return {
        remote: session.remoteDisplay,
        restored: chosen.id,
        dryRun: opts.dryRun ?? false,
        applied: done.remoteWritten,
        plan,
        version: done.version,
      };
    },
  );
}
