/**
 * AWS Secrets Manager stores (docs/DESIGN.md, "Remotes", "Store rules"):
 * - `aws-sm://NAME?region=R`: bundle, one secret holding a JSON object of all keys;
 * - `aws-sm://PREFIX/*?region=R`: per-key, secret `PREFIX/KEY` per key, tagged
 *   `managed-by=envsync` and `envsync-key=KEY`.
 * The SDK is imported statically here: the registry's dynamic import of this file
 * is the lazy-loading boundary (docs/DESIGN.md, "Start-up").
 */
import type { SecretListEntry } from "@aws-sdk/client-secrets-manager";
import type { AwsClient } from "./client.js";
import {
  BatchGetSecretValueCommand,
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  ListSecretsCommand,
  PutSecretValueCommand,
  RestoreSecretCommand,
  TagResourceCommand,
  UpdateSecretVersionStageCommand,
  secretsManagerClient,
} from "./commands.js";
import { randomUUID } from "node:crypto";
import { EnvsyncError } from "../../errors.js";
import { chunk, limiter, mapLimit } from "../parallel.js";
import {
  bundleSnapshot,
  checkBundleSize,
  checkBundleText,
  checkNames,
  checkValueSizes,
  patchedBundle,
} from "../rules.js";
import type {
  ChangeSet,
  ForeignAccess,
  ForeignEntry,
  ForeignModule,
  ProviderModule,
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
import { confirmMissing, type ByName } from "../shared/confirm-absent.js";
import { guardKeys, refuseUnreadable } from "../shared/guard.js";
import { displayUri, type RemoteUri } from "../uri.js";
import {
  CallCounter,
  KEY_TAG,
  applyChanges,
  MANAGED_TAG,
  digestVersions,
  foreignOfOwnStore,
  isAwsError,
  makeSend,
  type ForeignOverOwnClient,
  type Send,
  parseAwsOptions,
  remoteChanged,
  type CountsCalls,
} from "./common.js";

/** Secrets Manager's limit on one secret value (docs/DESIGN.md, "Store rules"). */
export const SM_MAX_VALUE_BYTES = 65_536;
/** Allowed characters of a secret name. */
export const SM_NAME_PATTERN = /^[A-Za-z0-9/_+=.@-]+$/;
/** Longest secret name. */
export const SM_NAME_MAX = 512;
const SM_NAME_RULE = "letters, digits and /_+=.@-";
/** Recovery window of a per-key delete without `purge` (the AWS minimum). */
export const RECOVERY_WINDOW_DAYS = 7;
/** BatchGetSecretValue returns at most 20 secrets per call. */
export const BATCH_SIZE = 20;
/**
 * The staging label a bundle write puts on its new version instead of AWSCURRENT;
 * AWSCURRENT moves there only by compare-and-swap (docs/RELIABILITY.md).
 */
export const PENDING_STAGE = "envsync-pending";
/** ListSecrets accepts at most 10 values per filter. */
const FILTER_VALUES_MAX = 10;

/** Which layout a target names: `PREFIX/*` is per-key, anything else a bundle. */
export function parseSmTarget(
  target: string,
  display: string,
): { layout: "bundle"; name: string } | { layout: "per-key"; prefix: string } {
  let layout: "bundle" | "per-key" = "bundle";
  let name = target;
  if (target.endsWith("/*")) {
    layout = "per-key";
    name = target.slice(0, -2);
  }
  if (name === "" || name.includes("*")) {
    throw new EnvsyncError("URI", `${display} is neither a secret name nor PREFIX/*.`, {
      hint: "Use aws-sm://NAME for one JSON secret, or aws-sm://PREFIX/* for one secret per key.",
    });
  }
  if (!SM_NAME_PATTERN.test(name) || name.length > SM_NAME_MAX) {
    throw new EnvsyncError("URI", `"${name}" in ${display} is not a valid secret name.`, {
      hint: `Secret names use ${SM_NAME_RULE}, at most ${SM_NAME_MAX} characters.`,
    });
  }
  return layout === "bundle" ? { layout, name } : { layout, prefix: name };
}

/** The version carrying the AWSCURRENT stage in a `VersionId → stages` map. */
export function currentVersion(stages: Record<string, string[]> | undefined): string | null {
  for (const [id, labels] of Object.entries(stages ?? {}))
    if (labels.includes("AWSCURRENT")) return id;
  return null;
}

/** True when a secret's tags include `managed-by=envsync`. */
export function isManaged(
  tags: readonly { Key?: string | undefined; Value?: string | undefined }[] | undefined,
): boolean {
  return (tags ?? []).some((t) => t.Key === MANAGED_TAG.Key && t.Value === MANAGED_TAG.Value);
}

/**
 * The secrets under `base` that another tool made (listed, not scheduled for deletion,
 * without the managed-by tag), by name: what `envsync adopt` offers to take over.
 */
export function foreignSecrets(listed: readonly SecretListEntry[], base: string): ForeignEntry[] {
  return listed
    .filter(
      (e) =>
        e.Name !== undefined &&
        e.Name.startsWith(base) &&
        e.Name.length > base.length &&
        !e.DeletedDate &&
        !isManaged(e.Tags),
    )
    .map((e) => ({ name: e.Name!, key: e.Name!.slice(base.length) }))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
}

interface Shared {
  readonly client: AwsClient;
  readonly send: Send;
  readonly calls: CallCounter;
  readonly display: string;
  readonly context: StoreContext;
}

const rules: StoreRules = {
  maxValueBytes: SM_MAX_VALUE_BYTES,
  nameRule: `${SM_NAME_RULE}, at most ${SM_NAME_MAX} characters`,
};

function emptySnapshot(notes?: string[]): RemoteSnapshot {
  return {
    exists: false,
    values: new Map(),
    version: null,
    keyVersions: new Map(),
    ...(notes ? { notes } : {}),
  };
}

/** True for the error AWS gives on a secret scheduled for deletion. */
function markedForDeletion(e: unknown): boolean {
  return isAwsError(e, "InvalidRequestException") && /delet/i.test(String((e as Error).message));
}

// ---------------------------------------------------------------- bundle

function createBundleStore(s: Shared, name: string): Store & CountsCalls {
  const { client, send, display } = s;

  /** AWSCURRENT version and deletion state, without reading the value. */
  const describe = async (): Promise<{ version: string | null; deleted: boolean } | null> => {
    try {
      const d = await send("DescribeSecret", () =>
        client.send(new DescribeSecretCommand({ SecretId: name })),
      );
      return {
        version: currentVersion(d.VersionIdsToStages),
        deleted: d.DeletedDate !== undefined,
      };
    } catch (e) {
      if (isAwsError(e, "ResourceNotFoundException")) return null;
      throw e;
    }
  };

  const snapshotOf = (text: string | undefined, version: string | undefined): RemoteSnapshot => {
    if (text === undefined) {
      throw new EnvsyncError(
        "PARSE",
        `The secret ${display} holds binary data, not a JSON object.`,
        {
          hint: "envsync bundles are one JSON object in SecretString; point the remote at another secret.",
        },
      );
    }
    return bundleSnapshot(text, display, version ?? null);
  };

  return {
    scheme: "aws-sm",
    display,
    layout: "bundle",
    rules,
    calls: s.calls,

    async read() {
      try {
        // The stage is named although AWSCURRENT is the default: moto serves the
        // version last written with AWSCURRENT, not the one the stage moved to.
        const r = await send("GetSecretValue", () =>
          client.send(new GetSecretValueCommand({ SecretId: name, VersionStage: "AWSCURRENT" })),
        );
        return snapshotOf(r.SecretString, r.VersionId);
      } catch (e) {
        if (isAwsError(e, "ResourceNotFoundException")) return emptySnapshot();
        if (markedForDeletion(e)) {
          return emptySnapshot([
            `${display} is scheduled for deletion; the next write restores it.`,
          ]);
        }
        throw e;
      }
    },

    /** DescribeSecret: the AWSCURRENT version id, no value read. */
    async probeVersion() {
      const d = await describe();
      return d === null || d.deleted ? null : d.version;
    },

    validate(next) {
      checkBundleSize(next, SM_MAX_VALUE_BYTES, display, `aws-sm://${name}/*`);
    },

    async write(changes, expected): Promise<WriteResult> {
      // A patch of the document read: what the plan does not name stays byte for byte.
      const text = patchedBundle(changes, expected);
      checkBundleText(text, SM_MAX_VALUE_BYTES, display, `aws-sm://${name}/*`);
      let writeCalls = 0;
      let from = expected.version;
      if (from === null) {
        // Read as absent: it must still be absent, or scheduled for deletion.
        const cur = await describe();
        if (cur === null) {
          writeCalls++;
          try {
            const r = await send("CreateSecret", () =>
              client.send(
                new CreateSecretCommand({
                  Name: name,
                  SecretString: text,
                  Tags: [{ ...MANAGED_TAG }],
                }),
              ),
            );
            return { version: r.VersionId ?? null, writeCalls };
          } catch (e) {
            // Someone created it between our check and our write: CreateSecret is the CAS.
            if (isAwsError(e, "ResourceExistsException"))
              throw remoteChanged(display, ["the bundle"]);
            throw e;
          }
        }
        if (!cur.deleted || cur.version === null) throw remoteChanged(display, ["the bundle"]);
        // AWS rejects writes to a secret scheduled for deletion (moto accepts them): restore
        // first; the stage then moves from the version current before the deletion.
        writeCalls++;
        await send("RestoreSecret", () =>
          client.send(new RestoreSecretCommand({ SecretId: name })),
        );
        from = cur.version;
      }
      // 1. The new version, labelled PENDING_STAGE only: no reader takes it as current.
      const token = randomUUID();
      writeCalls++;
      let version: string;
      try {
        const r = await send("PutSecretValue", () =>
          client.send(
            new PutSecretValueCommand({
              SecretId: name,
              SecretString: text,
              ClientRequestToken: token,
              VersionStages: [PENDING_STAGE],
            }),
          ),
        );
        version = r.VersionId ?? token;
      } catch (e) {
        // Deleted or scheduled for deletion since our read.
        if (isAwsError(e, "ResourceNotFoundException") || markedForDeletion(e))
          throw remoteChanged(display, ["the bundle"]);
        throw e;
      }
      // 2. Compare-and-swap: AWSCURRENT moves to it only if still on the version read.
      writeCalls++;
      try {
        await send("UpdateSecretVersionStage", () =>
          client.send(
            new UpdateSecretVersionStageCommand({
              SecretId: name,
              VersionStage: "AWSCURRENT",
              MoveToVersionId: version,
              RemoveFromVersionId: from,
            }),
          ),
        );
      } catch (e) {
        if (!isAwsError(e, "InvalidParameterException", "ResourceNotFoundException")) throw e;
        // Someone else moved the stage: our version stays an orphan without labels
        // (AWS deprecates such versions); nothing a reader takes as current changed.
        await send("UpdateSecretVersionStage", () =>
          client.send(
            new UpdateSecretVersionStageCommand({
              SecretId: name,
              VersionStage: PENDING_STAGE,
              RemoveFromVersionId: version,
            }),
          ),
        ).catch(() => undefined);
        throw remoteChanged(display, ["the bundle's version"]);
      }
      return { version, writeCalls };
    },

    async listVersions(): Promise<VersionInfo[]> {
      const out: VersionInfo[] = [];
      let token: string | undefined;
      do {
        const r = await send("ListSecretVersionIds", () =>
          client.send(
            new ListSecretVersionIdsCommand({ SecretId: name, MaxResults: 100, NextToken: token }),
          ),
        );
        for (const v of r.Versions ?? []) {
          if (!v.VersionId) continue;
          const stages = v.VersionStages ?? [];
          out.push({
            id: v.VersionId,
            createdAt: v.CreatedDate ?? null,
            keyCount: null,
            current: stages.includes("AWSCURRENT"),
            ...(stages.length > 0 ? { state: stages.join(",") } : {}),
          });
        }
        token = r.NextToken;
      } while (token);
      // Newest first; versions created in the same second are told apart by their
      // staging labels (AWSCURRENT is newer than AWSPREVIOUS, both newer than the rest).
      const rank = (v: VersionInfo): number =>
        v.current ? 2 : (v.state ?? "").includes("AWSPREVIOUS") ? 1 : 0;
      return out.sort(
        (a, b) =>
          (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0) || rank(b) - rank(a),
      );
    },

    async readVersion(id) {
      const r = await send("GetSecretValue", () =>
        client.send(new GetSecretValueCommand({ SecretId: name, VersionId: id })),
      );
      return snapshotOf(r.SecretString, r.VersionId);
    },

    close() {
      client.destroy();
      return Promise.resolve();
    },
  };
}

// ---------------------------------------------------------------- per-key

/** What ListSecrets says about one secret name. */
interface SecretState {
  readonly version: string | null;
  readonly deleted: boolean;
  readonly managed: boolean;
}

function createPerKeyStore(s: Shared, prefix: string): Store & CountsCalls & ForeignOverOwnClient {
  const { client, send, display, context } = s;
  const base = `${prefix}/`;
  const nameOf = (key: string): string => base + key;
  const keyOf = (name: string): string | undefined =>
    name.startsWith(base) && name.length > base.length ? name.slice(base.length) : undefined;

  /** Every ListSecrets page for `filters`; `onPage` sees each page as it arrives. */
  const listAll = async (
    filters: { Key: "name" | "tag-key" | "tag-value"; Values: string[] }[],
    includePlannedDeletion: boolean,
    onPage?: (page: readonly SecretListEntry[]) => void,
  ): Promise<SecretListEntry[]> => {
    const out: SecretListEntry[] = [];
    let token: string | undefined;
    do {
      const r = await send("ListSecrets", () =>
        client.send(
          new ListSecretsCommand({
            Filters: filters,
            IncludePlannedDeletion: includePlannedDeletion,
            MaxResults: 100,
            NextToken: token,
          }),
        ),
      );
      out.push(...(r.SecretList ?? []));
      onPage?.(r.SecretList ?? []);
      token = r.NextToken;
    } while (token);
    return out;
  };

  /**
   * The read: ListSecrets by prefix and the managed-by tag (100 a page, tags checked
   * as a pair), then BatchGetSecretValue by id, 20 a call, in parallel, each batch sent
   * as soon as the pages have named 20 managed secrets (the rest after the last page),
   * so the reads overlap the listing. For n keys that is ⌈n/100⌉ sequential pages +
   * ⌈n/20⌉ parallel calls (10,000 keys: 100 + 500 calls, about 100 round trips for the
   * pages, the reads beside them). A BatchGetSecretValue with filters
   * makes ⌈n/20⌉ (+1) calls but all in sequence (501 round trips), and moto answers
   * each of them by reading every secret (10,000 keys did not finish in 8 minutes).
   * Secrets scheduled for deletion are not listed; one deleted since it was listed
   * reads as absent.
   */
  const readByList = async (): Promise<{
    values: Map<string, string>;
    versions: Map<string, string>;
    foreign: ForeignEntry[];
    listed: Set<string>;
    unreadable: UnreadableEntry[];
  }> => {
    // Listed by prefix alone (the tags come with each entry): the secrets other tools
    // made under it are seen too, so the notices need no listing of their own.
    const values = new Map<string, string>();
    const versions = new Map<string, string>();
    const unreadable: UnreadableEntry[] = [];
    const names: string[] = [];
    let next = 0; // names[next…] are not asked for yet
    const gate = limiter(context.concurrency);
    const reads: Promise<void>[] = [];
    let failure: { error: unknown } | undefined;
    // A read's failure is kept, not thrown: the listing and the reads in flight end
    // first (nothing is left running), then the first failure is thrown.
    const readBatch = (ids: string[]): void => {
      reads.push(
        gate(async () => {
          if (failure) return;
          try {
            const r = await send("BatchGetSecretValue", () =>
              client.send(new BatchGetSecretValueCommand({ SecretIdList: ids })),
            );
            collect(r.SecretValues, r.Errors, values, versions, unreadable);
          } catch (error) {
            failure ??= { error };
          }
        }),
      );
    };
    let listed: SecretListEntry[];
    try {
      listed = await listAll([{ Key: "name", Values: [base] }], false, (page) => {
        for (const e of page)
          if (e.Name && keyOf(e.Name) !== undefined && isManaged(e.Tags) && !e.DeletedDate)
            names.push(e.Name);
        for (; names.length - next >= BATCH_SIZE && !failure; next += BATCH_SIZE)
          readBatch(names.slice(next, next + BATCH_SIZE));
      });
      if (next < names.length && !failure) readBatch(names.slice(next));
    } finally {
      await Promise.all(reads);
    }
    if (failure) throw failure.error;
    const foreign = foreignSecrets(listed, base);
    return {
      values,
      versions,
      foreign,
      unreadable,
      // Every entry the listing shows, marked or not: an entry listed without the mark is
      // foreign (or no longer marked), not missing, and is never read by name as envsync's.
      listed: new Set([...names.map((n) => keyOf(n) ?? n), ...foreign.map((f) => f.key)]),
    };
  };

  /**
   * Keys a listing left out, asked for by name (BatchGetSecretValue by id, 20 a call):
   * found, deleted or scheduled for deletion (absent), or not answered (unknown).
   */
  const readByName = async (keys: readonly string[]): Promise<Map<string, ByName>> => {
    const out = new Map<string, ByName>();
    await mapLimit(chunk(keys, BATCH_SIZE), context.concurrency, async (batch) => {
      const r = await send("BatchGetSecretValue", () =>
        client.send(new BatchGetSecretValueCommand({ SecretIdList: batch.map(nameOf) })),
      );
      for (const v of r.SecretValues ?? []) {
        const key = v.Name === undefined ? undefined : keyOf(v.Name);
        if (key === undefined || v.SecretString === undefined) continue;
        out.set(key, { state: "found", value: v.SecretString, version: v.VersionId ?? "" });
      }
      for (const err of r.Errors ?? []) {
        const key = err.SecretId === undefined ? undefined : keyOf(err.SecretId);
        if (key === undefined) continue;
        out.set(
          key,
          err.ErrorCode === "ResourceNotFoundException" || /delet/i.test(err.Message ?? "")
            ? { state: "absent" }
            : { state: "unknown", why: `AWS answered ${err.ErrorCode ?? "an error"}` },
        );
      }
    });
    return out;
  };

  const collect = (
    secretValues:
      | {
          Name?: string | undefined;
          SecretString?: string | undefined;
          SecretBinary?: Uint8Array | undefined;
          VersionId?: string | undefined;
        }[]
      | undefined,
    errors:
      | {
          SecretId?: string | undefined;
          ErrorCode?: string | undefined;
          Message?: string | undefined;
        }[]
      | undefined,
    values: Map<string, string>,
    versions: Map<string, string>,
    unreadable: UnreadableEntry[],
  ): void => {
    for (const v of secretValues ?? []) {
      const key = v.Name === undefined ? undefined : keyOf(v.Name);
      if (key === undefined) continue;
      if (v.VersionId) versions.set(key, v.VersionId);
      // SecretBinary is not text a .env can hold: reported, never read through U+FFFD.
      if (v.SecretString === undefined) {
        if (v.SecretBinary !== undefined)
          unreadable.push({ key, name: v.Name!, why: "it holds SecretBinary, not text" });
        else versions.delete(key);
        continue;
      }
      values.set(key, v.SecretString);
    }
    for (const err of errors ?? []) {
      // A secret deleted (or scheduled for deletion) since it was listed reads as absent.
      if (err.ErrorCode === "ResourceNotFoundException" || /delet/i.test(err.Message ?? ""))
        continue;
      throw new EnvsyncError(
        "PROVIDER",
        `AWS could not read ${err.SecretId ?? "a secret"} of ${display}: ${err.ErrorCode ?? "error"}.`,
        {
          hint: "Check the secret's state and your permissions (secretsmanager:GetSecretValue, kms:Decrypt).",
        },
      );
    }
  };

  /** Current state of the named keys' secrets, including ones scheduled for deletion. */
  const describeKeys = async (keys: readonly string[]): Promise<Map<string, SecretState>> => {
    const wanted = new Set(keys.map(nameOf));
    let entries: SecretListEntry[];
    if (keys.length <= 100) {
      // Name filters match by prefix: ask for the exact names, 10 per call, keep exact matches.
      const pages = await mapLimit(
        chunk([...wanted], FILTER_VALUES_MAX),
        context.concurrency,
        (names) => listAll([{ Key: "name", Values: names }], true),
      );
      entries = pages.flat();
    } else {
      entries = await listAll([{ Key: "name", Values: [base] }], true);
    }
    const out = new Map<string, SecretState>();
    for (const e of entries) {
      if (!e.Name || !wanted.has(e.Name)) continue;
      const key = keyOf(e.Name);
      if (key === undefined) continue;
      out.set(key, {
        version: currentVersion(e.SecretVersionsToStages),
        deleted: e.DeletedDate !== undefined && e.DeletedDate !== null,
        managed: isManaged(e.Tags),
      });
    }
    return out;
  };

  const validate = (_next: ReadonlyMap<string, string>, changes: ChangeSet): void => {
    checkNames(
      [...changes.set.keys()].map((key) => ({ key, name: nameOf(key) })),
      SM_NAME_PATTERN,
      SM_NAME_MAX,
      SM_NAME_RULE,
      display,
    );
    checkValueSizes(changes.set, SM_MAX_VALUE_BYTES, display);
    for (const [key, value] of changes.set) {
      // An empty SecretString creates no readable version (AWS refuses it, see
      // terraform-provider-aws#19731; moto creates a secret without AWSCURRENT).
      if (value === "") {
        throw new EnvsyncError(
          "LIMIT",
          `The value of ${key} is empty; a per-key Secrets Manager secret cannot hold an empty value.`,
          {
            hint: "Give the key a value, remove it, or use the bundle layout (aws-sm://NAME), which stores empty values.",
          },
        );
      }
    }
  };

  /**
   * The secrets under the prefix that envsync does not manage, over this store's client
   * (one client per store per command): listing is metadata only (ListSecrets, 100 a
   * call), reading BatchGetSecretValue (20 a call), adopting TagResource. Closing it
   * closes nothing; the store closes the client.
   */
  const foreignAccess: ForeignAccess = {
    noun: "secrets",
    where: base,
    list: async () => foreignSecrets(await listAll([{ Key: "name", Values: [base] }], false), base),
    async read(entries) {
      const byName = new Map(entries.map((e) => [e.name, e.key]));
      const out = new Map<string, string>();
      await mapLimit(chunk([...byName.keys()], BATCH_SIZE), context.concurrency, async (ids) => {
        const r = await send("BatchGetSecretValue", () =>
          client.send(new BatchGetSecretValueCommand({ SecretIdList: ids })),
        );
        for (const v of r.SecretValues ?? []) {
          const key = v.Name === undefined ? undefined : byName.get(v.Name);
          if (key !== undefined && v.SecretString !== undefined) out.set(key, v.SecretString);
        }
      });
      return out;
    },
    async adopt(entries) {
      await mapLimit([...entries], context.concurrency, async (e: ForeignEntry) => {
        await send("TagResource", () =>
          client.send(
            new TagResourceCommand({
              SecretId: e.name,
              Tags: [{ ...MANAGED_TAG }, { Key: KEY_TAG, Value: e.key }],
            }),
          ),
        );
      });
    },
    close: () => Promise.resolve(),
  };

  return {
    scheme: "aws-sm",
    display,
    layout: "per-key",
    rules,
    calls: s.calls,

    foreign: () => Promise.resolve(foreignAccess),

    async read(hint: ReadHint = {}) {
      const { values, versions, foreign, unreadable, listed } = await readByList();
      // ListSecrets is eventually consistent: a known key it leaves out is asked by name.
      const confirmed = await confirmMissing(hint.knownKeys, listed, readByName);
      for (const [key, { value, version }] of confirmed.found) {
        values.set(key, value);
        if (version) versions.set(key, version);
      }
      return {
        exists: values.size > 0,
        values,
        version: digestVersions(versions),
        keyVersions: versions,
        foreign,
        ...(confirmed.unconfirmed.length > 0 ? { unconfirmed: confirmed.unconfirmed } : {}),
        ...(confirmed.notes.length > 0 ? { warnings: confirmed.notes } : {}),
        ...(unreadable.length > 0 ? { unreadable } : {}),
      };
    },

    /**
     * ListSecrets by prefix (the AWSCURRENT id of each entry comes with it): a digest
     * of the managed keys' versions, no value read.
     */
    async probeVersion() {
      const listed = await listAll([{ Key: "name", Values: [base] }], false);
      const versions = new Map<string, string>();
      for (const e of listed) {
        const key = e.Name === undefined ? undefined : keyOf(e.Name);
        const version = currentVersion(e.SecretVersionsToStages);
        if (key !== undefined && isManaged(e.Tags) && !e.DeletedDate && version !== null)
          versions.set(key, version);
      }
      return digestVersions(versions);
    },

    validate,

    async write(changes, expected, options: WriteOptions = {}): Promise<WriteResult> {
      validate(applyChanges(expected.values, changes), changes);
      refuseUnreadable(changes, expected, display);
      const touched = [...new Set([...changes.set.keys(), ...changes.delete])];
      const versions = new Map(expected.keyVersions);
      if (touched.length === 0)
        return { version: digestVersions(versions), keyVersions: new Map(), writeCalls: 0 };

      // Guard: every touched key still has the version read, and is ours.
      const current = await describeKeys(touched);
      // ListSecrets may not show a secret made in the last minutes: a key read with a
      // version that the listing leaves out is described by name (the fresher read).
      await mapLimit(
        touched.filter((k) => !current.has(k) && expected.keyVersions.has(k)),
        context.concurrency,
        async (key) => {
          try {
            const d = await send("DescribeSecret", () =>
              client.send(new DescribeSecretCommand({ SecretId: nameOf(key) })),
            );
            current.set(key, {
              version: currentVersion(d.VersionIdsToStages),
              deleted: d.DeletedDate !== undefined && d.DeletedDate !== null,
              managed: isManaged(d.Tags),
            });
          } catch (e) {
            if (!isAwsError(e, "ResourceNotFoundException")) throw e;
          }
        },
      );
      guardKeys(
        touched.map((key) => {
          const cur = current.get(key);
          return {
            key,
            name: nameOf(key),
            foreign: cur !== undefined && !cur.managed,
            version: cur && !cur.deleted ? cur.version : null,
          };
        }),
        expected.keyVersions,
        display,
      );

      type Op = { key: string; kind: "create" | "restore" | "put" | "delete"; value?: string };
      const ops: Op[] = [];
      for (const [key, value] of changes.set) {
        const cur = current.get(key);
        ops.push({
          key,
          value,
          kind: cur === undefined ? "create" : cur.deleted ? "restore" : "put",
        });
      }
      for (const key of changes.delete) {
        if (changes.set.has(key)) continue;
        const cur = current.get(key);
        if (cur && !cur.deleted) ops.push({ key, kind: "delete" });
      }

      let writeCalls = 0;
      const written = new Map<string, string>();
      await mapLimit(ops, context.concurrency, async (op) => {
        const SecretId = nameOf(op.key);
        if (op.kind === "delete") {
          writeCalls++;
          await send("DeleteSecret", () =>
            client.send(
              new DeleteSecretCommand(
                options.purge
                  ? { SecretId, ForceDeleteWithoutRecovery: true }
                  : { SecretId, RecoveryWindowInDays: RECOVERY_WINDOW_DAYS },
              ),
            ),
          );
          versions.delete(op.key);
          return;
        }
        const SecretString = op.value ?? "";
        let version: string | undefined;
        if (op.kind === "create") {
          writeCalls++;
          try {
            const r = await send("CreateSecret", () =>
              client.send(
                new CreateSecretCommand({
                  Name: SecretId,
                  SecretString,
                  Tags: [{ ...MANAGED_TAG }, { Key: KEY_TAG, Value: op.key }],
                }),
              ),
            );
            version = r.VersionId;
          } catch (e) {
            if (isAwsError(e, "ResourceExistsException")) throw remoteChanged(display, [op.key]);
            throw e;
          }
        } else {
          if (op.kind === "restore") {
            // AWS rejects a new secret or a value for a name scheduled for deletion
            // until it is restored (moto accepts the value; we follow AWS).
            writeCalls++;
            await send("RestoreSecret", () => client.send(new RestoreSecretCommand({ SecretId })));
          }
          writeCalls++;
          const r = await send("PutSecretValue", () =>
            client.send(new PutSecretValueCommand({ SecretId, SecretString })),
          );
          version = r.VersionId;
        }
        if (version) {
          written.set(op.key, version);
          versions.set(op.key, version);
        }
      });
      return { version: digestVersions(versions), keyVersions: written, writeCalls };
    },

    close() {
      client.destroy();
      return Promise.resolve();
    },
  };
}

/** The client, call counter and sender one store uses. */
function sharedOf(uri: RemoteUri, context: StoreContext, display: string): Shared {
  const options = parseAwsOptions(uri, display);
  const client = secretsManagerClient(options, context);
  const calls = new CallCounter();
  calls.attach(client);
  return { client, send: makeSend(context, display, calls), calls, display, context };
}

/** Builds the store for an `aws-sm://` URI (see the module comment for layouts). */
export function createStore(uri: RemoteUri, context: StoreContext): Store & CountsCalls {
  const display = displayUri(uri);
  const target = parseSmTarget(uri.target, display);
  const shared = sharedOf(uri, context, display);
  return target.layout === "bundle"
    ? createBundleStore(shared, target.name)
    : createPerKeyStore(shared, target.prefix);
}

/**
 * The foreign-entry access of a per-key `aws-sm://` remote opened on its own (no
 * command's store at hand): a store of its own, closed with the access; null for a bundle.
 */
export async function openForeign(
  uri: RemoteUri,
  context: StoreContext,
): Promise<ForeignAccess | null> {
  const display = displayUri(uri);
  const target = parseSmTarget(uri.target, display);
  if (target.layout !== "per-key") return null;
  return foreignOfOwnStore(createPerKeyStore(sharedOf(uri, context, display), target.prefix));
}

/** Compile-time check that this file is a provider module and its foreign module. */
const _module: ProviderModule & ForeignModule = { createStore, openForeign };
void _module;
