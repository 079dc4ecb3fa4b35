/**
 * Azure Key Vault store (`azure-kv://`), over the calls of `@azure/keyvault-secrets`'
 * `SecretClient` (./client.ts: Key Vault's REST API by default, the official client
 * where it must be; docs/DESIGN.md, "Azure: the small client"). Loaded only through the
 * registry's dynamic import, so it stays out of `--help` and `file:` commands.
 *
 * - `azure-kv://VAULT/SECRET`: bundle, one secret holding a JSON object.
 * - `azure-kv://VAULT/PREFIX*`: per-key, one secret per key under reversible names
 *   (see names.ts), tagged `managed-by=envsync` and `envsync-key=<KEY>`.
 *
 * Soft delete is the vault's business: deleting a key soft-deletes it; a key added
 * again under a name held in the deleted state is recovered first, then set. Purge
 * happens only when asked (`WriteOptions.purge`).
 */
import { randomBytes } from "node:crypto";
import type { DeletedSecret, KeyVaultSecret, SecretProperties } from "@azure/keyvault-secrets";
import { EnvsyncError } from "../../errors.js";
import { mapLimit } from "../parallel.js";
import { systemClock, withRetry, type RetryPolicy } from "../retry.js";
import {
  bundleSnapshot,
  checkBundleSize,
  checkBundleText,
  checkValueSizes,
  patchedBundle,
} from "../rules.js";
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
import { refuseCollisions, type NamedKey } from "../shared/collisions.js";
import { confirmMissing, type ByName } from "../shared/confirm-absent.js";
import { digestKeyVersions } from "../shared/digest.js";
import { guardKeys, refuseUnreadable, remoteChanged } from "../shared/guard.js";
import type { ForeignAccess, ForeignEntry } from "../foreign.js";
import { isManagedTags, KEY_TAG, MANAGED_BY } from "../shared/managed.js";
import { commitLog, NO_PARENT, type CommitLog } from "../shared/version-log.js";
import { displayUri, type RemoteUri } from "../uri.js";
import { createKvClient, type KvClient } from "./client.js";
import { azureCodeOf, statusOf, toEnvsyncError } from "./errors.js";
import { decodeKey, encodeKey, mapKeys, secretNameFor, unmappableReason } from "./names.js";
import { mapPagesLimit } from "./pipeline.js";
import { parseAzureTarget, type AzureTarget } from "./target.js";

/** Key Vault's limit on one secret value (docs/DESIGN.md, "Store rules"). */
export const AZURE_MAX_VALUE_BYTES = 25_600;
/** Tag every envsync secret carries; secrets without it are never touched. */
export const MANAGED_TAG = MANAGED_BY.key;
/** Value of {@link MANAGED_TAG}. */
export const MANAGED_VALUE = MANAGED_BY.value;
export { KEY_TAG } from "../shared/managed.js";
/** Tag of a bundle version: the version it was written on top of (shared/version-log.ts). */
export const PARENT_TAG = "envsync-parent";
/** Tag of a bundle version: its writer's random tiebreak. */
export const NONCE_TAG = "envsync-nonce";
/** Margin over Key Vault's 1-second stamps before a winner trusts the version order, ms. */
const CLOCK_MARGIN_MS = 500;
/** How many times a losing writer re-writes the committed content on top. */
const SUPERSEDE_ATTEMPTS = 3;

/** How often soft-delete and recover pollers look again, ms (the SDK's default is 2 s). */
const POLL_MS = 250;
/** Key Vault pages list results by at most 25. */
const PAGE_SIZE = 25;
/**
 * How long after a secret's `updated` stamp (whole seconds) a per-key probe still asks
 * for its versions, ms: covers the stamp's second, listing lag and clock skew between
 * the vault's servers (docs/CLOUD-BEHAVIOUR.md, "Key Vault's listing for run --watch").
 */
export const PROBE_SETTLE_MS = 10_000;
/** Added to {@link PROBE_SETTLE_MS} when the listing has no `Date` header (our clock, not the vault's), ms. */
export const PROBE_CLOCK_SKEW_MS = 5_000;
/** Inner error codes of a delete, purge or recover still in progress: wait and try again. */
const SETTLING_CODES = new Set(["ObjectIsBeingDeleted", "ObjectIsBeingRecovered"]);
/** How long to wait out those windows without a request timeout, ms. */
const SETTLE_BUDGET_MS = 30_000;
/** Returned by a settling step that wants another attempt. */
const SETTLE_AGAIN = Symbol("settle-again");

const RULES: StoreRules = {
  maxValueBytes: AZURE_MAX_VALUE_BYTES,
  nameRule:
    "0-9a-zA-Z-, at most 127 characters, case-insensitive (per-key names are mapped reversibly)",
};

const isManaged = isManagedTags;

const empty = (): RemoteSnapshot => ({
  exists: false,
  values: new Map(),
  version: null,
  keyVersions: new Map(),
});

/**
 * Tag numbering the versions envsync writes to a bundle (the current one's plus one):
 * Key Vault lists versions in version-id order and stamps them to the second, so
 * several written in one second are told apart only by this.
 */
export const SEQ_TAG = "envsync-seq";

const seqOf = (p: Pick<SecretProperties, "tags"> | undefined): number => {
  const n = Number(p?.tags?.[SEQ_TAG]);
  return Number.isSafeInteger(n) && n > 0 ? n : 0;
};

/**
 * Newest first, never in list order: by creation time, then envsync's sequence tag,
 * then last update, then version id (so the order is the same on every call).
 */
export function newestFirst(a: SecretProperties, b: SecretProperties): number {
  const time = (d: Date | undefined): number => d?.getTime() ?? 0;
  return (
    time(b.createdOn) - time(a.createdOn) ||
    seqOf(b) - seqOf(a) ||
    time(b.updatedOn) - time(a.updatedOn) ||
    (b.version ?? "").localeCompare(a.version ?? "")
  );
}

/** Calls to one vault with retries, timeouts and error mapping in one place. */
class VaultCalls {
  constructor(
    readonly client: KvClient,
    readonly vaultUrl: string,
    private readonly ctx: StoreContext,
  ) {}

  /** Per-call options: the abort signal of the request timeout, if one is set. */
  opts(): { abortSignal?: AbortSignal } {
    return this.ctx.requestTimeoutMs
      ? { abortSignal: AbortSignal.timeout(this.ctx.requestTimeoutMs) }
      : {};
  }

  /** Runs `fn` with envsync's retry policy; maps the final error. */
  async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const policy: RetryPolicy = this.ctx.retry ?? {};
    try {
      return await withRetry(() => fn(), {
        policy,
        onRetry: (attempt, delayMs, e) => {
          const code = (e as { code?: unknown }).code;
          const why = statusOf(e) ?? (typeof code === "string" ? code : "error");
          this.ctx.logger.debug(
            `azure-kv: ${what} failed (${why}), retry ${attempt} in ${delayMs} ms`,
          );
        },
      });
    } catch (e) {
      throw toEnvsyncError(e, this.vaultUrl, what);
    }
  }

  /** The current version of a secret, or null when it does not exist (404). */
  async getOrNull(name: string): Promise<KeyVaultSecret | null> {
    try {
      return await this.call(`secret ${name}`, () => this.client.getSecret(name, this.opts()));
    } catch (e) {
      if (e instanceof EnvsyncError && e.code === "NOT_FOUND" && statusOf(e.cause) === 404)
        return null;
      throw e;
    }
  }

  /** The soft-deleted secret held under a name, or null. */
  async getDeletedOrNull(name: string): Promise<DeletedSecret | null> {
    try {
      return await this.call(`deleted secret ${name}`, () =>
        this.client.getDeletedSecret(name, this.opts()),
      );
    } catch (e) {
      if (e instanceof EnvsyncError && e.code === "NOT_FOUND" && statusOf(e.cause) === 404)
        return null;
      throw e;
    }
  }

  /**
   * Sets a secret, waiting out Key Vault's delete, purge and recover windows: while
   * the name is being deleted or recovered (409 ObjectIsBeingDeleted or
   * ObjectIsBeingRecovered) it tries again with backoff; a name held by a soft-deleted
   * secret (409 ObjectIsDeletedButRecoverable, or a 409 without those codes) is
   * recovered first. `counter.calls` counts the recoveries it made.
   */
  async set(
    name: string,
    value: string,
    tags: Record<string, string>,
    contentType: string,
    counter?: { calls: number },
  ): Promise<KeyVaultSecret> {
    return this.settling(`writing secret ${name}`, async () => {
      try {
        return await this.call(`writing secret ${name}`, () =>
          this.client.setSecret(name, value, { ...this.opts(), tags, contentType }),
        );
      } catch (e) {
        if (!(e instanceof EnvsyncError) || statusOf(e.cause) !== 409) throw e;
        if (SETTLING_CODES.has(azureCodeOf(e.cause) ?? "")) throw e;
        // Held by a soft-deleted secret: recover it, then set (the next attempt).
        await this.recover(name);
        if (counter) counter.calls++;
        return SETTLE_AGAIN;
      }
    });
  }

  /**
   * Recovers a soft-deleted secret and waits until it is readable again. A delete
   * still in progress (409 ObjectIsBeingDeleted) is waited out; a name nothing holds
   * any more (404: purged or recovered by someone else) is left to the next set.
   */
  async recover(name: string): Promise<void> {
    await this.settling(`recovering deleted secret ${name}`, async () => {
      try {
        await this.call(`recovering deleted secret ${name}`, async () => {
          const poller = await this.client.beginRecoverDeletedSecret(name, {
            ...this.opts(),
            intervalInMs: POLL_MS,
          });
          await poller.pollUntilDone();
        });
      } catch (e) {
        if (e instanceof EnvsyncError && statusOf(e.cause) === 404) return;
        throw e;
      }
    });
  }

  /**
   * Runs `fn` again, with backoff, while Key Vault answers that a delete, purge or
   * recover of the name is still settling (or `fn` asks for another attempt), within
   * the request timeout; then gives up with the last error.
   */
  private async settling<T>(what: string, fn: () => Promise<T | typeof SETTLE_AGAIN>): Promise<T> {
    const deadline = systemClock.now() + (this.ctx.requestTimeoutMs ?? SETTLE_BUDGET_MS);
    let delay = POLL_MS;
    let again = 0;
    for (;;) {
      let result: T | typeof SETTLE_AGAIN;
      try {
        result = await fn();
      } catch (e) {
        const code = e instanceof EnvsyncError ? azureCodeOf(e.cause) : undefined;
        if (code === undefined || !SETTLING_CODES.has(code) || systemClock.now() > deadline)
          throw e;
        this.ctx.logger.debug(`azure-kv: ${what}: ${code}, trying again in ${delay} ms`);
        await systemClock.sleep(delay);
        delay = Math.min(delay * 2, 2_000);
        continue;
      }
      if (result !== SETTLE_AGAIN) return result;
      if (systemClock.now() > deadline)
        throw new EnvsyncError("PROVIDER", `${what} did not settle in ${this.vaultUrl}.`, {
          hint: "Run the command again in a minute.",
        });
      // Straight on after the first recovery; back off if the name keeps changing hands.
      if (++again > 1) {
        await systemClock.sleep(delay);
        delay = Math.min(delay * 2, 2_000);
      }
    }
  }

  /** Soft-deletes a secret and waits until the vault holds it as deleted; then purges if asked. */
  async remove(name: string, purge: boolean): Promise<number> {
    let calls = 0;
    await this.call(`deleting secret ${name}`, async () => {
      try {
        const poller = await this.client.beginDeleteSecret(name, {
          ...this.opts(),
          intervalInMs: POLL_MS,
        });
        calls++;
        await poller.pollUntilDone();
      } catch (e) {
        if (statusOf(e) !== 404) throw e;
      }
    });
    if (purge) {
      await this.call(`purging secret ${name}`, () =>
        this.client.purgeDeletedSecret(name, this.opts()),
      );
      calls++;
    }
    return calls;
  }
}

/**
 * The client of a vault (also used by foreign.ts): the small REST client, or the SDK's
 * from its own chunk (./client.ts decides). No SDK retries: envsync retries.
 */
export function makeClient(vaultUrl: string, ctx: StoreContext): KvClient {
  return createKvClient(
    vaultUrl,
    ctx,
    () => import("./sdk.js"),
    () => import("./sdk-credential.js"),
  );
}

/** Bundle layout: one secret holding a JSON object of every key. */
class BundleStore implements Store {
  readonly scheme = "azure-kv";
  readonly layout = "bundle" as const;
  readonly rules = RULES;

  constructor(
    readonly display: string,
    private readonly target: AzureTarget,
    private readonly calls: VaultCalls,
  ) {}

  private get name(): string {
    return this.target.name;
  }

  /** Closes the client's idle connections. */
  close(): Promise<void> {
    this.calls.client.close();
    return Promise.resolve();
  }

  async read(): Promise<RemoteSnapshot> {
    const s = await this.calls.getOrNull(this.name);
    if (!s) return empty();
    return bundleSnapshot(s.value ?? "", this.display, s.properties.version ?? null);
  }

  validate(next: ReadonlyMap<string, string>, _changes: ChangeSet): void {
    checkBundleSize(
      next,
      AZURE_MAX_VALUE_BYTES,
      this.display,
      `azure-kv://${this.target.vaultUrl}/PREFIX*`,
    );
  }

  async write(
    changes: ChangeSet,
    expected: RemoteSnapshot,
    _options?: WriteOptions,
  ): Promise<WriteResult> {
    const current = await this.calls.getOrNull(this.name);
    const currentVersion = current?.properties.version ?? null;
    if (currentVersion !== expected.version)
      throw remoteChanged(this.display, ["the bundle's version"]);
    // A patch of the document as it is now (the version read): what the plan does not
    // name stays byte for byte.
    const now = current
      ? bundleSnapshot(current.value ?? "", this.display, currentVersion)
      : empty();
    const text = patchedBundle(changes, now);
    checkBundleText(
      text,
      AZURE_MAX_VALUE_BYTES,
      this.display,
      `azure-kv://${this.target.vaultUrl}/PREFIX*`,
    );
    let writeCalls = 0;
    let parent = currentVersion ?? NO_PARENT;
    const deleted = current ? null : await this.calls.getDeletedOrNull(this.name);
    if (deleted) {
      // The name is held by a soft-deleted secret: a plain set would get 409. Its
      // versions come back, so the new version goes on top of its last one.
      await this.calls.recover(this.name);
      writeCalls++;
      parent = deleted.properties.version ?? NO_PARENT;
    }
    const tags = {
      ...(current?.properties.tags ?? {}),
      [SEQ_TAG]: String(seqOf(current?.properties) + 1),
    };
    const recovered = { calls: 0 };
    let written = await this.setVersion(text, tags, parent, recovered);
    writeCalls += 1 + recovered.calls;
    // setSecret has no compare-and-swap: the version list decides (shared/version-log.ts).
    let log = await this.log();
    if (!log.committed.has(written) && parent === NO_PARENT && recovered.calls > 0) {
      // Read as absent while a deletion was still settling: the set recovered the old
      // versions under ours. Write once more on top of their head.
      written = await this.setVersion(text, tags, log.head ?? NO_PARENT);
      writeCalls++;
      log = await this.log();
    }
    if (log.committed.has(written)) {
      // Key Vault stamps versions to the second: a sibling written later in the same
      // second could still sort first. Decide once that second is over (plus a margin
      // for clock skew); a later second always sorts after ours.
      const created = log.created.get(written) ?? 0;
      const wait = created + 1000 + CLOCK_MARGIN_MS - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      log = await this.log();
      if (log.committed.has(written)) return { version: written, writeCalls };
    }
    // Lost: leave no reader on a version that dropped a committed change. The newest
    // version gets the committed head's content again (disabling the newest version
    // would make the secret unreadable: 403 SecretDisabled).
    for (let i = 0; i < SUPERSEDE_ATTEMPTS && log.head !== null; i++) {
      // What readers get is the version Key Vault serves, not an order we infer.
      const served = (await this.calls.getOrNull(this.name))?.properties.version;
      if (served === undefined || log.committed.has(served)) break;
      const head = await this.calls.call(`version ${log.head} of ${this.name}`, () =>
        this.calls.client.getSecret(this.name, { ...this.calls.opts(), version: log.head! }),
      );
      const tags = {
        ...(head.properties.tags ?? {}),
        [SEQ_TAG]: String(seqOf(head.properties) + 1),
      };
      await this.setVersion(head.value ?? "", tags, log.head);
      writeCalls++;
      log = await this.log();
    }
    throw remoteChanged(this.display, ["the bundle's version"]);
  }

  /** Writes a version tagged with the version it goes on top of and a nonce. */
  private async setVersion(
    text: string,
    tags: Record<string, string>,
    parent: string,
    recovered?: { calls: number },
  ): Promise<string> {
    const s = await this.calls.set(
      this.name,
      text,
      {
        ...tags,
        [MANAGED_TAG]: MANAGED_VALUE,
        [PARENT_TAG]: parent,
        [NONCE_TAG]: randomBytes(8).toString("hex"),
      },
      "application/json",
      recovered,
    );
    return s.properties.version ?? "";
  }

  /** Every version of the bundle with its recorded parent, walked in creation order. */
  private async log(): Promise<CommitLog> {
    const props = await this.versionProperties();
    return commitLog(
      props.map((p) => ({
        id: p.version ?? "",
        created: p.createdOn?.getTime() ?? 0,
        parent: p.tags?.[PARENT_TAG],
        nonce: p.tags?.[NONCE_TAG],
      })),
    );
  }

  private versionProperties(): Promise<SecretProperties[]> {
    return this.calls.call(`versions of ${this.name}`, async () => {
      const out: SecretProperties[] = [];
      for await (const p of this.calls.client.listPropertiesOfSecretVersions(
        this.name,
        this.calls.opts(),
      ))
        out.push(p);
      return out;
    });
  }

  async listVersions(): Promise<VersionInfo[]> {
    const props = await this.versionProperties();
    const current = await this.calls.getOrNull(this.name);
    return props.sort(newestFirst).map((p) => ({
      id: p.version ?? "",
      createdAt: p.createdOn ?? null,
      keyCount: null,
      current: p.version !== undefined && p.version === current?.properties.version,
      ...(p.enabled === false ? { state: "disabled" } : {}),
    }));
  }

  async readVersion(id: string): Promise<RemoteSnapshot> {
    const s = await this.calls.call(`version ${id} of ${this.name}`, () =>
      this.calls.client.getSecret(this.name, { ...this.calls.opts(), version: id }),
    );
    return bundleSnapshot(s.value ?? "", this.display, s.properties.version ?? null);
  }
}

/** One managed secret found by listing. */
interface Listed {
  readonly key: string;
  readonly name: string;
}

/** What a per-key probe last saw of one secret (see PerKeyStore.probeVersion). */
interface Probed {
  /** Name, updated, enabled, tags and content type as listed. */
  readonly fields: string;
  /** Digest of its version ids and states, "" when they were not asked for. */
  readonly versions: string;
  /** True when those were taken (or skipped) after the stamp's window closed. */
  readonly final: boolean;
}

/** What phase one of a per-key write found under one touched key. */
interface Found {
  readonly key: string;
  readonly name: string;
  readonly version: string | null;
  readonly value: string | undefined;
  readonly softDeleted: boolean;
  /** Held by a secret (live or soft-deleted) without managed-by=envsync. */
  readonly foreign: boolean;
}

/** What one listing of a per-key prefix found besides the managed secrets it emitted. */
interface Listing {
  readonly skipped: number;
  readonly disabled: number;
  readonly foreign: ForeignEntry[];
  /** Every name under the prefix with the key it reads as (for refuseCollisions). */
  readonly claims: NamedKey[];
  /**
   * Managed secrets whose `envsync-key` tag names a key their name does not encode
   * (tags copied onto another secret): never read as that key, reported, never written.
   */
  readonly mismarked: UnreadableEntry[];
}

/** Per-key layout: one secret per key under `PREFIX`, names mapped reversibly. */
class PerKeyStore implements Store {
  readonly scheme = "azure-kv";
  readonly layout = "per-key" as const;
  readonly rules = RULES;

  constructor(
    readonly display: string,
    private readonly target: AzureTarget,
    private readonly calls: VaultCalls,
    private readonly concurrency: number,
  ) {}

  /** Per secret name, what the last probe saw (kept so a settled secret costs nothing). */
  private readonly probed = new Map<string, Probed>();

  private get prefix(): string {
    return this.target.name;
  }

  /** Closes the client's idle connections. */
  close(): Promise<void> {
    this.calls.client.close();
    return Promise.resolve();
  }

  /**
   * The remote's version without reading a value (`run --watch` polls it). One listing
   * of the vault (what `read` lists) gives each managed secret's `updated` stamp,
   * enabled flag, tags and content type, but no version id, and the stamp is in whole
   * seconds: two writes within one second look the same. So a secret whose stamp is
   * less than {@link PROBE_SETTLE_MS} older than the listing (the vault's `Date`
   * header; our clock less {@link PROBE_CLOCK_SKEW_MS} without one) also has its
   * versions listed (ids and enabled flags, no values), at most `concurrency` at a
   * time, and again on each probe until a listing of them was taken after that
   * window. A settled secret costs nothing beyond the listing. Null when no managed
   * secret is listed.
   */
  async probeVersion(): Promise<string | null> {
    const prefix = this.prefix.toLowerCase();
    const listed = await this.calls.call("listing secrets", async () => {
      const out: { key: string; name: string; fields: string; updated: number }[] = [];
      let serverNow: number | undefined;
      const pages = this.calls.client
        .listPropertiesOfSecrets({
          ...this.calls.opts(),
          // Only the first page's request carries these options: the earliest time.
          onResponse: (raw) => {
            const date = Date.parse(raw.headers.get("date") ?? "");
            if (serverNow === undefined && Number.isFinite(date)) serverNow = date;
          },
        })
        .byPage({ maxPageSize: PAGE_SIZE });
      const seen = new Set<string>();
      for await (const page of pages) {
        for (const p of page) {
          if (!p.name.toLowerCase().startsWith(prefix) || !isManaged(p.tags)) continue;
          const key = this.keyOf(p);
          if (key === null || seen.has(p.name)) continue;
          seen.add(p.name);
          const tags = Object.entries(p.tags ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
          const updated = p.updatedOn?.getTime() ?? 0;
          const fields = JSON.stringify([p.name, updated, p.enabled, tags, p.contentType ?? null]);
          out.push({ key, name: p.name, fields, updated });
        }
      }
      const now = serverNow ?? Date.now() - PROBE_CLOCK_SKEW_MS;
      return { entries: out, now };
    });
    const { entries, now } = listed;
    const parts = await mapLimit(entries, this.concurrency, async (e) => {
      const prev = this.probed.get(e.name);
      const settled = e.updated + PROBE_SETTLE_MS <= now;
      let probed: Probed;
      if (prev?.fields === e.fields && prev.final) probed = prev;
      else if (settled && prev?.fields !== e.fields)
        probed = { fields: e.fields, versions: "", final: true };
      else
        probed = { fields: e.fields, versions: await this.versionDigest(e.name), final: settled };
      return { e, probed };
    });
    this.probed.clear();
    const keyVersions = new Map<string, string>();
    for (const { e, probed } of parts) {
      this.probed.set(e.name, probed);
      keyVersions.set(e.key, `${probed.fields}\0${probed.versions}`);
    }
    return digestKeyVersions(keyVersions);
  }

  /** Digest of a secret's version ids and enabled flags (listed, no values); "" when it is gone. */
  private async versionDigest(name: string): Promise<string> {
    try {
      return await this.calls.call(`versions of ${name}`, async () => {
        const ids: string[] = [];
        for await (const p of this.calls.client.listPropertiesOfSecretVersions(
          name,
          this.calls.opts(),
        ))
          ids.push(`${p.version ?? ""}:${p.enabled === false ? 0 : 1}`);
        return ids.sort().join(",");
      });
    } catch (e) {
      if (e instanceof EnvsyncError && e.code === "NOT_FOUND" && statusOf(e.cause) === 404)
        return "";
      throw e;
    }
  }

  /**
   * The secrets under the prefix that envsync does not manage, over this store's own
   * client (one client per store per command).
   */
  async foreign(): Promise<ForeignAccess> {
    const { foreignOver } = await import("./foreign.js");
    return foreignOver(this.target, this.concurrency, this.calls.client);
  }

  /**
   * Lists managed secrets under the prefix page by page, handing each page to `emit`
   * as it arrives; counts what it leaves alone. A retried listing starts over, so
   * names already emitted are skipped (the SDK does not expose the page token).
   */
  private async list(emit: (items: readonly Listed[]) => void): Promise<Listing> {
    const prefix = this.prefix.toLowerCase();
    const seen = new Set<string>();
    return this.calls.call("listing secrets", async () => {
      let disabled = 0;
      // Every name under the prefix and the key it reads as, managed or not, to refuse
      // two names that read as one key (a retried listing repeats names: counted once).
      const claims: NamedKey[] = [];
      // The secrets other tools made, as src/providers/azure/foreign.ts lists them (by
      // name: a retried listing sees them again).
      const foreign = new Map<string, ForeignEntry>();
      const mismarked = new Map<string, UnreadableEntry>();
      const pages = this.calls.client
        .listPropertiesOfSecrets(this.calls.opts())
        .byPage({ maxPageSize: PAGE_SIZE });
      for await (const page of pages) {
        const items: Listed[] = [];
        for (const p of page) {
          if (!p.name.toLowerCase().startsWith(prefix)) continue;
          if (!isManaged(p.tags)) {
            const rest = p.name.slice(this.prefix.length);
            const entry = { name: p.name, key: decodeKey(rest) ?? rest };
            foreign.set(p.name, entry);
            claims.push(entry);
            continue;
          }
          const key = this.keyOf(p);
          if (key === null) {
            const claimed = this.disagreeingTag(p);
            if (claimed !== null) {
              claims.push({ name: p.name, key: claimed });
              mismarked.set(p.name, {
                key: claimed,
                name: p.name,
                why: `its ${KEY_TAG} tag names ${claimed}, whose secret would be ${secretNameFor(this.prefix, claimed)}: tags copied from another secret? Fix or remove the tag`,
              });
            }
            continue;
          }
          claims.push({ name: p.name, key });
          if (p.enabled === false) {
            disabled++;
            continue;
          }
          if (seen.has(p.name)) continue;
          seen.add(p.name);
          items.push({ key, name: p.name });
        }
        if (items.length > 0) emit(items);
      }
      return {
        skipped: foreign.size,
        disabled,
        foreign: [...foreign.values()].sort((a, b) => (a.name < b.name ? -1 : 1)),
        claims,
        mismarked: [...mismarked.values()],
      };
    });
  }

  /**
   * The key a managed secret's `envsync-key` tag claims when its name does not encode
   * that key under this prefix nor under a longer one (tags copied onto another secret,
   * e.g. by an infrastructure tool); null otherwise.
   */
  private disagreeingTag(p: SecretProperties): string | null {
    const tagged = p.tags?.[KEY_TAG];
    if (tagged === undefined || unmappableReason(tagged) !== null) return null;
    return p.name.toLowerCase().endsWith(encodeKey(tagged)) ? null : tagged;
  }

  /** The key a managed secret holds: its tag when the tag maps to this name, else the decoded name. */
  private keyOf(p: SecretProperties): string | null {
    const tagged = p.tags?.[KEY_TAG];
    if (tagged !== undefined) {
      if (unmappableReason(tagged) !== null) return null;
      // A tag that maps elsewhere belongs to another (longer) prefix.
      return secretNameFor(this.prefix, tagged).toLowerCase() === p.name.toLowerCase()
        ? tagged
        : null;
    }
    return decodeKey(p.name.slice(this.prefix.length));
  }

  /**
   * Known keys the listing left out (or listed disabled), asked for by name: found,
   * 404 (absent), or 403 SecretDisabled (exists, unreadable: unknown, never absent).
   */
  private async readByName(keys: readonly string[]): Promise<Map<string, ByName>> {
    const out = new Map<string, ByName>();
    await mapLimit(keys, this.concurrency, async (key) => {
      if (unmappableReason(key) !== null) return;
      try {
        const s = await this.calls.getOrNull(secretNameFor(this.prefix, key));
        out.set(
          key,
          s === null
            ? { state: "absent" }
            : { state: "found", value: s.value ?? "", version: s.properties.version ?? "" },
        );
      } catch (e) {
        if (!(e instanceof EnvsyncError) || azureCodeOf(e.cause) !== "SecretDisabled") throw e;
        out.set(key, { state: "unknown", why: "the secret is disabled (403 SecretDisabled)" });
      }
    });
    return out;
  }

  async read(hint: ReadHint = {}): Promise<RemoteSnapshot> {
    let counts: Listing = { skipped: 0, disabled: 0, foreign: [], claims: [], mismarked: [] };
    // Reads start while later pages are still being listed.
    const { items, results: secrets } = await mapPagesLimit<Listed, KeyVaultSecret | null>(
      async (emit) => {
        counts = await this.list(emit);
      },
      this.concurrency,
      (it) => this.calls.getOrNull(it.name),
    );
    const { skipped, disabled, foreign, claims, mismarked } = counts;
    refuseCollisions(
      claims,
      this.display,
      "Keep one secret per key: delete the other secret, or fix its tags so envsync-key names the key its name encodes (az keyvault secret set-attributes --name NAME --tags ...); then run the command again.",
    );
    const values = new Map<string, string>();
    const keyVersions = new Map<string, string>();
    items.forEach((it, i) => {
      const s = secrets[i];
      if (!s) return; // deleted between list and get
      values.set(it.key, s.value ?? "");
      keyVersions.set(it.key, s.properties.version ?? "");
    });
    // Listings lag behind writes, and a disabled secret is listed but cannot be read:
    // a known key either leaves out is asked for by name before it may count as deleted.
    const confirmed = await confirmMissing(
      hint.knownKeys,
      // Marked or not: a secret listed without the mark is foreign, not missing.
      new Set([...items.map((it) => it.key), ...foreign.map((f) => f.key)]),
      (keys) => this.readByName(keys),
    );
    for (const [key, { value, version }] of confirmed.found) {
      values.set(key, value);
      keyVersions.set(key, version);
    }
    const notes: string[] = [];
    if (skipped > 0)
      notes.push(
        `${skipped} secret(s) under the prefix lack the ${MANAGED_TAG}=${MANAGED_VALUE} tag and were left alone`,
      );
    if (disabled > 0) notes.push(`${disabled} disabled secret(s) under the prefix were skipped`);
    return {
      exists: items.length > 0 || confirmed.found.size > 0 || mismarked.length > 0,
      values,
      version: digestKeyVersions(keyVersions),
      keyVersions,
      ...(notes.length > 0 ? { notes } : {}),
      foreign,
      ...(mismarked.length > 0 ? { unreadable: mismarked } : {}),
      ...(confirmed.unconfirmed.length > 0 ? { unconfirmed: confirmed.unconfirmed } : {}),
      ...(confirmed.notes.length > 0 ? { warnings: confirmed.notes } : {}),
    };
  }

  validate(next: ReadonlyMap<string, string>, changes: ChangeSet): void {
    mapKeys(this.prefix, new Set([...next.keys(), ...changes.set.keys()]), this.display);
    checkValueSizes(changes.set, AZURE_MAX_VALUE_BYTES, this.display);
  }

  async write(
    changes: ChangeSet,
    expected: RemoteSnapshot,
    options: WriteOptions = {},
  ): Promise<WriteResult> {
    // A key claimed by a mismarked secret: writing it would make two secrets read as it.
    refuseUnreadable(changes, expected, this.display);
    const names = mapKeys(this.prefix, changes.set.keys(), this.display);
    checkValueSizes(changes.set, AZURE_MAX_VALUE_BYTES, this.display);
    for (const key of changes.delete) {
      if (!names.has(key) && unmappableReason(key) === null)
        names.set(key, secretNameFor(this.prefix, key));
    }
    const touched = [...new Set([...changes.set.keys(), ...changes.delete])].filter((k) =>
      names.has(k),
    );

    // Phase one: look at every touched name before writing anything.
    const found = await mapLimit(touched, this.concurrency, async (key): Promise<Found> => {
      const name = names.get(key) as string;
      const cur = await this.calls.getOrNull(name);
      if (cur) {
        const foreign = !isManaged(cur.properties.tags);
        const owner = cur.properties.tags?.[KEY_TAG];
        if (!foreign && owner !== undefined && owner !== key) throw this.heldByOther(key, name);
        return {
          key,
          name,
          version: cur.properties.version ?? null,
          value: cur.value,
          softDeleted: false,
          foreign,
        };
      }
      if (changes.set.has(key)) {
        const deleted = await this.calls.getDeletedOrNull(name);
        if (deleted) {
          const foreign = !isManaged(deleted.properties.tags);
          return { key, name, version: null, value: undefined, softDeleted: true, foreign };
        }
      }
      return { key, name, version: null, value: undefined, softDeleted: false, foreign: false };
    });
    guardKeys(found, expected.keyVersions, this.display);

    // Phase two: write changed keys only, recovering soft-deleted names first.
    let writeCalls = 0;
    const written = new Map<string, string>();
    const sets = found.filter(
      (f) => changes.set.has(f.key) && (f.version === null || f.value !== changes.set.get(f.key)),
    );
    await mapLimit(sets, this.concurrency, async (f) => {
      const tags = { [MANAGED_TAG]: MANAGED_VALUE, [KEY_TAG]: f.key };
      const value = changes.set.get(f.key) as string;
      if (f.softDeleted) {
        await this.calls.recover(f.name);
        writeCalls++;
      }
      // A name deleted since phase one (by us earlier or by someone else) is waited out and recovered.
      const counter = { calls: 0 };
      const s = await this.calls.set(f.name, value, tags, "text/plain", counter);
      writeCalls += counter.calls + 1;
      written.set(f.key, s.properties.version ?? "");
    });
    const deletes = found.filter((f) => changes.delete.includes(f.key) && f.version !== null);
    await mapLimit(deletes, this.concurrency, async (f) => {
      writeCalls += await this.calls.remove(f.name, options.purge === true);
    });

    const after = new Map(expected.keyVersions);
    for (const f of deletes) after.delete(f.key);
    for (const [k, v] of written) after.set(k, v);
    return { version: digestKeyVersions(after), keyVersions: written, writeCalls };
  }

  private heldByOther(key: string, name: string): EnvsyncError {
    return new EnvsyncError(
      "NAME",
      `The key ${key} maps to the secret "${name}" in ${this.display}, which envsync keeps for another key (a remote with an overlapping prefix).`,
      {
        hint: "Use prefixes that do not overlap, e.g. app-dev- and app-prod- rather than app- and app-dev-.",
      },
    );
  }
}

/** The provider entry the registry loads for `azure-kv://`. */
export function createStore(uri: RemoteUri, context: StoreContext): Store {
  const target = parseAzureTarget(uri);
  const display = displayUri(uri);
  const calls = new VaultCalls(makeClient(target.vaultUrl, context), target.vaultUrl, context);
  return target.layout === "bundle"
    ? new BundleStore(display, target, calls)
    : new PerKeyStore(display, target, calls, Math.max(1, context.concurrency));
}
