/**
 * HashiCorp Vault / OpenBao KV store (`vault://`), loaded lazily by the registry.
 *
 * - `vault://HOST/MOUNT/PATH` — bundle: one secret whose data map holds every key.
 *   KV v2 writes carry `cas` = the version read (0 to create), so a concurrent write
 *   makes ours fail (exit 5) with nothing written: atomic by construction.
 * - `vault://HOST/MOUNT/PREFIX/*` — per-key: secret `PREFIX/KEY` per key, field
 *   `value`, `custom_metadata` `managed-by=envsync`. Reads list the prefix once and
 *   read keys with bounded parallelism; writes check every touched key's version
 *   first, then write each with `cas`. Deletes are soft (`delete` of the version
 *   read); `--purge` destroys every version (metadata delete).
 * - KV v1 mounts (detected, or `kv=1`) keep no versions: a content hash stands in,
 *   and each write re-reads first — a weaker guard (a write can land between the
 *   re-read and ours), documented in docs/providers/vault.md.
 */
import { EnvsyncError, isEnvsyncError } from "../../errors.js";
import { mapLimit } from "../parallel.js";
import {
  bundleSnapshot,
  checkBundleSize,
  checkBundleText,
  checkNames,
  checkValueSizes,
} from "../rules.js";
import { refuseUnreadable } from "../shared/guard.js";
import { jsonMemberText, parseBundle, patchBundle } from "../shared/json-bundle.js";
import type {
  ChangeSet,
  Diagnosis,
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
import { RawJson, VaultClient, VaultHttpError } from "./client.js";
import {
  capabilitiesFrom,
  pathsOf,
  permissionsDiagnosis,
  rejectedTokenDiagnosis,
  requirements,
  tokenDiagnosis,
} from "./diagnose.js";
import { isCasMismatch, toEnvsyncError } from "./errors.js";
import {
  checkParams,
  contentVersion,
  digestKeyVersions,
  encodePath,
  KEY_NAME_MAX,
  KEY_NAME_RULE,
  KEY_NAME_TEXT,
  MANAGED,
  MAX_SECRET_BYTES,
  parseKvParam,
  parseVaultTarget,
  resolveAddress,
  VALUE_FIELD,
  type VaultTarget,
} from "./target.js";

/** Where the remote lives once the server has said which mount serves it. */
interface Located {
  /** Mount path without slashes, e.g. `secret` or `team/kv`. */
  readonly mount: string;
  /** Path inside the mount, no leading or trailing slash ("" for a per-key prefix at the root). */
  readonly rel: string;
  readonly kv: 1 | 2;
}

type Json = Record<string, unknown>;

const obj = (v: unknown): Json | null =>
  v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Json) : null;

/** A 404 that means "no such secret" (not "no such mount", which Vault also answers 404). */
function isAbsent(e: unknown): e is VaultHttpError {
  return (
    e instanceof VaultHttpError &&
    e.status === 404 &&
    !e.errors.some((m) => /no handler for route|unsupported path/i.test(m))
  );
}

const changedHint = "Nothing was written. Run the command again to merge the other change.";

/** Shared plumbing of both layouts: locating the mount, paths, error mapping. */
class VaultBase {
  readonly scheme = "vault";
  private located: Promise<Located> | null = null;
  protected loc: Located | null = null;

  constructor(
    readonly client: VaultClient,
    protected readonly target: VaultTarget,
    readonly display: string,
    protected readonly ctx: StoreContext,
    private readonly kvParam: 1 | 2 | null,
  ) {}

  /** Requests made so far (tests and the bench). */
  get calls(): number {
    return this.client.calls;
  }

  /**
   * Asks the server which mount serves the path and its KV version (what `vault kv`
   * does, via sys/internal/ui/mounts), unless the URI fixes it with `kv=`.
   */
  protected locate(): Promise<Located> {
    this.located ??= (async () => {
      const segs = this.target.segments;
      const fallback = (kv: 1 | 2): Located => ({
        mount: segs[0] ?? "",
        rel: segs.slice(1).join("/"),
        kv,
      });
      if (this.kvParam !== null) return fallback(this.kvParam);
      const full = segs.join("/");
      let res;
      try {
        res = await this.client.request("GET", `sys/internal/ui/mounts/${encodePath(full)}`);
      } catch (e) {
        // Servers without the endpoint, or a policy that does not cover it: take the first
        // segment as a KV v2 mount; the real call then says what is wrong (no such mount, denied).
        if (e instanceof VaultHttpError && [403, 404, 405].includes(e.status) && !e.sealed) {
          this.ctx.logger.debug(
            `vault: the mount lookup for ${full} answered HTTP ${e.status}; assuming the KV v2 mount "${segs[0] ?? ""}" (set kv=1 or kv=2 to skip the lookup)`,
          );
          return fallback(2);
        }
        throw e;
      }
      const data = obj(res.body?.data);
      const path = typeof data?.path === "string" ? data.path.replace(/\/+$/, "") : "";
      const type = typeof data?.type === "string" ? data.type : "";
      if (type !== "kv" && type !== "generic" && type !== "")
        throw new EnvsyncError(
          "URI",
          `${this.display}: the mount "${path}" is a ${type} engine, not KV.`,
          {
            hint: "Point the remote at a KV mount (`vault secrets list` shows each mount's type).",
          },
        );
      const version = obj(data?.options)?.version;
      const kv: 1 | 2 = version === "2" ? 2 : 1;
      if (path === "" || !(full === path || full.startsWith(`${path}/`))) return fallback(kv);
      return { mount: path, rel: full.slice(path.length + 1), kv };
    })();
    return this.located.then((l) => (this.loc = l));
  }

  protected dataPath(l: Located, rel: string): string {
    return l.kv === 2 ? `${l.mount}/data/${encodePath(rel)}` : `${l.mount}/${encodePath(rel)}`;
  }
  protected metaPath(l: Located, rel: string): string {
    return `${l.mount}/metadata/${encodePath(rel)}`;
  }

  /** Runs `fn`, mapping failures; a 403 first asks whether the token itself is still valid. */
  protected async guarded<T>(action: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      let tokenRejected = false;
      if (e instanceof VaultHttpError && e.status === 403) {
        tokenRejected = await this.client
          .request("GET", "auth/token/lookup-self")
          .then(() => false)
          .catch((x: unknown) => x instanceof VaultHttpError && x.status === 403);
      }
      const l = this.loc;
      const segs = this.target.segments;
      const mount = l?.mount ?? segs[0] ?? "";
      const rel = l?.rel ?? segs.slice(1).join("/");
      const path =
        (l?.kv ?? 2) === 2
          ? `${mount}/data/${rel}${this.target.layout === "per-key" ? "/*" : ""}`
          : `${mount}/${rel}`;
      throw toEnvsyncError(e, {
        action,
        display: this.display,
        address: this.client.address,
        mount,
        path: path.replace(/\/\/+/g, "/"),
        tokenRejected,
      });
    }
  }

  /** Reads a KV v2 secret: data and version; a soft-deleted or destroyed current version reads as data null. */
  protected async readV2(
    l: Located,
    rel: string,
    version?: string,
  ): Promise<{
    data: Json | null;
    /** The data map's exact JSON text as the server sent it (null with `data`). */
    dataText: string | null;
    version: number;
    custom: Json | null;
    state?: string;
  } | null> {
    try {
      const res = await this.client.request(
        "GET",
        `${this.dataPath(l, rel)}${version === undefined ? "" : `?version=${encodeURIComponent(version)}`}`,
      );
      const d = obj(res.body?.data);
      const meta = obj(d?.metadata);
      const data = obj(d?.data);
      return {
        data,
        dataText: data === null ? null : (jsonMemberText(res.text, ["data", "data"]) ?? null),
        version: Number(meta?.version ?? 0),
        custom: obj(meta?.custom_metadata),
      };
    } catch (e) {
      if (isAbsent(e)) {
        const meta = obj(obj(e.data)?.metadata);
        const v = Number(meta?.version ?? 0);
        if (!meta || !(v > 0)) return null;
        return {
          data: null,
          dataText: null,
          version: v,
          custom: obj(meta.custom_metadata),
          state: meta.destroyed === true ? "destroyed" : "deleted",
        };
      }
      throw e;
    }
  }

  /** Reads a KV v1 secret's data, or null when absent. */
  protected async readV1(l: Located, rel: string): Promise<Json | null> {
    return (await this.readV1Doc(l, rel))?.data ?? null;
  }

  /** Reads a KV v1 secret's data and its exact JSON text, or null when absent. */
  protected async readV1Doc(l: Located, rel: string): Promise<{ data: Json; text: string } | null> {
    try {
      const res = await this.client.request("GET", this.dataPath(l, rel));
      const data = obj(res.body?.data) ?? {};
      return { data, text: jsonMemberText(res.text, ["data"]) ?? JSON.stringify(data) };
    } catch (e) {
      if (isAbsent(e)) return null;
      throw e;
    }
  }

  /** A KV v2 write with check-and-set; returns the new version. A CAS mismatch is REMOTE_CHANGED. */
  protected async writeV2(
    l: Located,
    rel: string,
    data: Json | RawJson,
    cas: number,
    what: string,
  ): Promise<number> {
    try {
      const body =
        data instanceof RawJson
          ? new RawJson(`{"data":${data.text},"options":{"cas":${cas}}}`)
          : { data, options: { cas } };
      const res = await this.client.request("POST", this.dataPath(l, rel), body);
      return Number(obj(res.body?.data)?.version ?? 0);
    } catch (e) {
      if (isCasMismatch(e))
        throw new EnvsyncError(
          "REMOTE_CHANGED",
          `${what} changed in ${this.display} since it was read (check-and-set ${cas} refused).`,
          {
            cause: e,
            hint: changedHint,
          },
        );
      throw e;
    }
  }

  /**
   * `doctor`'s online checks: the token (`auth/token/lookup-self`) and what it may do
   * on this remote (`sys/capabilities-self`). Reads metadata only; writes nothing.
   */
  async diagnose(): Promise<Diagnosis[]> {
    let lookup;
    try {
      lookup = await this.client.request("GET", "auth/token/lookup-self");
    } catch (e) {
      const source = this.client.tokenSource ?? "the environment";
      if (e instanceof VaultHttpError && e.status === 403)
        return [rejectedTokenDiagnosis(source, this.client.address)];
      const err = isEnvsyncError(e)
        ? e
        : toEnvsyncError(e, {
            action: "look up the token for",
            display: this.display,
            address: this.client.address,
            mount: this.target.segments[0] ?? "",
            path: "auth/token/lookup-self",
          });
      return [
        {
          check: "token",
          status: "fail",
          message: err.message,
          ...(err.hint ? { advice: err.hint } : {}),
        },
      ];
    }
    const source = this.client.tokenSource ?? "the environment";
    const out: Diagnosis[] = [tokenDiagnosis(obj(lookup.body?.data), source)];
    const l = await this.guarded("locate", () => this.locate());
    const target = { mount: l.mount, rel: l.rel, kv: l.kv, layout: this.target.layout };
    const paths = pathsOf(requirements(target));
    try {
      const r = await this.client.request("POST", "sys/capabilities-self", { paths });
      out.push(permissionsDiagnosis(target, capabilitiesFrom(r.body, paths), this.display));
    } catch (e) {
      out.push({
        check: "permissions",
        status: "warn",
        message: `could not ask what the token may do (sys/capabilities-self answered ${e instanceof VaultHttpError ? `HTTP ${e.status}` : "with an error"})`,
        advice:
          "The default policy allows sys/capabilities-self; a token without it can still work. `vault token capabilities PATH` answers the same question.",
      });
    }
    return out;
  }

  async close(): Promise<void> {
    this.client.close();
    return Promise.resolve();
  }
}

/** `vault://HOST/MOUNT/PATH`: one secret whose data map holds every key. */
export class VaultBundleStore extends VaultBase implements Store {
  readonly layout = "bundle" as const;
  readonly rules: StoreRules = {
    maxValueBytes: MAX_SECRET_BYTES,
    nameRule: "any key (one data map per secret)",
  };

  read(): Promise<RemoteSnapshot> {
    return this.guarded("read", async () => {
      const l = await this.locate();
      if (l.kv === 1) {
        const got = await this.readV1Doc(l, l.rel);
        if (got === null)
          return { exists: false, values: new Map(), version: null, keyVersions: new Map() };
        return bundleSnapshot(got.text, this.display, contentVersion(got.data));
      }
      const got = await this.readV2(l, l.rel);
      if (got === null)
        return { exists: false, values: new Map(), version: null, keyVersions: new Map() };
      if (got.data === null) {
        // The current version is deleted or destroyed: absent, but a write must build on it.
        return {
          exists: false,
          values: new Map(),
          version: String(got.version),
          keyVersions: new Map(),
          notes: [
            `vault: the current version ${got.version} of ${this.display} is ${got.state}; a write creates version ${got.version + 1}.`,
          ],
        };
      }
      return bundleSnapshot(
        got.dataText ?? JSON.stringify(got.data),
        this.display,
        String(got.version),
      );
    });
  }

  validate(next: ReadonlyMap<string, string>): void {
    const segs = this.target.segments;
    checkBundleSize(
      next,
      MAX_SECRET_BYTES,
      this.display,
      `vault://${this.target.host}/${segs.join("/")}/*`,
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
      // A patch of the data map read: other keys keep their JSON type and text (8080,
      // true, null, objects), names .env cannot hold stay; a rollback writes the
      // version's own map.
      const segs = this.target.segments;
      const text = changes.restore
        ? changes.restore.text
        : patchBundle(
            expected.document ??
              (expected.exists
                ? bundleSnapshot(JSON.stringify(Object.fromEntries(expected.values)), "", null)
                    .document
                : undefined),
            changes,
          );
      checkBundleText(
        text,
        MAX_SECRET_BYTES,
        this.display,
        `vault://${this.target.host}/${segs.join("/")}/*`,
      );
      const data = new RawJson(text);
      const parsed = JSON.parse(text) as Json;
      const l = await this.locate();
      if (l.kv === 1) {
        const now = await this.readV1(l, l.rel);
        const current = now === null ? null : contentVersion(now);
        if (current !== expected.version)
          throw new EnvsyncError("REMOTE_CHANGED", `${this.display} changed since it was read.`, {
            hint: changedHint,
          });
        // KV v1 refuses an empty data map ("missing data fields"): no keys means no secret.
        if (Object.keys(parsed).length === 0) {
          await this.client.request("DELETE", this.dataPath(l, l.rel));
          return { version: null, writeCalls: this.calls - start };
        }
        await this.client.request("POST", this.dataPath(l, l.rel), data);
        // No CAS on KV v1: read back, so a writer that replaced ours at the same moment
        // makes this run exit 5 (and re-run) instead of recording a change that is gone.
        const back = await this.readV1(l, l.rel);
        if (back === null || contentVersion(back) !== contentVersion(parsed))
          throw new EnvsyncError(
            "REMOTE_CHANGED",
            `Another writer replaced ${this.display} while envsync wrote it (KV v1 has no check-and-set).`,
            { hint: "Run the command again to merge the other change; KV v2 makes writes atomic." },
          );
        return { version: contentVersion(parsed), writeCalls: this.calls - start };
      }
      const cas = expected.version === null ? 0 : Number(expected.version);
      const version = await this.writeV2(l, l.rel, data, cas, "The secret");
      return { version: String(version), writeCalls: this.calls - start };
    });
  }

  /**
   * What `run --watch` polls: on KV v2 the secret's metadata (`current_version` and its
   * state), never its data; KV v1 keeps no metadata, so a read whose content hash stands in.
   */
  async probeVersion(): Promise<string | null> {
    const l = await this.guarded("locate", () => this.locate());
    if (l.kv === 1) return (await this.read()).version;
    const current = (await this.listVersions()).find((v) => v.current);
    return current?.id ?? null;
  }

  listVersions(): Promise<VersionInfo[]> {
    return this.guarded("list the versions of", async () => {
      const l = await this.kv2Only();
      let meta: Json | null;
      try {
        meta = obj((await this.client.request("GET", this.metaPath(l, l.rel))).body?.data);
      } catch (e) {
        if (isAbsent(e)) return [];
        throw e;
      }
      const current = Number(meta?.current_version ?? 0);
      const versions = obj(meta?.versions) ?? {};
      return Object.entries(versions)
        .map(([id, v]) => {
          const info = obj(v) ?? {};
          const state =
            info.destroyed === true ? "destroyed" : info.deletion_time ? "deleted" : undefined;
          const created =
            typeof info.created_time === "string" ? new Date(info.created_time) : null;
          return {
            id,
            createdAt: created,
            keyCount: null,
            current: Number(id) === current && state === undefined,
            ...(state ? { state } : {}),
          };
        })
        .sort((a, b) => Number(b.id) - Number(a.id));
    });
  }

  readVersion(id: string): Promise<RemoteSnapshot> {
    return this.guarded(`read version ${id} of`, async () => {
      const l = await this.kv2Only();
      if (!/^\d+$/.test(id))
        throw new EnvsyncError("USAGE", `"${id}" is not a version of ${this.display}.`, {
          hint: "KV v2 versions are numbers; `envsync history` lists them.",
        });
      const got = await this.readV2(l, l.rel, id);
      if (got === null || got.version !== Number(id))
        throw new EnvsyncError("NOT_FOUND", `${this.display} has no version ${id}.`, {
          hint: "`envsync history` lists the versions the server keeps (max_versions may have dropped older ones).",
        });
      if (got.data === null)
        throw new EnvsyncError("NOT_FOUND", `Version ${id} of ${this.display} is ${got.state}.`, {
          hint: `A deleted version can be restored with \`vault kv undelete -versions=${id} ${l.mount}/${l.rel}\`; a destroyed one is gone.`,
        });
      return bundleSnapshot(
        got.dataText ?? JSON.stringify(got.data),
        this.display,
        String(got.version),
      );
    });
  }

  private async kv2Only(): Promise<Located> {
    const l = await this.locate();
    if (l.kv === 1)
      throw new EnvsyncError(
        "USAGE",
        `${this.display} is on a KV v1 mount, which keeps no versions.`,
        {
          hint: "Upgrade the mount to KV v2 (`vault kv enable-versioning MOUNT`) to get history and rollback.",
        },
      );
    return l;
  }
}

/** One touched key as checked before a per-key write. */
interface KeyState {
  readonly key: string;
  readonly exists: boolean;
  readonly foreign: boolean;
  /** Current version (KV v2) or content hash (KV v1); null when the key has none. */
  readonly current: string | null;
  /** The current data map's exact JSON text (undefined when absent or deleted). */
  readonly text?: string;
}

/** `vault://HOST/MOUNT/PREFIX/*`: one secret `PREFIX/KEY` per key, field `value`. */
export class VaultPerKeyStore extends VaultBase implements Store {
  readonly layout = "per-key" as const;
  /** `PATH@VERSION` -> that version's data map as read (what an update patches). */
  private readonly texts = new Map<string, string>();
  readonly rules: StoreRules = {
    maxValueBytes: MAX_SECRET_BYTES,
    nameRule: `${KEY_NAME_TEXT}, at most ${KEY_NAME_MAX} characters`,
  };

  private keyRel(l: Located, key: string): string {
    return l.rel === "" ? key : `${l.rel}/${key}`;
  }

  private isManaged(l: Located, custom: Json | null, data: Json | null): boolean {
    const source = l.kv === 2 ? custom : data;
    return source?.[MANAGED.key] === MANAGED.value;
  }

  /** The secret names under the prefix (folders left out); empty when the prefix holds nothing. */
  private async list(l: Located): Promise<string[]> {
    const base = l.kv === 2 ? `${l.mount}/metadata` : l.mount;
    const path = l.rel === "" ? `${base}/` : `${base}/${encodePath(l.rel)}/`;
    try {
      const res = await this.client.request("GET", `${path}?list=true`);
      const keys = obj(res.body?.data)?.keys;
      return Array.isArray(keys) ? keys.map(String).filter((k) => !k.endsWith("/")) : [];
    } catch (e) {
      if (isAbsent(e)) return [];
      throw e;
    }
  }

  read(): Promise<RemoteSnapshot> {
    return this.guarded("read", async () => {
      const l = await this.locate();
      const names = await this.list(l);
      const notes: string[] = [];
      const values = new Map<string, string>();
      const keyVersions = new Map<string, string>();
      const foreign: string[] = [];
      const unreadable: UnreadableEntry[] = [];
      const noValue = (key: string, rel: string): void =>
        void unreadable.push({
          key,
          name: rel,
          why: `its data has no string "${VALUE_FIELD}" field`,
        });
      let managed = 0;
      await mapLimit(names, this.ctx.concurrency, async (key) => {
        const rel = this.keyRel(l, key);
        if (l.kv === 1) {
          const data = await this.readV1(l, rel);
          if (data === null) return;
          if (!this.isManaged(l, null, data)) return void foreign.push(key);
          managed++;
          keyVersions.set(key, contentVersion(data));
          if (typeof data[VALUE_FIELD] === "string") values.set(key, data[VALUE_FIELD]);
          else noValue(key, rel);
          return;
        }
        const got = await this.readV2(l, rel);
        if (got === null) return;
        if (!this.isManaged(l, got.custom, null)) return void foreign.push(key);
        managed++;
        // Guard writes by the current version even when it is deleted (a re-add builds on it).
        keyVersions.set(key, String(got.version));
        if (got.data === null) return;
        if (got.dataText !== null) this.texts.set(`${rel}@${got.version}`, got.dataText);
        const v = got.data[VALUE_FIELD];
        if (typeof v === "string") values.set(key, v);
        else noValue(key, rel);
      });
      if (foreign.length > 0)
        notes.push(
          `vault: ${foreign.length} secret(s) under ${this.display} lack ${MANAGED.key}=${MANAGED.value} and are left alone: ${foreign.sort().join(", ")}.`,
        );
      return {
        exists: managed > 0,
        values,
        version: digestKeyVersions(keyVersions),
        keyVersions,
        notes,
        // Entries that lost the mark stay visible: a key that was envsync's is then
        // "no longer marked", never "deleted on the remote".
        foreign: foreign.map((key) => ({ name: this.keyRel(l, key), key })),
        ...(unreadable.length > 0 ? { unreadable } : {}),
      };
    });
  }

  /**
   * What `run --watch` polls. KV v2: a LIST of the prefix's metadata, then each key's
   * metadata (current_version, and whether that version is deleted or destroyed), in
   * parallel; no data read. A digest of the managed keys'. KV v1 keeps no metadata: a read.
   */
  async probeVersion(): Promise<string | null> {
    const l = await this.guarded("read", () => this.locate());
    if (l.kv === 1) return (await this.read()).version;
    return this.guarded("read", async () => {
      const versions = new Map<string, string>();
      await mapLimit(await this.list(l), this.ctx.concurrency, async (key) => {
        let meta: Json | null;
        try {
          const res = await this.client.request("GET", this.metaPath(l, this.keyRel(l, key)));
          meta = obj(res.body?.data);
        } catch (e) {
          if (isAbsent(e)) return;
          throw e;
        }
        if (!this.isManaged(l, obj(meta?.custom_metadata), null)) return;
        const v = String(Number(meta?.current_version ?? 0));
        const cur = obj(obj(meta?.versions)?.[v]);
        versions.set(key, `${v}:${JSON.stringify([cur?.deletion_time, cur?.destroyed])}`);
      });
      return digestKeyVersions(versions);
    });
  }

  validate(_next: ReadonlyMap<string, string>, changes: ChangeSet): void {
    checkNames(
      [...changes.set.keys(), ...changes.delete].map((key) => ({ key, name: key })),
      KEY_NAME_RULE,
      KEY_NAME_MAX,
      KEY_NAME_TEXT,
      this.display,
    );
    checkValueSizes(changes.set, MAX_SECRET_BYTES, this.display);
  }

  private async state(l: Located, key: string): Promise<KeyState> {
    const rel = this.keyRel(l, key);
    if (l.kv === 1) {
      const got = await this.readV1Doc(l, rel);
      if (got === null) return { key, exists: false, foreign: false, current: null };
      return {
        key,
        exists: true,
        foreign: !this.isManaged(l, null, got.data),
        current: contentVersion(got.data),
        text: got.text,
      };
    }
    let meta: Json | null;
    try {
      meta = obj((await this.client.request("GET", this.metaPath(l, rel))).body?.data);
    } catch (e) {
      if (isAbsent(e)) return { key, exists: false, foreign: false, current: null };
      throw e;
    }
    const v = Number(meta?.current_version ?? 0);
    const foreign = !this.isManaged(l, obj(meta?.custom_metadata), null);
    // The data map an update patches (its other fields stay): as read at that version,
    // else read now; absent when deleted.
    let text = v > 0 ? this.texts.get(`${rel}@${v}`) : undefined;
    if (text === undefined && v > 0 && !foreign)
      text = (await this.readV2(l, rel))?.dataText ?? undefined;
    return {
      key,
      exists: true,
      foreign,
      current: v > 0 ? String(v) : null,
      ...(text ? { text } : {}),
    };
  }

  write(
    changes: ChangeSet,
    expected: RemoteSnapshot,
    options?: WriteOptions,
  ): Promise<WriteResult> {
    return this.guarded("write", async () => {
      const start = this.calls;
      const sets = [...changes.set].filter(
        ([k, v]) => expected.values.get(k) !== v || !expected.keyVersions.has(k),
      );
      const deletes = changes.delete.filter((k) => expected.values.has(k));
      this.validate(expected.values, { set: new Map(sets), delete: deletes });
      // A secret without a string `value` is overwritten only when the user confirmed (--yes).
      refuseUnreadable(
        changes,
        expected,
        this.display,
        () => options?.overwriteUnreadable === true,
      );
      const l = await this.locate();
      const touched = [...sets.map(([k]) => k), ...deletes];

      // Check every touched key before writing any: ours to touch, and still the version read.
      const states = await mapLimit(touched, this.ctx.concurrency, (key) => this.state(l, key));
      const foreign = states.filter((s) => s.foreign).map((s) => this.keyRel(l, s.key));
      if (foreign.length > 0)
        throw new EnvsyncError(
          "NAME",
          `${foreign.join(", ")} in ${this.display} ${foreign.length === 1 ? "exists" : "exist"} without ${l.kv === 2 ? "the custom_metadata" : "the field"} ${MANAGED.key}=${MANAGED.value}.`,
          {
            hint: "envsync never touches secrets it does not manage. Rename the key, use another prefix, or mark the secret (`vault kv metadata put -custom-metadata=managed-by=envsync PATH`) if envsync should manage it.",
          },
        );
      const moved = states
        .filter((s) => s.current !== (expected.keyVersions.get(s.key) ?? null))
        .map((s) => s.key);
      if (moved.length > 0)
        throw new EnvsyncError(
          "REMOTE_CHANGED",
          `${moved.join(", ")} changed in ${this.display} since ${moved.length === 1 ? "it was" : "they were"} read.`,
          { hint: changedHint },
        );
      const byKey = new Map(states.map((s) => [s.key, s]));

      const written = new Map<string, string>();
      const done: string[] = [];
      try {
        await mapLimit(sets, this.ctx.concurrency, async ([key, value]) => {
          const rel = this.keyRel(l, key);
          const st = byKey.get(key);
          // An update replaces the `value` field only: other fields keep their JSON text.
          const set = (doc: string | undefined): RawJson =>
            new RawJson(
              patchBundle(doc === undefined ? undefined : parseBundle(doc, rel).document, {
                set: new Map([[VALUE_FIELD, value]]),
                delete: [],
              }),
            );
          if (l.kv === 1) {
            const body = set(
              st?.text ?? `{${JSON.stringify(MANAGED.key)}:${JSON.stringify(MANAGED.value)}}`,
            );
            await this.client.request("POST", this.dataPath(l, rel), body);
            written.set(key, contentVersion(JSON.parse(body.text) as Json));
          } else {
            if (!st?.exists)
              await this.client.request("POST", this.metaPath(l, rel), {
                custom_metadata: { [MANAGED.key]: MANAGED.value },
              });
            const cas = st?.current === null || st?.current === undefined ? 0 : Number(st.current);
            written.set(key, String(await this.writeV2(l, rel, set(st?.text), cas, key)));
          }
          done.push(key);
        });
        await mapLimit(deletes, this.ctx.concurrency, async (key) => {
          const st = byKey.get(key);
          if (!st?.exists) return;
          const rel = this.keyRel(l, key);
          if (l.kv === 1) await this.client.request("DELETE", this.dataPath(l, rel));
          else if (options?.purge) await this.client.request("DELETE", this.metaPath(l, rel));
          // Soft delete of exactly the version read: a version written meanwhile stays current.
          else
            await this.client.request("POST", `${l.mount}/delete/${encodePath(rel)}`, {
              versions: [Number(st.current)],
            });
          done.push(key);
        });
      } catch (e) {
        if (done.length > 0 && e instanceof EnvsyncError && e.code === "REMOTE_CHANGED")
          throw new EnvsyncError(
            "REMOTE_CHANGED",
            `${e.message} ${done.sort().join(", ")} had been written already, each on top of the version read.`,
            {
              cause: e,
              hint: "No other change was overwritten. Run the command again to merge the other change.",
            },
          );
        throw e;
      }

      const after = new Map(expected.keyVersions);
      for (const [k, v] of written) after.set(k, v);
      if (options?.purge) for (const k of deletes) after.delete(k);
      return {
        version: digestKeyVersions(after),
        keyVersions: written,
        writeCalls: this.calls - start,
      };
    });
  }
}

/** A store over an existing {@link VaultClient} (tests and the bench inject one). */
export function createVaultStore(
  uri: RemoteUri,
  ctx: StoreContext,
  client: VaultClient,
): VaultBundleStore | VaultPerKeyStore {
  checkParams(uri.params);
  const target = parseVaultTarget(uri.target);
  const kv = parseKvParam(uri.params.get("kv"));
  const display = displayUri(uri);
  return target.layout === "bundle"
    ? new VaultBundleStore(client, target, display, ctx, kv)
    : new VaultPerKeyStore(client, target, display, ctx, kv);
}

/** Builds the client for a `vault://` URI: address, TLS and token as the vault CLI sets them up. */
export function createVaultClient(uri: RemoteUri, ctx: StoreContext): VaultClient {
  const target = parseVaultTarget(uri.target);
  const address = resolveAddress(target.host, uri.params, ctx.env);
  const ns = uri.params.get("namespace");
  ctx.logger.debug(`vault: server ${address.url} (from ${address.source})`);
  return new VaultClient({
    address: address.url,
    env: ctx.env,
    logger: ctx.logger,
    concurrency: ctx.concurrency,
    ...(ctx.retry ? { retry: ctx.retry } : {}),
    ...(ctx.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: ctx.requestTimeoutMs }),
    ...(ns ? { namespace: ns } : {}),
  });
}

/** Builds the store for a `vault://` URI (the registry's entry point). */
export function createStore(uri: RemoteUri, ctx: StoreContext): Store {
  checkParams(uri.params);
  parseKvParam(uri.params.get("kv"));
  return createVaultStore(uri, ctx, createVaultClient(uri, ctx));
}

/** `doctor`'s online checks for a `vault://` URI (the `diagnose` hook's body). */
export async function diagnoseRemote(uri: RemoteUri, ctx: StoreContext): Promise<Diagnosis[]> {
  checkParams(uri.params);
  const store = createVaultStore(uri, ctx, createVaultClient(uri, ctx));
  try {
    return await store.diagnose();
  } finally {
    await store.close();
  }
}
