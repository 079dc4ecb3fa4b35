/**
 * AWS SSM Parameter Store, per-key (docs/DESIGN.md, "Remotes", "Store rules"): `aws-ssm://PATH/*?region=R` keeps
 * each key as a `SecureString` parameter `/PATH/KEY`. Reads use GetParametersByPath
 * (recursive, decrypted, paged); writes touch only changed keys, guarded by each
 * parameter's `Version`. The SDK is imported statically: the registry's dynamic
 * import of this file is the lazy-loading boundary (docs/DESIGN.md, "Start-up").
 */
import type { Parameter, ParameterMetadata, PutParameterCommandInput } from "@aws-sdk/client-ssm";
import type { AwsClient } from "./client.js";
import {
  AddTagsToResourceCommand,
  DeleteParametersCommand,
  DescribeParametersCommand,
  GetParametersByPathCommand,
  GetParametersCommand,
  ListTagsForResourceCommand,
  PutParameterCommand,
  ssmClient,
} from "./commands.js";
import { EnvsyncError } from "../../errors.js";
import { chunk, mapLimit } from "../parallel.js";
import { checkNames, checkValueSizes } from "../rules.js";
import { keyCaseOf, keyFromName, nameFromKey, type KeyCase } from "../key-case.js";
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
  WriteResult,
} from "../types.js";
import { confirmMissing, type ByName } from "../shared/confirm-absent.js";
import { checkSsmDepth, SSM_TIER_BYTES } from "../shared/limits.js";
import { refuseCollisions } from "../shared/collisions.js";
import { guardKeys } from "../shared/guard.js";
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
  parseAwsOptions,
  remoteChanged,
  type CountsCalls,
  type ForeignOverOwnClient,
  type Send,
} from "./common.js";

/** Standard-tier parameter value limit (docs/DESIGN.md, "Store rules"): envsync writes Standard parameters. */
export const SSM_MAX_VALUE_BYTES = SSM_TIER_BYTES.standard;
/** Allowed characters of a parameter name. */
export const SSM_NAME_PATTERN = /^[A-Za-z0-9_.\-/]+$/;
/** Longest parameter name (AWS: 1011 characters for the name itself). */
export const SSM_NAME_MAX = 1011;
const SSM_NAME_RULE = "letters, digits and _.-/";
/** GetParameters and DeleteParameters take at most 10 names; GetParametersByPath returns 10 per page. */
export const SSM_BATCH = 10;
/**
 * PutParameter has a low default rate limit (a few per second per account); more
 * parallel writes only earn throttling, which is retried anyway.
 */
const SSM_WRITE_CONCURRENCY = 3;
/** DescribeParameters returns at most 50 per page and takes at most 50 filter values. */
const DESCRIBE_BATCH = 50;

/** One DescribeParameters filter (`Name`, `Path`, `tag:KEY`…). */
export interface ParameterFilter {
  readonly Key: string;
  readonly Option: string;
  readonly Values: string[];
}

/** The filter that keeps envsync's own parameters: tag managed-by=envsync. */
export const MANAGED_FILTER: ParameterFilter = {
  Key: `tag:${MANAGED_TAG.Key}`,
  Option: "Equals",
  Values: [MANAGED_TAG.Value],
};

/**
 * Names of the parameters matching every filter: DescribeParameters returns metadata
 * only, 50 per page on AWS (moto: 10, whatever MaxResults says), pages in sequence.
 */
export async function describeNames(
  client: AwsClient,
  send: Send,
  filters: readonly ParameterFilter[],
  meta?: Map<string, ParameterMetadata>,
): Promise<Set<string>> {
  const out = new Set<string>();
  let token: string | undefined;
  do {
    const r = await send("DescribeParameters", () =>
      client.send(
        new DescribeParametersCommand({
          ParameterFilters: filters.map((f) => ({ ...f })),
          MaxResults: DESCRIBE_BATCH,
          NextToken: token,
        }),
      ),
    );
    for (const p of r.Parameters ?? []) {
      if (!p.Name) continue;
      out.add(p.Name);
      meta?.set(p.Name, p);
    }
    token = r.NextToken;
  } while (token);
  return out;
}

/**
 * The parameters under `base` that another tool made (not in `managed`), by name, sorted:
 * what the read reports and `envsync adopt` offers to take over.
 */
export function foreignParameters(
  names: Iterable<string>,
  managed: ReadonlySet<string>,
  base: string,
  kc: KeyCase,
): ForeignEntry[] {
  return [...names]
    .filter((n) => !managed.has(n) && n.startsWith(base))
    .sort()
    .map((name) => ({ name, key: keyFromName(name.slice(base.length), kc) }));
}

/** `PATH/*` (with or without a leading slash) → `/PATH`. */
export function parseSsmTarget(target: string, display: string): string {
  if (!target.endsWith("/*")) {
    throw new EnvsyncError("URI", `${display} must name a parameter path ending in /*.`, {
      hint: "Use aws-ssm://PATH/* (e.g. aws-ssm://myapp/dev/*): one SecureString parameter per key under /PATH/.",
    });
  }
  const path = "/" + target.slice(0, -2).replace(/^\/+/, "").replace(/\/+$/, "");
  if (path === "/" || path.includes("*") || !SSM_NAME_PATTERN.test(path) || path.includes("//")) {
    throw new EnvsyncError("URI", `"${path}" in ${display} is not a valid parameter path.`, {
      hint: `Parameter paths use ${SSM_NAME_RULE}, e.g. aws-ssm://myapp/dev/*.`,
    });
  }
  if (/^\/(aws|ssm)(\/|$)/i.test(path)) {
    throw new EnvsyncError(
      "URI",
      `${display}: paths starting with /aws or /ssm are reserved by AWS.`,
      {
        hint: "Choose another path, e.g. aws-ssm://myapp/dev/*.",
      },
    );
  }
  return path;
}

const rules: StoreRules = {
  maxValueBytes: SSM_MAX_VALUE_BYTES,
  nameRule: `${SSM_NAME_RULE}, at most ${SSM_NAME_MAX} characters`,
};

/** Builds the store for an `aws-ssm://PATH/*` URI. */
export function createStore(
  uri: RemoteUri,
  context: StoreContext,
): Store & CountsCalls & ForeignOverOwnClient {
  const display = displayUri(uri);
  const path = parseSsmTarget(uri.target, display);
  const options = parseAwsOptions(uri, display);
  const client = ssmClient(options, context);
  const calls = new CallCounter();
  calls.attach(client);
  const send = makeSend(context, display, calls);
  const base = `${path}/`;
  const kc = keyCaseOf(uri, display);
  const nameOf = (key: string): string => base + nameFromKey(key, kc);
  const keyOf = (name: string): string | undefined =>
    name.startsWith(base) && name.length > base.length
      ? keyFromName(name.slice(base.length), kc)
      : undefined;

  const validate = (_next: ReadonlyMap<string, string>, changes: ChangeSet): void => {
    checkNames(
      [...changes.set.keys()].map((key) => ({ key, name: nameOf(key) })),
      SSM_NAME_PATTERN,
      SSM_NAME_MAX,
      SSM_NAME_RULE,
      display,
    );
    checkSsmDepth(
      [...changes.set.keys()].map((key) => ({ key, name: nameOf(key) })),
      display,
    );
    checkValueSizes(changes.set, SSM_MAX_VALUE_BYTES, display);
    for (const [key, value] of changes.set) {
      if (value === "") {
        throw new EnvsyncError(
          "LIMIT",
          `The value of ${key} is empty; SSM Parameter Store cannot store empty values.`,
          {
            hint: "Give the key a value, remove it, or use an aws-sm:// remote, which stores empty values.",
          },
        );
      }
    }
  };

  /** Names of envsync-managed parameters (tag managed-by=envsync) matching `filter`. */
  const managedNames = (
    filter: ParameterFilter,
    meta?: Map<string, ParameterMetadata>,
  ): Promise<Set<string>> => describeNames(client, send, [filter, MANAGED_FILTER], meta);

  /** Current versions of the named keys (absent keys are missing from the map). */
  const versionsOf = async (keys: readonly string[]): Promise<Map<string, string>> => {
    const out = new Map<string, string>();
    await mapLimit(chunk(keys.map(nameOf), SSM_BATCH), context.concurrency, async (Names) => {
      const r = await send("GetParameters", () => client.send(new GetParametersCommand({ Names })));
      for (const p of r.Parameters ?? []) {
        const key = p.Name === undefined ? undefined : keyOf(p.Name);
        if (key !== undefined && p.Version !== undefined) out.set(key, String(p.Version));
      }
    });
    return out;
  };

  /** Known keys a listing left out, asked for by name (GetParameters, 10 a call). */
  const readByName = async (keys: readonly string[]): Promise<Map<string, ByName>> => {
    const out = new Map<string, ByName>();
    await mapLimit(chunk(keys, SSM_BATCH), context.concurrency, async (batch) => {
      const r = await send("GetParameters", () =>
        client.send(new GetParametersCommand({ Names: batch.map(nameOf), WithDecryption: true })),
      );
      for (const p of r.Parameters ?? []) {
        const key = p.Name === undefined ? undefined : keyOf(p.Name);
        if (key === undefined || p.Value === undefined) continue;
        out.set(key, { state: "found", value: p.Value, version: String(p.Version ?? "") });
      }
      for (const n of r.InvalidParameters ?? []) {
        const key = keyOf(n);
        if (key !== undefined) out.set(key, { state: "absent" });
      }
    });
    return out;
  };

  /** Every parameter under the path, decrypted (10 per page). */
  const readByPath = async (): Promise<Parameter[]> => {
    const out: Parameter[] = [];
    let token: string | undefined;
    do {
      const r = await send("GetParametersByPath", () =>
        client.send(
          new GetParametersByPathCommand({
            Path: path,
            Recursive: true,
            WithDecryption: true,
            MaxResults: SSM_BATCH,
            NextToken: token,
          }),
        ),
      );
      out.push(...(r.Parameters ?? []));
      token = r.NextToken;
    } while (token);
    return out;
  };

  /**
   * The parameters under the path that envsync does not manage, over this store's client
   * (one client per store per command): listing is metadata only (DescribeParameters,
   * 50 a call), reading GetParameters (10 a call), adopting AddTagsToResource. Closing
   * it closes nothing; the store closes the client.
   */
  const foreign: ForeignAccess = {
    noun: "parameters",
    where: base,
    async list() {
      const pathFilter = { Key: "Path", Option: "Recursive", Values: [path] };
      const [all, managed] = await Promise.all([
        describeNames(client, send, [pathFilter]),
        describeNames(client, send, [pathFilter, MANAGED_FILTER]),
      ]);
      return foreignParameters(all, managed, base, kc);
    },
    async read(entries) {
      const byName = new Map(entries.map((e) => [e.name, e.key]));
      const out = new Map<string, string>();
      await mapLimit(chunk([...byName.keys()], SSM_BATCH), context.concurrency, async (Names) => {
        const r = await send("GetParameters", () =>
          client.send(new GetParametersCommand({ Names, WithDecryption: true })),
        );
        for (const p of r.Parameters ?? []) {
          const key = p.Name === undefined ? undefined : byName.get(p.Name);
          if (key !== undefined && p.Value !== undefined) out.set(key, p.Value);
        }
      });
      return out;
    },
    async adopt(entries) {
      await mapLimit([...entries], context.concurrency, async (e: ForeignEntry) => {
        await send("AddTagsToResource", () =>
          client.send(
            new AddTagsToResourceCommand({
              ResourceType: "Parameter",
              ResourceId: e.name,
              Tags: [{ ...MANAGED_TAG }],
            }),
          ),
        );
      });
    },
    close: () => Promise.resolve(),
  };

  return {
    scheme: "aws-ssm",
    display,
    layout: "per-key",
    rules,
    calls,

    foreign: () => Promise.resolve(foreign),

    async read(hint: ReadHint = {}): Promise<RemoteSnapshot> {
      // Parameters under the path without the managed-by=envsync tag are left alone,
      // as in Secrets Manager. GetParametersByPath (⌈n/10⌉ sequential pages, the AWS
      // CLI's calls) returns every parameter under the path but no tags; the names the
      // base does not know (all of them without a base) are then asked in parallel
      // (DescribeParameters by name and tag, 50 a call): ⌈n/10⌉ + ⌈unknown/50⌉ calls,
      // ⌈n/10⌉ + ⌈unknown/50/concurrency⌉ round trips. (A path + tag DescribeParameters
      // chain would cost as many calls, all in sequence; ListTagsForResource, one per
      // name; the options measured are in docs/BENCHMARKS.md, "What stops the missed
      // goals".) The read has seen every name under the path and which are envsync's, so
      // the entries made by other tools come with it (`foreign`), with no listing of
      // their own.
      const known = hint.knownKeys ?? new Set<string>();
      const params = await readByPath();
      refuseCollisions(
        params.flatMap((p) => {
          const key = p.Name === undefined ? undefined : keyOf(p.Name);
          return key === undefined ? [] : [{ name: p.Name!, key }];
        }),
        display,
        collisionHint,
      );
      const managed = new Set<string>();
      const unknown: string[] = [];
      for (const p of params) {
        if (p.Name === undefined) continue;
        const key = keyOf(p.Name);
        if (key !== undefined && known.has(key)) managed.add(p.Name);
        else unknown.push(p.Name);
      }
      await mapLimit(chunk(unknown, DESCRIBE_BATCH), context.concurrency, async (names) => {
        for (const n of await managedNames({ Key: "Name", Option: "Equals", Values: names }))
          managed.add(n);
      });
      const values = new Map<string, string>();
      const versions = new Map<string, string>();
      for (const p of params) {
        const key = p.Name === undefined ? undefined : keyOf(p.Name);
        if (key === undefined || p.Value === undefined || !managed.has(p.Name ?? "")) continue;
        values.set(key, p.Value);
        if (p.Version !== undefined) versions.set(key, String(p.Version));
      }
      // GetParametersByPath is a listing: a known key it leaves out is asked by name.
      const listed = new Set<string>();
      for (const p of params) {
        const key = p.Name === undefined ? undefined : keyOf(p.Name);
        // Marked or not: a parameter listed without the mark is foreign, not missing.
        if (key !== undefined) listed.add(key);
      }
      const confirmed = await confirmMissing(hint.knownKeys, listed, readByName);
      for (const [key, { value, version }] of confirmed.found) {
        values.set(key, value);
        versions.set(key, version);
      }
      const foreign = foreignParameters(
        params.flatMap((p) => (p.Name === undefined ? [] : [p.Name])),
        managed,
        base,
        kc,
      );
      return {
        exists: values.size > 0,
        values,
        version: digestVersions(versions),
        keyVersions: versions,
        foreign,
        ...(confirmed.unconfirmed.length > 0 ? { unconfirmed: confirmed.unconfirmed } : {}),
        ...(confirmed.notes.length > 0 ? { warnings: confirmed.notes } : {}),
      };
    },

    /**
     * DescribeParameters under the path with the managed-by tag (metadata only: each
     * parameter's Version, no value): a digest of the managed keys' versions.
     */
    async probeVersion() {
      const meta = new Map<string, ParameterMetadata>();
      await managedNames({ Key: "Path", Option: "Recursive", Values: [path] }, meta);
      const versions = new Map<string, string>();
      for (const [name, p] of meta) {
        const key = keyOf(name);
        if (key !== undefined && p.Version !== undefined) versions.set(key, String(p.Version));
      }
      return digestVersions(versions);
    },

    validate,

    async write(changes, expected): Promise<WriteResult> {
      validate(applyChanges(expected.values, changes), changes);
      const deletes = changes.delete.filter((k) => !changes.set.has(k));
      const touched = [...new Set([...changes.set.keys(), ...deletes])];
      const versions = new Map(expected.keyVersions);
      if (touched.length === 0)
        return { version: digestVersions(versions), keyVersions: new Map(), writeCalls: 0 };

      const current = await versionsOf(touched);
      const existing = touched.filter((k) => current.has(k));
      const managed = new Set<string>();
      // Type, tier and KMS key of each parameter written over: an update keeps them.
      const meta = new Map<string, ParameterMetadata>();
      await mapLimit(
        chunk(existing.map(nameOf), DESCRIBE_BATCH),
        context.concurrency,
        async (names) => {
          for (const n of await managedNames(
            { Key: "Name", Option: "Equals", Values: names },
            meta,
          ))
            managed.add(n);
        },
      );
      // DescribeParameters is a listing too: a parameter it does not report as envsync's
      // that the read had with a version is asked for its tags by name before it counts
      // as someone else's (docs/CLOUD-BEHAVIOUR.md).
      await mapLimit(
        existing.filter((k) => !managed.has(nameOf(k)) && expected.keyVersions.has(k)),
        context.concurrency,
        async (key) => {
          const r = await send("ListTagsForResource", () =>
            client.send(
              new ListTagsForResourceCommand({
                ResourceType: "Parameter",
                ResourceId: nameOf(key),
              }),
            ),
          );
          if (
            (r.TagList ?? []).some(
              (t) => t.Key === MANAGED_TAG.Key && t.Value === MANAGED_TAG.Value,
            )
          )
            managed.add(nameOf(key));
        },
      );
      guardKeys(
        touched.map((key) => ({
          key,
          name: nameOf(key),
          foreign: current.has(key) && !managed.has(nameOf(key)),
          version: current.get(key) ?? null,
        })),
        expected.keyVersions,
        display,
        { item: "parameter", mark: "tag" },
      );

      let writeCalls = 0;
      const written = new Map<string, string>();
      await mapLimit(
        [...changes.set],
        Math.min(context.concurrency, SSM_WRITE_CONCURRENCY),
        async ([key, value]) => {
          const Name = nameOf(key);
          const exists = current.has(key);
          writeCalls++;
          try {
            // Tags can only be given when creating (AWS rejects Tags with Overwrite).
            const r = await send("PutParameter", () =>
              client.send(
                new PutParameterCommand(
                  exists
                    ? { Name, Value: value, Overwrite: true, ...kept(meta.get(Name)) }
                    : {
                        Name,
                        Value: value,
                        Type: "SecureString",
                        Tags: [{ ...MANAGED_TAG }, { Key: KEY_TAG, Value: key }],
                      },
                ),
              ),
            );
            if (r.Version !== undefined) {
              written.set(key, String(r.Version));
              versions.set(key, String(r.Version));
            }
          } catch (e) {
            if (isAwsError(e, "ParameterAlreadyExists")) throw remoteChanged(display, [key]);
            throw e;
          }
        },
      );
      const present = deletes.filter((k) => current.has(k));
      await mapLimit(chunk(present, SSM_BATCH), context.concurrency, async (keys) => {
        writeCalls++;
        await send("DeleteParameters", () =>
          client.send(new DeleteParametersCommand({ Names: keys.map(nameOf) })),
        );
        for (const k of keys) versions.delete(k);
      });
      return { version: digestVersions(versions), keyVersions: written, writeCalls };
    },

    close() {
      client.destroy();
      return Promise.resolve();
    },
  };
}

/** How to resolve parameters whose names fold to one key (`case=upper`). */
export const collisionHint =
  "Keep one parameter per key: delete or rename the others (aws ssm delete-parameter --name NAME), or drop case=upper from the remote so each name is its own key.";

/**
 * What an update keeps of a parameter (another tool's `String`/`StringList`, an
 * `Advanced` tier, a customer KMS key): its type, tier and key id as described; a
 * parameter not described (never: the guard describes every one written) stays
 * `SecureString`, the type of new parameters.
 */
export function kept(
  p: ParameterMetadata | undefined,
): Pick<PutParameterCommandInput, "Type" | "Tier" | "KeyId"> {
  const type = p?.Type ?? "SecureString";
  return {
    Type: type,
    ...(p?.Tier === "Advanced" ? { Tier: "Advanced" } : {}),
    ...(type === "SecureString" && p?.KeyId ? { KeyId: p.KeyId } : {}),
  };
}

/**
 * The foreign-entry access of an `aws-ssm://` remote opened on its own (no command's
 * store at hand): a store of its own, closed with the access.
 */
export function openForeign(uri: RemoteUri, context: StoreContext): Promise<ForeignAccess> {
  return foreignOfOwnStore(createStore(uri, context));
}

/** Compile-time check that this file is a provider module and its foreign module. */
const _module: ProviderModule & ForeignModule = { createStore, openForeign };
void _module;
