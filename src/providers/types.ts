/**
 * The one interface every store implements (file, AWS, GCP, Azure; tests add memory).
 * Modelled on teller's `Provider { get, put, del }` and external-secrets'
 * `SecretsClient`: read everything with a version, write a change set guarded by
 * the version read, describe the store's limits, list versions where it keeps them.
 */
import type { BundleDocument } from "./shared/json-bundle.js";
import type { Logger } from "../logger.js";
import type { RemoteUri } from "./uri.js";

/** What the caller already knows before a read, so a store can skip calls. */
export interface ReadHint {
  /**
   * Keys of the last agreed base: envsync managed them at the last sync. A store that
   * checks ownership per key (SSM's managed-by tag) may trust it for these keys on a
   * read; writes still check every key they touch.
   */
  readonly knownKeys?: ReadonlySet<string>;
}

/** What a store holds, as read at one moment. */
export interface RemoteSnapshot {
  /** False when the remote does not exist yet (bundle never written, file absent). */
  readonly exists: boolean;
  /** Key → value. */
  readonly values: ReadonlyMap<string, string>;
  /**
   * Version of the whole remote as read: the bundle's version id, the file's content
   * hash; for per-key layouts a digest of the key versions (informational).
   */
  readonly version: string | null;
  /** Per-key layouts: key → that key's version id as read (used to guard writes). */
  readonly keyVersions: ReadonlyMap<string, string>;
  /** Store-specific notes worth a `--verbose` line (e.g. a GCP fallback version). */
  readonly notes?: readonly string[];
  /**
   * Per-key reads that saw every entry under the prefix: those envsync does not manage,
   * as the store's foreign access would list them (src/providers/foreign.ts), so the
   * notices need no listing calls of their own. Absent when the read cannot tell.
   */
  readonly foreign?: readonly ForeignEntry[];
  /**
   * Keys the base knows that the listing left out and a read by name could not settle
   * (src/providers/shared/confirm-absent.ts): neither present nor absent, so the merge
   * leaves them alone on both sides.
   */
  readonly unconfirmed?: readonly string[];
  /** What the read found the listing got wrong, one sentence each (names, never values). */
  readonly warnings?: readonly string[];
  /**
   * Bundle layouts: the document exactly as read. A write patches it
   * (shared/json-bundle.ts, `patchBundle`), so what the plan does not name stays byte
   * for byte: other keys' text, type and order, names `.env` cannot hold.
   */
  readonly document?: BundleDocument;
  /**
   * What the read saw but cannot hold as `.env` values (binary or non-UTF-8 payloads,
   * a Vault secret without a string `value`, text that is not valid Unicode): left out
   * of `values`, never rewritten by envsync, reported by name with the reason.
   */
  readonly unreadable?: readonly UnreadableEntry[];
}

/** An entry a store read but envsync cannot represent (see {@link RemoteSnapshot.unreadable}). */
export interface UnreadableEntry {
  /** The `.env` key it would be. */
  readonly key: string;
  /** The store's name for it, when it differs from the key. */
  readonly name?: string;
  /** Why it is left out, for people (never a value). */
  readonly why: string;
}

/** Changes to apply to a remote: keys to set (add or update) and keys to delete. */
export interface ChangeSet {
  readonly set: ReadonlyMap<string, string>;
  readonly delete: readonly string[];
  /**
   * `rollback` on a bundle: the document of the version restored. The store writes its
   * exact text (still guarded by the version read); `set`/`delete` name the keys.
   */
  readonly restore?: BundleDocument;
}

/** Options of {@link Store.write}. */
export interface WriteOptions {
  /** Permanently delete (Azure purge) instead of soft/scheduled delete. */
  readonly purge?: boolean;
  /**
   * Confirmed (`--yes`): a store may overwrite an entry listed in the read's
   * `unreadable` when it loses nothing by it (a Vault secret without a string `value`
   * gets one; its other fields stay). Binary payloads are never overwritten.
   */
  readonly overwriteUnreadable?: boolean;
}

/** Result of a successful write. */
export interface WriteResult {
  /** The remote's version after the write (what the base records). */
  readonly version: string | null;
  /** Per-key layouts: versions of the keys written. */
  readonly keyVersions?: ReadonlyMap<string, string>;
  /** Number of store API write calls made (for the bench and tests). */
  readonly writeCalls?: number;
}

/** One stored version of a remote (bundle layouts and the file store). */
export interface VersionInfo {
  /** Version id, usable with `rollback --to`. */
  readonly id: string;
  /** When it was created, if the store says. */
  readonly createdAt: Date | null;
  /** Number of keys in that version (no values). */
  readonly keyCount: number | null;
  /** True for the version currently served. */
  readonly current: boolean;
  /** Disabled / destroyed / deprecated notes. */
  readonly state?: string;
}

/** Limits and name rules of a store, enforced before any write. */
export interface StoreRules {
  /** Max bytes of one stored value: the whole JSON bundle, or one key's value in per-key layout. */
  readonly maxValueBytes: number;
  /** Human description of allowed names, for messages. */
  readonly nameRule: string;
}

/** Layout of a remote. */
export type Layout = "file" | "bundle" | "per-key";

/** A store bound to one remote URI. */
export interface Store {
  /** The URI scheme (`file`, `aws-sm`, …). */
  readonly scheme: string;
  /**
   * Per-key stores: the entries under the prefix that envsync does not manage, over the
   * store's own client (one client per store per command; closing the access leaves the
   * store open). Absent: callers fall back to src/providers/foreign.ts.
   */
  foreign?(): Promise<ForeignAccess | null>;
  /** The URI as shown to users (no credentials). */
  readonly display: string;
  /** Bundle or per-key (or file). */
  readonly layout: Layout;
  /** Limits and name rules. */
  readonly rules: StoreRules;
  /** Reads every key with versions. A remote that does not exist reads as `exists: false`, empty. */
  read(hint?: ReadHint): Promise<RemoteSnapshot>;
  /**
   * Checks the store's limits and name rules for the state `next` that applying
   * `changes` would produce. Throws an exit-2 {@link EnvsyncError} (LIMIT or NAME)
   * before anything is written.
   */
  validate(next: ReadonlyMap<string, string>, changes: ChangeSet): void;
  /**
   * Applies `changes`, first checking that the remote still has the version(s) in
   * `expected` (bundle: the version; per-key: each touched key's version). Throws
   * REMOTE_CHANGED (exit 5) and writes nothing when it moved. Touches only changed keys.
   */
  write(changes: ChangeSet, expected: RemoteSnapshot, options?: WriteOptions): Promise<WriteResult>;
  /**
   * The remote's current version without reading its values (a metadata call, a hash of
   * the file): `run --watch` polls it. Null when the remote does not exist. Only
   * compared with itself, so it need not equal {@link RemoteSnapshot.version}.
   */
  probeVersion?(): Promise<string | null>;
  /** Lists stored versions, newest first (stores that keep versions). */
  listVersions?(): Promise<VersionInfo[]>;
  /** Reads one stored version (stores that keep versions). */
  readVersion?(id: string): Promise<RemoteSnapshot>;
  /** Releases clients (gRPC channels, sockets). */
  close?(): Promise<void>;
}

/**
 * Points where a test may hold an operation (injected through the {@link StoreContext};
 * product code never reads an environment switch for them, see src/test-hooks.ts).
 */
export interface StoreHooks {
  /** Awaited after everything is read, planned and confirmed, right before the first write. */
  readonly beforeWrite?: () => Promise<void>;
  /** Awaited by the `file:` store while it holds the remote's lock, before it reads it again. */
  readonly holdingLock?: () => Promise<void>;
}

/** What a store factory gets besides its URI. Injected, so tests need no module mocks. */
export interface StoreContext {
  /** Folder relative `file:` paths resolve against. */
  readonly cwd: string;
  /** Environment (credentials chains read `process.env` themselves; this is for envsync's own switches). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Diagnostics sink (never values). */
  readonly logger: Logger;
  /** Max parallel API calls for per-key layouts. */
  readonly concurrency: number;
  /** Retry policy for transient errors. */
  readonly retry?: {
    readonly maxAttempts?: number;
    readonly maxDelayMs?: number;
    readonly totalTimeoutMs?: number;
  };
  /** Per-call timeout for store requests, ms. */
  readonly requestTimeoutMs?: number;
  /**
   * Extra SDK client options merged into the client constructor (tests: custom TLS
   * trust for emulators, call counters). Keyed by scheme.
   */
  readonly clientOptions?: Readonly<Record<string, Record<string, unknown>>>;
  /** Test hooks (absent in normal runs). */
  readonly hooks?: StoreHooks;
}

/** A provider module: what the registry loads lazily for a scheme (it may load an SDK). */
export interface ProviderModule {
  /** Builds a store for a parsed URI. Throws URI errors (exit 2) for malformed targets. */
  createStore(uri: RemoteUri, context: StoreContext): Store | Promise<Store>;
}

/** Environment variables as a read-only map. */
export type Environ = Readonly<Record<string, string | undefined>>;

/** Where a store's SDK would find credentials: a found source, or none found locally. */
export interface CredentialsFinding {
  readonly found: boolean;
  /** E.g. "AWS profile "dev" in ~/.aws/config (SSO)". Never a secret. */
  readonly source: string;
  /** What to do next. */
  readonly advice?: string;
}

/** The original sketch's flags (`--cloud`, `--secret-name`, …), which name a bundle remote. */
export interface SeedFlags {
  readonly cloud?: string;
  readonly secretName?: string;
  readonly region?: string;
  readonly projectId?: string;
  readonly vaultUrl?: string;
}

/**
 * Where External Secrets Operator reads a remote: one bundle secret, or one secret per
 * key. `property` names the field of each per-key secret that holds the value, for
 * stores whose secrets are maps (Vault's `value`); absent, the secret is the value.
 */
export type EsoRemoteRef =
  | { readonly layout: "bundle"; readonly key: string }
  | {
      readonly layout: "per-key";
      readonly names: ReadonlyMap<string, string>;
      readonly property?: string;
    };

/**
 * One online finding of {@link ProviderHooks.diagnose}: what the server says about the
 * credential itself (`token`) and what it may do on the remote (`permissions`). Never a
 * secret: no token, no value.
 */
export interface Diagnosis {
  readonly check: "token" | "permissions";
  readonly status: "ok" | "warn" | "fail" | "info";
  readonly message: string;
  /** What to do next (absent when nothing needs doing). */
  readonly advice?: string;
}

/** What a store can do, for one remote (the layout decides some of it). */
export interface Capabilities {
  /** Keeps versions envsync can list and restore (`history`, `rollback`). */
  readonly versions: boolean;
  /** A deleted name is held (soft delete, scheduled deletion) until recovered or purged. */
  readonly softDelete: boolean;
  /** Writes commit only on top of the version read, by the store itself or a lock (no window). */
  readonly compareAndSwap: boolean;
}

/**
 * What a provider tells envsync besides how to open a store. Hooks live in the
 * provider's own folder (`hooks.ts`) and load no SDK, so the registry imports them
 * eagerly; `ops/` asks them instead of switching on a scheme.
 */
export interface ProviderHooks {
  /** The URI forms, for help and error messages (e.g. `aws-sm://NAME?region=R`). */
  readonly example: string;
  /** What the store can do for `uri` (absent: no versions, no soft delete, no CAS). */
  capabilities?(uri: RemoteUri): Capabilities;
  /**
   * `doctor`: where credentials would come from, seen from environment variables and
   * well-known files only (never a network call). `cwd` is the folder relative remote
   * paths resolve against (the config's folder, as for the store). Absent: the store
   * needs none.
   */
  credentials?(uri: RemoteUri, env: Environ, home: string, cwd: string): CredentialsFinding;
  /**
   * The seed flags as a URI of this provider. `cloud` is the `--cloud` value it answers
   * to; `need(value, flag)` returns the value or throws the usage error naming the flag.
   */
  readonly seed?: {
    readonly cloud: string;
    toUri(seed: SeedFlags, need: (value: string | undefined, flag: string) => string): string;
  };
  /**
   * `export --format external-secret`: where ESO reads this remote, with the names the
   * store really writes (it may load the provider's own modules). Absent: ESO cannot.
   */
  remoteRef?(uri: RemoteUri, keys: readonly string[]): Promise<EsoRemoteRef>;
  /**
   * `doctor`, online checks (skipped with `--offline`): asks the server about the
   * credential (e.g. its TTL) and what it may do on `uri` (e.g. Vault's
   * `sys/capabilities-self`), without writing. May load the provider's own modules.
   */
  diagnose?(uri: RemoteUri, context: StoreContext): Promise<readonly Diagnosis[]>;
  /**
   * The URL the store's client will connect to when the URI or the environment names one
   * (an endpoint, a Vault address); undefined for the SDK's own default. Checked before any
   * request: plain `http://` to a host that is not loopback is refused (src/providers/plain-http.ts).
   * Absent: the URI's `endpoint=`.
   */
  address?(uri: RemoteUri, env: Environ): string | undefined;
  /** For stores kept in a local file: its path (doctor checks it is writable; export names manifests after it). */
  localPath?(uri: RemoteUri, cwd: string): string;
  /**
   * Other local files the store keeps beside {@link localPath} (dotenvx: `.env.keys`): a
   * command's local file may be none of them (src/ops/own-file.ts).
   */
  companionFiles?(uri: RemoteUri, cwd: string): string[];
  /**
   * Per-key stores that can list, read and adopt the entries under their prefix that
   * envsync does not manage (src/providers/foreign.ts): loads that module lazily (it may
   * load an SDK). Absent: the store has none.
   */
  foreign?(): Promise<ForeignModule>;
}

/** One entry under the prefix that envsync does not manage. */
export interface ForeignEntry {
  /** The store's name for it (`/myapp/DB_URL`, `myapp/DB_URL`). */
  readonly name: string;
  /** The key it would be in `.env`. */
  readonly key: string;
}

/** What a store says about the entries under its prefix that envsync does not manage. */
export interface ForeignAccess {
  /** "parameters" or "secrets". */
  readonly noun: string;
  /** The prefix as users know it (`/myapp/`). */
  readonly where: string;
  /** Lists them (metadata calls only, never values). */
  list(): Promise<ForeignEntry[]>;
  /** Reads their values without adopting them. */
  read(entries: readonly ForeignEntry[]): Promise<Map<string, string>>;
  /** Tags them as envsync's (after which every read includes them). */
  adopt(entries: readonly ForeignEntry[]): Promise<void>;
  /** Releases clients. */
  close?(): Promise<void>;
}

/** A store module that can list foreign entries. */
export interface ForeignModule {
  /** Null when the remote's layout has no prefix (a bundle). */
  openForeign(
    uri: RemoteUri,
    context: StoreContext,
  ): ForeignAccess | null | Promise<ForeignAccess | null>;
}
