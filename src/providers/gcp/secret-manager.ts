/**
 * Google Cloud Secret Manager store (`gcp-sm://`), loaded lazily by the registry.
 *
 * - `gcp-sm://PROJECT/SECRET` — bundle: the newest *enabled* version holds a JSON
 *   object of all keys; a write adds a version after checking that the newest
 *   version is still the one read.
 * - `gcp-sm://PROJECT/PREFIX*` — per-key: secret `PREFIXKEY` per key, labelled
 *   `managed-by=envsync`, the key name in the `envsync-key` annotation. Reads list the
 *   project once and access the versions with bounded parallelism; writes touch only
 *   changed keys, after checking each one's newest version.
 *
 * Credentials come only from Google ADC; `endpoint=http://HOST:PORT` talks plain text
 * to an emulator without credentials. The API is REST by default, gRPC with
 * `transport=grpc` (api.ts; see docs/providers/gcp.md).
 */
import { EnvsyncError } from "../../errors.js";
import { mapLimit } from "../parallel.js";
import { withRetry, type RetryPolicy } from "../retry.js";
import {
  bundleSnapshot,
  byteLength,
  checkBundleSize,
  checkBundleText,
  checkNames,
  checkValueSizes,
  patchedBundle,
} from "../rules.js";
import { utf8OrNull } from "../shared/json-bundle.js";
import type {
  ChangeSet,
  ReadHint,
  RemoteSnapshot,
  Store,
  StoreContext,
  StoreRules,
  UnreadableEntry,
  VersionInfo,
  WriteOptions,
  WriteResult,
} from "../types.js";
import { displayUri, type RemoteUri } from "../uri.js";
import { refuseCollisions } from "../shared/collisions.js";
import { confirmMissing, type ByName } from "../shared/confirm-absent.js";
import { guardKeys, refuseUnreadable } from "../shared/guard.js";
import type { ForeignAccess, ForeignEntry } from "../foreign.js";
import { createGsmApi, parseTransport, TRANSPORT_ENV, type GsmApi } from "./api.js";
import { Grpc, grpcCode, toEnvsyncError } from "./errors.js";
import {
  digestKeyVersions,
  KEY_ANNOTATION,
  MANAGED_LABEL,
  keyOfId,
  managedClaims,
  MAX_PAYLOAD_BYTES,
  parseEndpoint,
  parseGcpTarget,
  pickVersions,
  SECRET_ID_MAX,
  SECRET_ID_RULE,
  secretIdOf,
  versionIdOf,
  type GcpTarget,
  type ListedSecret,
} from "./target.js";

const NAME_RULE = "letters, digits, _ and -";

/** Environment variable read when the URI has no `endpoint=` (e.g. with the seed flags). */
export const ENDPOINT_ENV = "ENVSYNC_GCP_SM_ENDPOINT";

/** A version as read: which one was served, the newest one, and the payload. */
interface ReadVersion {
  /** The payload. */
  readonly data: Buffer;
  /** Version id served (the newest enabled one). */
  readonly served: string;
  /** Newest version id whatever its state (guards writes). */
  readonly newest: string;
}

/** Shared plumbing of both layouts: retries, call counting, version fallback. */
class GsmBase {
  /** API calls made so far (reads and writes), for tests and the bench. */
  calls = 0;
  protected readonly parent: string;
  private readonly policy: RetryPolicy;

  constructor(
    protected readonly api: GsmApi,
    protected readonly target: GcpTarget,
    readonly display: string,
    protected readonly ctx: StoreContext,
  ) {
    this.parent = `projects/${target.project}`;
    const r = ctx.retry ?? {};
    this.policy = {
      ...(r.maxAttempts === undefined ? {} : { maxAttempts: r.maxAttempts }),
      ...(r.maxDelayMs === undefined ? {} : { maxDelayMs: r.maxDelayMs }),
      ...(r.totalTimeoutMs === undefined ? {} : { totalTimeoutMs: r.totalTimeoutMs }),
    };
  }

  /** One API call, retried when transient. Errors are left raw (callers read their gRPC codes). */
  protected call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return withRetry(
      () => {
        this.calls++;
        return fn();
      },
      {
        policy: this.policy,
        onRetry: (attempt, delay) =>
          this.ctx.logger.debug(
            `gcp-sm: ${what} failed (attempt ${attempt}), retrying in ${delay} ms`,
          ),
      },
    );
  }

  protected secretName(secretId: string): string {
    return `${this.parent}/secrets/${secretId}`;
  }

  /** Every version of a secret (all pages). */
  protected async listVersionStates(
    secretId: string,
  ): Promise<{ id: string; state: string; createTime: Date | null }[]> {
    const out: { id: string; state: string; createTime: Date | null }[] = [];
    let token = "";
    do {
      const page = await this.call("ListSecretVersions", () =>
        this.api.listSecretVersions(this.secretName(secretId), token),
      );
      out.push(...page.versions);
      token = page.next;
    } while (token !== "");
    return out;
  }

  /**
   * Reads the newest enabled version of a secret. `latest` names the newest version
   * whatever its state; when that one is disabled or destroyed (FAILED_PRECONDITION)
   * the versions are listed and the newest enabled one is read, with a note.
   * Returns null when the secret is missing or has no version (NOT_FOUND is confirmed
   * by listing); throws NOT_FOUND (exit 1) when every version is disabled or destroyed.
   */
  protected async readLatestEnabled(
    secretId: string,
    notes: string[],
  ): Promise<ReadVersion | null> {
    const name = this.secretName(secretId);
    try {
      const res = await this.call("AccessSecretVersion", () =>
        this.api.accessSecretVersion(`${name}/versions/latest`),
      );
      const id = versionIdOf(res.name) ?? "";
      return { data: res.data, served: id, newest: id };
    } catch (e) {
      // NOT_FOUND alone does not prove absence (a secret whose versions are all
      // destroyed may answer it too): the version list below confirms it.
      if (grpcCode(e) !== Grpc.NOT_FOUND && grpcCode(e) !== Grpc.FAILED_PRECONDITION) throw e;
    }
    const versions = await this.listVersionStates(secretId).catch((e: unknown) => {
      if (grpcCode(e) === Grpc.NOT_FOUND) return [];
      throw e;
    });
    const { newest, newestEnabled } = pickVersions(versions);
    // No secret, or a secret without any version yet: absent.
    if (newest === null) return null;
    const newestState = versions.find((v) => v.id === newest)?.state.toLowerCase() ?? "unavailable";
    if (newestEnabled === null) {
      throw new EnvsyncError(
        "NOT_FOUND",
        `${this.display}: the secret ${secretId} has no enabled version (the latest, ${newest}, is ${newestState}); envsync will not treat it as absent.`,
        {
          hint: `Enable a version (\`gcloud secrets versions enable VERSION --secret ${secretId} --project ${this.target.project}\`), add one, or delete the secret if its keys should go.`,
        },
      );
    }
    const res = await this.call("AccessSecretVersion", () =>
      this.api.accessSecretVersion(`${name}/versions/${newestEnabled}`),
    );
    notes.push(
      `gcp-sm: ${secretId}: the latest version ${newest} is ${newestState}; read version ${newestEnabled}, the newest enabled one.`,
    );
    return { data: res.data, served: newestEnabled, newest };
  }

  /** The newest version id of a secret whatever its state; null when the secret or any version is missing. */
  protected async newestVersion(secretId: string): Promise<string | null> {
    try {
      const v = await this.call("GetSecretVersion", () =>
        this.api.getSecretVersion(`${this.secretName(secretId)}/versions/latest`),
      );
      return versionIdOf(v.name);
    } catch (e) {
      if (grpcCode(e) === Grpc.NOT_FOUND) return null;
      throw e;
    }
  }

  /** Creates a secret labelled `managed-by=envsync`; true when it was created, false when it already existed. */
  protected async createSecret(
    secretId: string,
    annotations: Record<string, string>,
  ): Promise<boolean> {
    try {
      await this.call("CreateSecret", () =>
        this.api.createSecret(
          this.parent,
          secretId,
          { [MANAGED_LABEL.key]: MANAGED_LABEL.value },
          annotations,
        ),
      );
      return true;
    } catch (e) {
      if (grpcCode(e) === Grpc.ALREADY_EXISTS) return false;
      throw e;
    }
  }

  protected async guarded<T>(action: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw toEnvsyncError(e, action, this.display, this.target.project);
    }
  }

  async close(): Promise<void> {
    await this.api.close();
  }
}

/** `gcp-sm://PROJECT/SECRET`: one secret whose newest enabled version holds a JSON object. */
export class GsmBundleStore extends GsmBase implements Store {
  readonly scheme = "gcp-sm";
  readonly layout = "bundle" as const;
  readonly rules: StoreRules = {
    maxValueBytes: MAX_PAYLOAD_BYTES,
    nameRule: "any key (one JSON object per secret)",
  };
  private readonly secretId: string;
  /** Newest version id as read → the version served then (the newest enabled one). */
  private readonly served = new Map<string, string>();

  constructor(
    api: GsmApi,
    target: GcpTarget & { layout: "bundle" },
    display: string,
    ctx: StoreContext,
  ) {
    super(api, target, display, ctx);
    this.secretId = target.secretId;
  }

  read(): Promise<RemoteSnapshot> {
    return this.guarded("read", async () => {
      const notes: string[] = [];
      const got = await this.readLatestEnabled(this.secretId, notes);
      if (got === null)
        return { exists: false, values: new Map(), version: null, keyVersions: new Map() };
      this.served.set(got.newest, got.served);
      return bundleSnapshot(this.bundleText(got.data), this.display, got.newest, notes);
    });
  }

  validate(next: ReadonlyMap<string, string>): void {
    checkBundleSize(
      next,
      MAX_PAYLOAD_BYTES,
      this.display,
      `gcp-sm://${this.target.project}/${this.secretId}_*`,
    );
  }

  write(
    changes: ChangeSet,
    expected: RemoteSnapshot,
    _options?: WriteOptions,
  ): Promise<WriteResult> {
    return this.guarded("write", async () => {
      const start = this.calls;
      if (changes.set.size === 0 && changes.delete.length === 0)
        return { version: expected.version, writeCalls: 0 };
      // A patch of the document read: what the plan does not name stays byte for byte.
      const text = patchedBundle(changes, expected);
      checkBundleText(
        text,
        MAX_PAYLOAD_BYTES,
        this.display,
        `gcp-sm://${this.target.project}/${this.secretId}_*`,
      );
      const read = expected.version;
      const current = await this.newestVersion(this.secretId);
      if (current !== read) throw this.changed(read, current);
      if (current === null) await this.createSecret(this.secretId, {});
      const served = read === null ? null : (this.served.get(read) ?? read);
      const version = await this.addVersion(text);
      if (await this.committed(version, read, served))
        return { version, writeCalls: this.calls - start };
      await this.withdraw(version, read);
      throw this.changed(read, version);
    });
  }

  private changed(read: string | null, now: string | null): EnvsyncError {
    return new EnvsyncError(
      "REMOTE_CHANGED",
      `${this.display} changed since it was read (version ${read ?? "none"} → ${now ?? "none"}); nothing was written that a reader takes as current.`,
      { hint: "Run the command again to merge the other change." },
    );
  }

  /** The bundle's payload as text; bytes that are not UTF-8 are refused, never replaced. */
  private bundleText(data: Buffer): string {
    const text = utf8OrNull(data);
    if (text === null)
      throw new EnvsyncError(
        "PARSE",
        `The secret ${this.display} holds bytes that are not UTF-8 text, not a JSON object.`,
        {
          hint: "envsync bundles are one JSON object in UTF-8; point the remote at another secret.",
        },
      );
    return text;
  }

  private async addVersion(payload: string | Buffer): Promise<string> {
    const data = typeof payload === "string" ? Buffer.from(payload, "utf8") : payload;
    const name = await this.call("AddSecretVersion", () =>
      this.api.addSecretVersion(this.secretName(this.secretId), data),
    );
    return versionIdOf(name) ?? "";
  }

  /**
   * AddSecretVersion has no compare-and-swap, so the order Google gives versions
   * decides (docs/RELIABILITY.md): a version commits when it is the one right after
   * the newest version read and the version served at that read is still enabled.
   * Every writer of the same read computes the same answer from the same list; the
   * others exit 5 and disable their version.
   */
  private async committed(
    version: string,
    read: string | null,
    served: string | null,
  ): Promise<boolean> {
    if (Number(version) !== Number(read ?? 0) + 1) return false;
    if (served === null) return true;
    const versions = await this.listVersionStates(this.secretId);
    return versions.some((v) => v.id === served && v.state === "ENABLED");
  }

  /**
   * A losing version is disabled, so readers (envsync reads the newest enabled
   * version) never take it. When it was the newest version, the newest enabled
   * content is added again on top, so other tools reading `versions/latest` keep
   * working; that copy commits by the same rule or is disabled too.
   */
  private async withdraw(version: string, read: string | null): Promise<void> {
    await this.disable(version);
    const versions = await this.listVersionStates(this.secretId);
    const { newest, newestEnabled } = pickVersions(versions);
    // Only the version that won our read is known to be committed: copy nothing else.
    if (newest !== version || newestEnabled === null) return;
    if (Number(newestEnabled) !== Number(read ?? 0) + 1) return;
    const res = await this.call("AccessSecretVersion", () =>
      this.api.accessSecretVersion(`${this.secretName(this.secretId)}/versions/${newestEnabled}`),
    );
    const copy = await this.addVersion(res.data.toString("utf8"));
    if (!(await this.committed(copy, version, newestEnabled))) await this.disable(copy);
  }

  private async disable(version: string): Promise<void> {
    await this.call("DisableSecretVersion", () =>
      this.api.disableSecretVersion(`${this.secretName(this.secretId)}/versions/${version}`),
    );
  }

  listVersions(): Promise<VersionInfo[]> {
    return this.guarded("list the versions of", async () => {
      const versions = await this.listVersionStates(this.secretId).catch((e: unknown) => {
        if (grpcCode(e) === Grpc.NOT_FOUND) return [];
        throw e;
      });
      const { newestEnabled } = pickVersions(versions);
      return versions
        .sort((a, b) => Number(b.id) - Number(a.id))
        .map((v) => ({
          id: v.id,
          createdAt: v.createTime,
          keyCount: null,
          current: v.id === newestEnabled,
          ...(v.state === "ENABLED" ? {} : { state: v.state.toLowerCase() }),
        }));
    });
  }

  readVersion(id: string): Promise<RemoteSnapshot> {
    return this.guarded(`read version ${id} of`, async () => {
      const res = await this.call("AccessSecretVersion", () =>
        this.api.accessSecretVersion(`${this.secretName(this.secretId)}/versions/${id}`),
      );
      return bundleSnapshot(this.bundleText(res.data), this.display, versionIdOf(res.name));
    });
  }
}

/** `gcp-sm://PROJECT/PREFIX*`: one secret `PREFIXKEY` per key. */
export class GsmPerKeyStore extends GsmBase implements Store {
  readonly scheme = "gcp-sm";
  readonly layout = "per-key" as const;
  readonly rules: StoreRules = {
    maxValueBytes: MAX_PAYLOAD_BYTES,
    nameRule: `secret ids of ${NAME_RULE}, at most ${SECRET_ID_MAX} characters including the prefix`,
  };
  private readonly prefix: string;

  constructor(
    api: GsmApi,
    private readonly perKey: GcpTarget & { layout: "per-key" },
    display: string,
    ctx: StoreContext,
  ) {
    super(api, perKey, display, ctx);
    this.prefix = perKey.prefix;
  }

  private idOf(key: string): string {
    return `${this.prefix}${key}`;
  }

  /**
   * The entries under the prefix that envsync does not manage, over this store's own
   * client (no second client; closing the access leaves the store's client open).
   */
  async foreign(): Promise<ForeignAccess> {
    const { foreignOver } = await import("./foreign.js");
    const access = foreignOver(this.perKey, this.display, this.ctx.concurrency, this.api);
    return { ...access, close: () => Promise.resolve() };
  }

  /**
   * Every envsync-managed secret under the prefix: key → secret id (all pages, filtered
   * here), and the unlabelled ones beside them (what the foreign access lists).
   */
  private async listManaged(): Promise<{
    managed: Map<string, string>;
    foreign: ForeignEntry[];
    listed: Map<string, ListedSecret>;
  }> {
    const all: ListedSecret[] = [];
    let token = "";
    do {
      const page = await this.call("ListSecrets", () => this.api.listSecrets(this.parent, token));
      all.push(...page.secrets);
      token = page.next;
    } while (token !== "");
    const foreign: ForeignEntry[] = [];
    for (const s of all) {
      const id = secretIdOf(s.name);
      if (!id.startsWith(this.prefix) || id.length === this.prefix.length) continue;
      if (s.labels[MANAGED_LABEL.key] === MANAGED_LABEL.value) continue;
      const key = keyOfId(id, this.prefix, s.annotations[KEY_ANNOTATION], false);
      if (key !== null) foreign.push({ name: id, key });
    }
    foreign.sort((a, b) => (a.name < b.name ? -1 : 1));
    const claims = managedClaims(all, this.prefix);
    // Two names that read as one key (managed or not) are refused, never guessed.
    refuseCollisions(
      [...claims, ...foreign],
      this.display,
      "Keep one secret per key: delete the other secret, or fix its envsync-key annotation so it names the key its id holds after the prefix; then run the command again.",
    );
    return {
      managed: new Map(claims.map((c) => [c.key, c.name])),
      foreign,
      listed: new Map(all.map((s) => [secretIdOf(s.name), s])),
    };
  }

  /**
   * The remote's version without reading a value (`run --watch` polls it): the
   * listing `read` makes (ListSecrets), then per managed secret one ListSecretVersions
   * page of size 1 (Google lists versions newest first), at most `concurrency` at a
   * time; no AccessSecretVersion. The digest is of key → secret id, annotations, etag
   * and the newest version's id, state and create time. When the newest version is not
   * enabled (a read then serves an older one), every version's id and state count, so
   * enabling or disabling an older one is seen too. Null when no managed secret is listed.
   */
  probeVersion(): Promise<string | null> {
    return this.guarded("probe", async () => {
      const { managed, listed } = await this.listManaged();
      const parts = await mapLimit([...managed], this.ctx.concurrency, async ([key, id]) => {
        let versions: { id: string; state: string; createTime: Date | null }[];
        try {
          const page = await this.call("ListSecretVersions", () =>
            this.api.listSecretVersions(this.secretName(id), "", 1),
          );
          versions = page.versions;
          if (versions[0]?.state !== "ENABLED" && page.next !== "")
            versions = await this.listVersionStates(id);
        } catch (e) {
          // Deleted since the listing: counted as gone.
          if (grpcCode(e) !== Grpc.NOT_FOUND) throw e;
          versions = [];
        }
        const s = listed.get(id);
        return [
          key,
          JSON.stringify([
            id,
            Object.entries(s?.annotations ?? {}).sort(),
            s?.etag ?? "",
            versions.map((v) => [v.id, v.state, v.createTime?.getTime() ?? null]),
          ]),
        ] as const;
      });
      return digestKeyVersions(new Map(parts));
    });
  }

  /**
   * Known keys the listing left out, asked for by name: found, absent (no secret or no
   * version), or unknown when every version is disabled or destroyed.
   */
  private async readByName(keys: readonly string[], notes: string[]): Promise<Map<string, ByName>> {
    const out = new Map<string, ByName>();
    await mapLimit(keys, this.ctx.concurrency, async (key) => {
      try {
        const got = await this.readLatestEnabled(this.idOf(key), notes);
        // Bytes that are not UTF-8 are never read through U+FFFD: left alone, as the listing's are.
        const text = got === null ? null : utf8OrNull(got.data);
        out.set(
          key,
          got === null
            ? { state: "absent" }
            : text === null
              ? { state: "unknown", why: "its payload is not UTF-8 text" }
              : { state: "found", value: text, version: got.newest },
        );
      } catch (e) {
        if (!(e instanceof EnvsyncError) || e.code !== "NOT_FOUND") throw e;
        out.set(key, { state: "unknown", why: "no version of it is enabled" });
      }
    });
    return out;
  }

  read(hint: ReadHint = {}): Promise<RemoteSnapshot> {
    return this.guarded("read", async () => {
      const listed = await this.listManaged();
      const managed = [...listed.managed];
      const notes: string[] = [];
      const read = await mapLimit(managed, this.ctx.concurrency, async ([key, id]) => ({
        key,
        id,
        got: await this.readLatestEnabled(id, notes),
      }));
      const values = new Map<string, string>();
      const keyVersions = new Map<string, string>();
      const unreadable: UnreadableEntry[] = [];
      for (const { key, id, got } of read) {
        if (got === null) continue;
        keyVersions.set(key, got.newest);
        // Bytes that are not UTF-8 are reported, never read through U+FFFD.
        const text = utf8OrNull(got.data);
        if (text === null) unreadable.push({ key, name: id, why: "its payload is not UTF-8 text" });
        else values.set(key, text);
      }
      // ListSecrets is eventually consistent: a known key it leaves out is asked by name.
      const confirmed = await confirmMissing(
        hint.knownKeys,
        // Marked or not: a secret listed without the mark is foreign, not missing.
        new Set([...managed.map(([key]) => key), ...listed.foreign.map((f) => f.key)]),
        (keys) => this.readByName(keys, notes),
      );
      for (const [key, { value, version }] of confirmed.found) {
        values.set(key, value);
        keyVersions.set(key, version);
      }
      return {
        exists: managed.length > 0 || confirmed.found.size > 0,
        values,
        version: digestKeyVersions(keyVersions),
        keyVersions,
        notes,
        ...(confirmed.unconfirmed.length > 0 ? { unconfirmed: confirmed.unconfirmed } : {}),
        ...(confirmed.notes.length > 0 ? { warnings: confirmed.notes } : {}),
        foreign: listed.foreign,
        ...(unreadable.length > 0 ? { unreadable } : {}),
      };
    });
  }

  validate(_next: ReadonlyMap<string, string>, changes: ChangeSet): void {
    checkNames(
      [...changes.set.keys(), ...changes.delete].map((key) => ({ key, name: this.idOf(key) })),
      SECRET_ID_RULE,
      SECRET_ID_MAX,
      NAME_RULE,
      this.display,
    );
    checkValueSizes(changes.set, MAX_PAYLOAD_BYTES, this.display);
    for (const [key, value] of changes.set) {
      if (byteLength(value) === 0) {
        throw new EnvsyncError(
          "LIMIT",
          `The value of ${key} is empty; Google Secret Manager cannot store an empty secret version.`,
          {
            hint: `Give ${key} a value, remove it, or use the bundle layout (gcp-sm://${this.target.project}/SECRET), which stores empty values.`,
          },
        );
      }
    }
  }

  write(
    changes: ChangeSet,
    expected: RemoteSnapshot,
    _options?: WriteOptions,
  ): Promise<WriteResult> {
    return this.guarded("write", async () => {
      const start = this.calls;
      // Only keys whose value differs from what was read are written.
      const sets = [...changes.set].filter(
        ([k, v]) => expected.values.get(k) !== v || !expected.keyVersions.has(k),
      );
      const deletes = changes.delete.filter(
        (k) => expected.keyVersions.has(k) || expected.values.has(k),
      );
      this.validate(expected.values, { set: new Map(sets), delete: deletes });
      refuseUnreadable(changes, expected, this.display);
      const touched = [...sets.map(([k]) => k), ...deletes];

      // Check every touched key before writing any: still the version read, and ours to touch.
      const states = await mapLimit(touched, this.ctx.concurrency, async (key) => {
        const id = this.idOf(key);
        let secret: ListedSecret | null;
        try {
          secret = await this.call("GetSecret", () => this.api.getSecret(this.secretName(id)));
        } catch (e) {
          if (grpcCode(e) !== Grpc.NOT_FOUND) throw e;
          secret = null;
        }
        if (secret && secret.labels[MANAGED_LABEL.key] !== MANAGED_LABEL.value)
          return { key, foreign: true, exists: true, newest: null };
        const newest = secret ? await this.newestVersion(id) : null;
        return { key, foreign: false, exists: secret !== null, newest };
      });
      guardKeys(
        states.map((s) => ({
          key: s.key,
          name: this.idOf(s.key),
          foreign: s.foreign,
          version: s.newest,
        })),
        expected.keyVersions,
        this.display,
        { item: "secret", mark: "label" },
      );
      const exists = new Map(states.map((s) => [s.key, s.exists]));

      const written = new Map<string, string>();
      await mapLimit(sets, this.ctx.concurrency, async ([key, value]) => {
        const id = this.idOf(key);
        if (!exists.get(key)) await this.createSecret(id, { [KEY_ANNOTATION]: key });
        const name = await this.call("AddSecretVersion", () =>
          this.api.addSecretVersion(this.secretName(id), Buffer.from(value, "utf8")),
        );
        written.set(key, versionIdOf(name) ?? "");
      });
      await mapLimit(deletes, this.ctx.concurrency, async (key) => {
        if (!exists.get(key)) return;
        try {
          await this.call("DeleteSecret", () =>
            this.api.deleteSecret(this.secretName(this.idOf(key))),
          );
        } catch (e) {
          if (grpcCode(e) !== Grpc.NOT_FOUND) throw e;
        }
      });

      const after = new Map(expected.keyVersions);
      for (const k of deletes) after.delete(k);
      for (const [k, v] of written) after.set(k, v);
      return {
        version: digestKeyVersions(after),
        keyVersions: written,
        writeCalls: this.calls - start,
      };
    });
  }
}

/** A store over an existing {@link GsmApi} (tests and the bench inject a counting one). */
export function createGsmStore(
  uri: RemoteUri,
  ctx: StoreContext,
  api: GsmApi,
): GsmBundleStore | GsmPerKeyStore {
  const target = parseGcpTarget(uri.target);
  const display = displayUri(uri);
  return target.layout === "bundle"
    ? new GsmBundleStore(api, target, display, ctx)
    : new GsmPerKeyStore(api, target, display, ctx);
}

/** Builds the store for a `gcp-sm://` URI (the registry's entry point). */
export function createStore(uri: RemoteUri, ctx: StoreContext): Store {
  parseGcpTarget(uri.target);
  const endpoint = parseEndpoint(uri.params.get("endpoint") ?? ctx.env[ENDPOINT_ENV]);
  const transport = parseTransport(uri.params.get("transport") ?? ctx.env[TRANSPORT_ENV]);
  const api = createGsmApi(
    endpoint,
    ctx.clientOptions?.["gcp-sm"] ?? {},
    ctx.requestTimeoutMs,
    transport,
  );
  return createGsmStore(uri, ctx, api);
}
