/**
 * `sync`, `push`, `pull` and `diff` as library calls (docs/DESIGN.md, "Sync semantics", "Library"): read both sides
 * and the base, plan with the pure core, resolve conflicts, check store rules and
 * confirmations, then apply (remote first, guarded by the version read; then the
 * local file; then the base). `dryRun` stops after planning.
 */
import { EnvsyncError } from "../errors.js";
import { expandValues } from "../dotenv/index.js";
import {
  applyToMap,
  merge,
  nextBase,
  planChanges,
  resolveConflicts,
  unresolved,
  type Mode,
  type OnConflict,
  type BaseHashes,
  type Plan,
  type PlanEntry,
} from "../core/merge.js";
import { checkNames } from "../providers/rules.js";
import type { RemoteSnapshot, Store } from "../providers/types.js";
import { applyPlan, touches, withStore } from "./apply.js";
import { readLocal, writeLocal, type LocalFile } from "./local-file.js";
import { refuseStoreFileAsLocal } from "./own-file.js";
import {
  exampleGaps,
  readExample,
  updateExample,
  type ExampleGaps,
  type ExampleUpdate,
} from "./example-file.js";
import { portabilityWarnings } from "../dotenv/quote.js";
import { withRemoteNotices, type RemoteNotice } from "./remote-notices.js";
import { resolveSession, type CommonOptions, type Session } from "./session.js";
import type { BaseEntry } from "../state/base-state.js";

/** Options of {@link sync}, {@link push}, {@link pull}. */
export interface SyncOptions extends CommonOptions {
  /** Conflict policy (default: config, else `remote`). */
  readonly onConflict?: OnConflict;
  /** push/pull: delete keys missing from the source. */
  readonly prune?: boolean;
  /** Plan only. */
  readonly dryRun?: boolean;
  /** Confirms remote deletions without asking. */
  readonly yes?: boolean;
  /** Expand `${VAR}` in local values before comparing/pushing. */
  readonly expand?: boolean;
  /** Permanently delete where the store soft-deletes (Azure purge). */
  readonly purge?: boolean;
  /** Asked to confirm remote deletions (a TTY prompt). Absent and no `yes`: exit 2. */
  readonly confirmDeletions?: (keys: readonly string[], remote: string) => Promise<boolean>;
  /** Asked per conflict in `prompt` mode. Absent: exit 2 (no TTY). */
  readonly decideConflict?: (entry: PlanEntry) => Promise<"local" | "remote" | null>;
  /** Progress: the phase and a key count, for a spinner (never values). */
  readonly onProgress?: (phase: SyncPhase, count: number) => void;
}

/** Phases reported to {@link SyncOptions.onProgress}; `count` is the keys involved. */
export type SyncPhase = "reading-local" | "reading-remote" | "writing-remote" | "writing-local";

/** What an operation did (or would do, with dryRun). */
export interface SyncResult {
  readonly mode: Mode;
  readonly file: string;
  readonly remote: string;
  readonly plan: Plan;
  readonly dryRun: boolean;
  /** Whether anything was written. */
  readonly applied: boolean;
  readonly counts: {
    readonly pushed: number;
    readonly pulled: number;
    readonly deletedRemote: number;
    readonly deletedLocal: number;
    readonly conflicts: number;
  };
  /** The remote's version after the operation. */
  readonly remoteVersion: string | null;
  /** Remote write API calls made. */
  readonly remoteWriteCalls: number;
  /** What the remote holds that was not synced (foreign entries, keys .env cannot hold). */
  readonly notices: readonly RemoteNotice[];
  /** sync and pull with envsync.yaml's `example:`: how the example file was kept in step. */
  readonly example?: ExampleUpdate;
}

/** Everything read before planning. */
interface Loaded {
  session: Session;
  local: LocalFile;
  localValues: Map<string, string>;
  remote: RemoteSnapshot;
  base: BaseHashes | null;
  /** The base as stored (null before the first sync). */
  entry: BaseEntry | null;
  hash: (key: string, value: string) => string;
  /** What the read left out (foreign entries, keys .env cannot hold). */
  notices: RemoteNotice[];
}

const DOTENV_KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** Whether two maps hold the same keys with the same values (in any order). */
function sameValues(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

/** The local side; read first, so a malformed .env stops us before any network call. */
async function readLocalSide(
  opts: SyncOptions,
  session: Session,
): Promise<Pick<Loaded, "local" | "localValues">> {
  refuseStoreFileAsLocal(session);
  opts.onProgress?.("reading-local", 0);
  const local = await readLocal(session.filePath, session.logger, session.fileLabel);
  const expand = session.settings.expand.value;
  const localValues = expand
    ? expandValues(local.values, opts.environ ?? process.env, session.fileLabel)
    : local.values;
  return { local, localValues };
}

/** The stored hashes, looked up in the state's own object (no copy of every entry). */
function baseView(keys: Readonly<Record<string, string>>): BaseHashes {
  let size: number | undefined;
  return {
    get: (key) => (Object.hasOwn(keys, key) ? keys[key] : undefined),
    get size() {
      return (size ??= Object.keys(keys).length);
    },
  };
}

/** The keys the base knows, as a read hint: built only for a store that asks (SSM). */
function knownKeysOf(entry: BaseEntry): { readonly knownKeys: ReadonlySet<string> } {
  let known: ReadonlySet<string> | undefined;
  return {
    get knownKeys() {
      return (known ??= new Set(Object.keys(entry.keys)));
    },
  };
}

async function load(
  opts: SyncOptions,
  session: Session,
  store: Store,
  side: Pick<Loaded, "local" | "localValues">,
): Promise<Loaded> {
  const { local, localValues } = side;
  session.logger.debug(`reading ${session.remoteDisplay}`);
  opts.onProgress?.("reading-remote", localValues.size);
  const entry = session.base.get(session.fileLabel, session.remoteDisplay);
  const read = await withRemoteNotices(
    session,
    store,
    await store.read(entry ? knownKeysOf(entry) : {}),
  );
  const remote = read.snapshot;
  const notices = read.notices;
  const unmarked = (remote.foreign ?? []).filter(
    (f) => entry && Object.hasOwn(entry.keys, f.key) && !remote.values.has(f.key),
  );
  if (unmarked.length > 0)
    notices.push({
      code: "UNMANAGED",
      message: `${unmarked.map((f) => f.name).join(", ")} ${unmarked.length === 1 ? "was" : "were"} envsync's at the last sync but ${unmarked.length === 1 ? "is" : "are"} no longer marked (tags or metadata replaced by another tool): not deleted on the remote, and not deleted from ${session.fileLabel}. \`envsync adopt\` marks ${unmarked.length === 1 ? "it" : "them"} again.`,
      names: unmarked.map((f) => f.name),
    });
  for (const n of remote.notes ?? []) session.logger.debug(n);
  for (const n of notices) session.logger.warn(`note: ${n.message}`);
  // Reading never creates the HMAC key (diff/check write nothing); without a key
  // there is no base, and the hash is only needed once something is written.
  const hash = session.base.hasher(false) ?? session.base.lazyHasher();
  const base = entry ? baseView(entry.keys) : null;
  if (session.logger.level === "verbose")
    session.logger.debug(
      `local: ${localValues.size} keys; remote: ${remote.values.size} keys (version ${remote.version ?? "none"}); base: ${base ? `${base.size} keys` : "none (first sync)"}`,
    );
  return { session, local, localValues, remote, base, entry, hash, notices };
}

/**
 * Keys the remote still holds but the read could not represent: entries it reported
 * unreadable (binary, no string `value`) and entries that were envsync's at the last
 * sync but lost the mark. Their absence from the values is not a deletion.
 */
function heldKeys(loaded: Pick<Loaded, "remote" | "base">): Map<string, string> {
  const held = new Map<string, string>();
  const { remote, base } = loaded;
  for (const u of remote.unreadable ?? [])
    held.set(u.key, `${u.name ?? u.key} cannot be read (${u.why}); left as it is`);
  for (const f of remote.foreign ?? [])
    if (base?.get(f.key) !== undefined && !remote.values.has(f.key))
      held.set(
        f.key,
        `${f.name} is no longer marked as envsync's (its tags or metadata were replaced); not deleted on the remote, left as it is`,
      );
  return held;
}

function planLoaded(
  mode: Mode,
  opts: SyncOptions,
  loaded: Loaded,
): { plan: Plan; onConflict: OnConflict } {
  const onConflict = loaded.session.settings.onConflict.value;
  const held = heldKeys(loaded);
  const p = holdKeys(
    held,
    merge({
      mode,
      local: loaded.localValues,
      remote: loaded.remote.values,
      base: loaded.base,
      hash: loaded.hash,
      prune: loaded.session.settings.prune.value,
      onConflict,
      ...(loaded.remote.unconfirmed?.length
        ? { unconfirmed: new Set(loaded.remote.unconfirmed) }
        : {}),
    }),
  );
  return { plan: p, onConflict };
}

/**
 * A held key (see {@link heldKeys}) is never deleted locally for being absent from the
 * read; a local change to it stays a push, which the store refuses with its reason.
 */
function holdKeys(held: ReadonlyMap<string, string>, p: Plan): Plan {
  if (held.size === 0) return p;
  return {
    ...p,
    entries: p.entries.map((e): PlanEntry => {
      const why = held.get(e.key);
      if (why === undefined) return e;
      if (e.action === "pull-delete")
        return { key: e.key, action: "none", status: "differs", reason: why };
      if (e.action === "conflict")
        return { key: e.key, action: "push-update", status: "local-changed", reason: why };
      return e;
    }),
  };
}

/** The plan for `mode` without applying it (also what `diff` shows). Writes nothing. */
export async function plan(
  mode: Mode,
  opts: SyncOptions = {},
): Promise<{ plan: Plan; loaded: Loaded; onConflict: OnConflict }> {
  const session = resolveSession(opts);
  const side = await readLocalSide(opts, session);
  return withStore(
    () => session.openStore(),
    async (store) => {
      const loaded = await load(opts, session, store, side);
      return { ...planLoaded(mode, opts, loaded), loaded };
    },
  );
}

/**
 * `--expand` is for reading commands only (docs/DESIGN.md, "Options that change
 * values"): a write with expanded values would record them in the base, and the next
 * plain sync would push the literal `${VAR}` over them.
 */
function refuseExpand(mode: Mode, session: Session): void {
  const expand = session.settings.expand;
  if (!expand.value) return;
  throw new EnvsyncError(
    "USAGE",
    `${mode} does not expand \${VAR} references (${expand.source === "flag" ? "--expand" : expand.origin} is set): values go to the remote exactly as the file has them. Nothing was written.`,
    {
      hint:
        expand.source === "flag"
          ? "Drop --expand. To see expanded values use `envsync diff --expand` or `envsync export --source local --expand`."
          : `Remove expand: true from that environment in envsync.yaml (or pass it to diff/export only).`,
    },
  );
}

/**
 * A remote that reads as absent or empty while the base recorded keys there must not
 * empty the local file by itself (docs/DESIGN.md, "Sync semantics"): the remote may
 * have been deleted or be unreadable in a way that looks empty. Exit 2 unless --yes.
 */
function guardMassDeletion(
  mode: Mode,
  opts: SyncOptions,
  session: Session,
  loaded: Loaded,
  localDeletions: number,
): void {
  if (loaded.remote.values.size > 0 || localDeletions === 0) return;
  const recorded = loaded.base?.size ?? 0;
  if (recorded === 0) return;
  if (opts.yes || opts.dryRun) return;
  throw new EnvsyncError(
    "NEEDS_CONFIRMATION",
    `${session.remoteDisplay} reads as ${loaded.remote.exists ? "empty" : "absent"}, but the last sync recorded ${recorded} key(s) there: this ${mode} would delete ${localDeletions} key(s) from ${session.fileLabel}. Nothing was written.`,
    {
      hint: "If the remote really was emptied or deleted, confirm with --yes; otherwise check its name, region or project and your access (`envsync doctor`).",
    },
  );
}

/** Asks for each open conflict in `prompt` mode; exit 4 for any left unresolved. */
async function settleConflicts(
  p: Plan,
  onConflict: OnConflict,
  opts: SyncOptions,
  loaded: Loaded,
): Promise<Plan> {
  const open = unresolved(p);
  if (open.length === 0) return p;
  if (onConflict === "prompt") {
    if (!opts.decideConflict) {
      throw new EnvsyncError(
        "USAGE",
        `${open.length} conflict(s) need an answer, and there is no terminal to ask at.`,
        {
          hint: "Run at a terminal, or choose --on-conflict remote|local|fail.",
        },
      );
    }
    const decisions = new Map<string, "local" | "remote">();
    for (const e of open) {
      const d = await opts.decideConflict(e);
      if (d) decisions.set(e.key, d);
    }
    p = resolveConflicts(p, decisions, loaded.localValues, loaded.remote.values);
  }
  const left = unresolved(p);
  if (left.length > 0) {
    throw new EnvsyncError(
      "CONFLICT",
      `Unresolved conflict on ${left.map((e) => e.key).join(", ")}: ${left[0]!.reason}${left.length > 1 ? " (and others)" : ""}. Nothing was written.`,
      { hint: "Choose a side with --on-conflict remote|local, or edit one side and sync again." },
    );
  }
  return p;
}

async function run(mode: Mode, opts: SyncOptions): Promise<SyncResult> {
  const session = resolveSession(opts);
  refuseExpand(mode, session);
  const side = await readLocalSide(opts, session);
  return withStore(
    () => session.openStore(),
    (store) => runOn(mode, opts, session, store, side),
  );
}

async function runOn(
  mode: Mode,
  opts: SyncOptions,
  session: Session,
  store: Store,
  side: Pick<Loaded, "local" | "localValues">,
): Promise<SyncResult> {
  const loaded = await load(opts, session, store, side);
  const { local, localValues, remote } = loaded;
  const { plan: first, onConflict } = planLoaded(mode, opts, loaded);
  if (mode === "pull" && !remote.exists) {
    throw new EnvsyncError(
      "NOT_FOUND",
      `${session.remoteDisplay} does not exist: there is nothing to pull.`,
      {
        hint: "Check the remote's name, region or project; or create it from your file with `envsync push`.",
      },
    );
  }
  const p = await settleConflicts(first, onConflict, opts, loaded);
  const changes = planChanges(p, localValues, remote.values);
  const remoteTouched = touches(changes.remote);
  const localTouched = touches(changes.local);
  const nextRemote = remoteTouched ? applyToMap(remote.values, changes.remote) : remote.values;
  const nextLocal = localTouched ? applyToMap(localValues, changes.local) : localValues;
  guardMassDeletion(mode, opts, session, loaded, changes.local.delete.length);
  const counts = {
    pushed: changes.remote.set.size,
    pulled: changes.local.set.size,
    deletedRemote: changes.remote.delete.length,
    deletedLocal: changes.local.delete.length,
    conflicts: first.entries.filter((e) => e.action === "conflict").length,
  };
  // The example is read before anything is written, so a malformed one stops us first.
  const exampleTarget =
    mode !== "push" && session.examplePath !== null
      ? { path: session.examplePath, root: session.root, logger: session.logger }
      : null;
  const exampleBefore = exampleTarget ? await readExample(exampleTarget) : null;
  const del = changes.remote.delete;
  // Read only when there are deletions: the CLI's prompt callbacks are lazy (a terminal
  // check opens stdin).
  const confirmDeletions = del.length > 0 ? opts.confirmDeletions : undefined;
  const done = await applyPlan(
    { store, read: remote, changes: { set: changes.remote.set, delete: del } },
    {
      ...(opts.dryRun ? { dryRun: true } : {}),
      ...(opts.purge || opts.yes
        ? {
            writeOptions: {
              ...(opts.purge ? { purge: true } : {}),
              ...(opts.yes ? { overwriteUnreadable: true } : {}),
            },
          }
        : {}),
      ...(session.storeContext.hooks ? { hooks: session.storeContext.hooks } : {}),
      // The dotenv key rule, checked with the store's rules before anything is written.
      validate: () => {
        if (!localTouched) return;
        checkNames(
          [...changes.local.set.keys()].map((key) => ({ key, name: key })),
          DOTENV_KEY,
          Number.MAX_SAFE_INTEGER,
          "a dotenv key: letters, digits, _ . - and not starting with a digit",
          session.fileLabel,
        );
        // Values some .env reader (dotenvx, python-dotenv, compose) cannot read literally:
        // warned by key; a value dotenvx would run as a command stops here, before any write.
        for (const w of portabilityWarnings(changes.local.set, session.fileLabel)) {
          session.logger.warn(w.message);
        }
      },
      ...(del.length > 0
        ? {
            confirm: {
              ...(opts.yes ? { yes: true } : {}),
              ...(confirmDeletions
                ? { ask: () => confirmDeletions(del, session.remoteDisplay) }
                : {}),
              unasked: `This would delete ${del.length} key(s) on ${session.remoteDisplay}: ${del.join(", ")}. Nothing was written.`,
              unaskedHint:
                "Confirm with --yes (or run at a terminal to be asked); see the plan with --dry-run.",
              refused: "Deletion not confirmed. Nothing was written.",
              refusedHint: "Run again and confirm, or leave those keys in place.",
            },
          }
        : {}),
      onRemoteWrite: (count) => {
        opts.onProgress?.("writing-remote", count);
        session.logger.debug(
          `writing ${counts.pushed} key(s), deleting ${counts.deletedRemote} on ${session.remoteDisplay}`,
        );
      },
      after: async () => {
        if (!localTouched) return;
        opts.onProgress?.("writing-local", counts.pulled + counts.deletedLocal);
        session.logger.debug(
          `writing ${counts.pulled} key(s), deleting ${counts.deletedLocal} in ${session.fileLabel}`,
        );
        await writeLocal(local, changes.local, nextLocal, session.base.backupDir);
      },
      // The base hashes what was compared (expanded values with --expand). When both
      // sides end equal and their digest and version are the recorded ones, the base
      // is already this one: nothing is hashed key by key, nothing is rewritten.
      record: async (remoteVersion) => {
        // Nothing changes and every key is in sync: both sides hold the same values.
        const equal =
          (!remoteTouched && !localTouched && p.entries.every((e) => e.status === "in-sync")) ||
          sameValues(nextLocal, nextRemote);
        const agreed = equal ? session.base.digest(nextLocal) : undefined;
        if (
          agreed !== undefined &&
          loaded.entry?.agreed === agreed &&
          loaded.entry.remoteVersion === remoteVersion
        )
          return;
        await session.base.set({
          file: session.fileLabel,
          remote: session.remoteDisplay,
          remoteVersion,
          keys: Object.fromEntries(nextBase(loaded.base, nextLocal, nextRemote, loaded.hash)),
          ...(agreed !== undefined ? { agreed } : {}),
          updatedAt: new Date().toISOString(),
        });
      },
    },
  );
  const example =
    exampleTarget && exampleBefore
      ? await updateExample(
          exampleTarget,
          exampleBefore,
          nextLocal.keys(),
          [...changes.local.delete, ...changes.remote.delete],
          { ...(opts.dryRun ? { dryRun: true } : {}), backupDir: session.base.backupDir },
        )
      : undefined;
  return {
    mode,
    file: session.fileLabel,
    remote: session.remoteDisplay,
    plan: p,
    dryRun: opts.dryRun ?? false,
    applied: !opts.dryRun && (remoteTouched || localTouched),
    counts,
    remoteVersion: done.version,
    remoteWriteCalls: done.writeCalls,
    notices: loaded.notices,
    ...(example ? { example } : {}),
  };
}

/** Three-way merge of the local file and the remote (docs/DESIGN.md, "Sync semantics"). */
export function sync(opts: SyncOptions = {}): Promise<SyncResult> {
  return run("sync", opts);
}

/** Makes the remote take the local values (adds, updates; deletions with --prune). */
export function push(opts: SyncOptions = {}): Promise<SyncResult> {
  return run("push", opts);
}

/** Makes the local file take the remote's values (adds, updates; deletions with --prune). */
export function pull(opts: SyncOptions = {}): Promise<SyncResult> {
  return run("pull", opts);
}

/** One key's line in a diff. */
export interface DiffEntry {
  readonly key: string;
  readonly status: PlanEntry["status"];
  /** What `sync` would do. */
  readonly action: PlanEntry["action"];
  readonly reason: string;
  readonly local: boolean;
  readonly remote: boolean;
  /** Values, only with showValues. */
  readonly localValue?: string;
  readonly remoteValue?: string;
}

/** Result of {@link diff}. */
export interface DiffResult {
  readonly file: string;
  readonly remote: string;
  readonly remoteExists: boolean;
  readonly hasBase: boolean;
  /** Keys that differ (in-sync keys are left out). */
  readonly entries: readonly DiffEntry[];
  readonly inSync: number;
  /**
   * True when local and remote hold the same keys and values, and nothing under the
   * remote's prefix was made by other tools (see notices).
   */
  readonly inAgreement: boolean;
  /** What the remote holds that was not compared (foreign entries, keys .env cannot hold). */
  readonly notices: readonly RemoteNotice[];
  /** With envsync.yaml's `example:`: the keys it requires that either side lacks. */
  readonly example?: ExampleGaps;
}

/** Local vs remote (and vs base): what differs and what `sync` would do. */
export async function diff(opts: SyncOptions & { showValues?: boolean } = {}): Promise<DiffResult> {
  const { plan: p, loaded } = await plan("sync", { ...opts, onConflict: "fail" });
  const entries: DiffEntry[] = [];
  let inSync = 0;
  for (const e of p.entries) {
    if (e.status === "in-sync") {
      inSync++;
      continue;
    }
    const l = loaded.localValues.get(e.key);
    const r = loaded.remote.values.get(e.key);
    entries.push({
      key: e.key,
      status: e.status,
      action: e.action,
      reason: e.reason,
      local: l !== undefined,
      remote: r !== undefined,
      ...(opts.showValues && l !== undefined ? { localValue: l } : {}),
      ...(opts.showValues && r !== undefined ? { remoteValue: r } : {}),
    });
  }
  const { session } = loaded;
  const example =
    session.examplePath === null
      ? undefined
      : await exampleGaps(
          { path: session.examplePath, root: session.root, logger: session.logger },
          loaded.localValues,
          loaded.remote.values,
        );
  return {
    file: loaded.session.fileLabel,
    remote: loaded.session.remoteDisplay,
    remoteExists: loaded.remote.exists,
    hasBase: loaded.base !== null,
    entries,
    inSync,
    inAgreement: entries.length === 0 && !loaded.notices.some((n) => n.code === "UNMANAGED"),
    notices: loaded.notices,
    ...(example ? { example } : {}),
  };
}
