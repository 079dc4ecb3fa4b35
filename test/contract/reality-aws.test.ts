/**
 * AWS Secrets Manager and SSM through the reality layer (test/harness/reality/aws-proxy.ts,
 * docs/CLOUD-BEHAVIOUR.md): moto answers at once and consistently; AWS documents
 * listings that lag behind writes, throttling, and secrets scheduled for deletion that
 * refuse writes. Each test first shows the behaviour on the raw SDK (so it fails if the
 * proxy is simplified), then envsync's answer. The store contract also runs once more
 * with every third call throttled: throttling is retried and never changes a result.
 */
import {
  CreateSecretCommand,
  ListSecretsCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { GetParametersByPathCommand, PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { CountsCalls } from "../../src/providers/aws/common.js";
import { openStore } from "../../src/providers/registry.js";
import type { ChangeSet, Store, StoreContext } from "../../src/providers/types.js";
import { startAwsReality, type AwsReality } from "../harness/reality/aws-proxy.js";
import { motoContext, motoEndpoint, uid } from "../support/moto.js";
import { runStoreContract } from "./store-contract.js";

let reality: AwsReality;
beforeAll(async () => {
  reality = await startAwsReality(motoEndpoint());
});
afterAll(async () => {
  await reality.close();
});

const changes = (set: Record<string, string>, del: string[] = []): ChangeSet => ({
  set: new Map(Object.entries(set)),
  delete: del,
});

const onReality = (uri: string): string =>
  `${uri}?region=us-east-1&endpoint=${encodeURIComponent(reality.endpoint)}`;

const open = async (uri: string, context: StoreContext = motoContext) =>
  (await openStore(onReality(uri), context)) as Store & CountsCalls;

const raw = {
  region: "us-east-1",
  get endpoint() {
    return reality.endpoint;
  },
};

describe("reality layer: AWS Secrets Manager per-key", () => {
  beforeEach(() => {
    reality.settle();
    reality.lag(true);
  });

  it("a key the listing does not show yet is found by name, not read as deleted", async () => {
    const uri = `aws-sm://envsync-reality/lag-${uid()}/*`;
    const a = await open(uri);
    await a.write(changes({ OLD: "1" }), await a.read());
    reality.settle();
    await a.write(changes({ NEW: "2" }), await a.read());
    // The documented lag, on the raw SDK: ListSecrets does not show NEW yet.
    const sm = new SecretsManagerClient({ ...raw });
    const listed = await sm.send(
      new ListSecretsCommand({ Filters: [{ Key: "name", Values: [uri.slice(9, -1)] }] }),
    );
    expect((listed.SecretList ?? []).map((e) => e.Name?.split("/").pop())).toEqual(["OLD"]);
    // A reader without a base sees only what the listing shows …
    const b = await open(uri);
    expect([...(await b.read()).values.keys()]).toEqual(["OLD"]);
    // … one whose base knows NEW asks for it by name and says the listing was incomplete.
    const snap = await b.read({ knownKeys: new Set(["OLD", "NEW"]) });
    expect(Object.fromEntries(snap.values)).toEqual({ OLD: "1", NEW: "2" });
    expect(snap.keyVersions.get("NEW")).toBeTruthy();
    expect(snap.unconfirmed ?? []).toEqual([]);
    expect(snap.warnings).toEqual([
      "listing incomplete: NEW was missing from the listing but found by name",
    ]);
    // And a write on top of that read updates NEW (the guard describes it by name).
    await b.write(changes({ NEW: "3" }), snap);
    reality.settle();
    expect(Object.fromEntries((await b.read()).values)).toEqual({ OLD: "1", NEW: "3" });
    sm.destroy();
    await a.close?.();
    await b.close?.();
  });

  it("a deletion the listing still shows is confirmed by the read by id", async () => {
    const uri = `aws-sm://envsync-reality/del-${uid()}/*`;
    const a = await open(uri);
    await a.write(changes({ GONE: "1", KEPT: "2" }), await a.read());
    reality.settle();
    await a.write(changes({}, ["GONE"]), await a.read());
    const sm = new SecretsManagerClient({ ...raw });
    const listed = await sm.send(
      new ListSecretsCommand({ Filters: [{ Key: "name", Values: [uri.slice(9, -1)] }] }),
    );
    expect((listed.SecretList ?? []).map((e) => e.Name?.split("/").pop()).sort()).toEqual([
      "GONE",
      "KEPT",
    ]);
    const snap = await a.read({ knownKeys: new Set(["GONE", "KEPT"]) });
    expect(Object.fromEntries(snap.values)).toEqual({ KEPT: "2" });
    expect(snap.unconfirmed ?? []).toEqual([]);
    sm.destroy();
    await a.close?.();
  });

  it("a read by name throttled past the retry budget leaves the key unconfirmed, never absent", async () => {
    const uri = `aws-sm://envsync-reality/thr-${uid()}/*`;
    const a = await open(uri);
    await a.write(changes({ OLD: "1" }), await a.read());
    reality.settle();
    await a.write(changes({ NEW: "2" }), await a.read());
    const name = `${uri.slice(9, -1)}NEW`;
    reality.throttle("BatchGetSecretValue", 2, (body) =>
      ((body.SecretIdList as string[] | undefined) ?? []).includes(name),
    );
    const b = await open(uri, { ...motoContext, retry: { maxAttempts: 2, totalTimeoutMs: 2000 } });
    const snap = await b.read({ knownKeys: new Set(["OLD", "NEW"]) });
    expect(Object.fromEntries(snap.values)).toEqual({ OLD: "1" });
    expect(snap.unconfirmed).toEqual(["NEW"]);
    expect(snap.warnings?.[0]).toMatch(/^listing incomplete: NEW not confirmed absent/);
    expect(b.calls.retries("BatchGetSecretValue")).toBe(1);
    await a.close?.();
    await b.close?.();
  });

  it("a throttled listing is retried and reads every key", async () => {
    const uri = `aws-sm://envsync-reality/list-${uid()}/*`;
    const a = await open(uri);
    await a.write(changes({ A: "1", B: "2" }), await a.read());
    reality.settle();
    reality.throttle("ListSecrets", 2);
    const snap = await a.read();
    expect(Object.fromEntries(snap.values)).toEqual({ A: "1", B: "2" });
    expect(a.calls.retries("ListSecrets")).toBe(2);
    await a.close?.();
  });

  it("a secret scheduled for deletion refuses a new value (as AWS); envsync restores it first", async () => {
    const uri = `aws-sm://envsync-reality/sched-${uid()}/*`;
    const a = await open(uri);
    await a.write(changes({ K: "1" }), await a.read());
    reality.settle();
    await a.write(changes({}, ["K"]), await a.read());
    reality.settle();
    const sm = new SecretsManagerClient({ ...raw });
    const name = `${uri.slice(9, -1)}K`;
    await expect(
      sm.send(new PutSecretValueCommand({ SecretId: name, SecretString: "x" })),
    ).rejects.toMatchObject({ name: "InvalidRequestException" });
    await expect(
      sm.send(new CreateSecretCommand({ Name: name, SecretString: "x" })),
    ).rejects.toMatchObject({ name: "InvalidRequestException" });
    await a.write(changes({ K: "2" }), await a.read());
    expect(Object.fromEntries((await a.read()).values)).toEqual({ K: "2" });
    sm.destroy();
    await a.close?.();
  });
});

describe("reality layer: SSM Parameter Store", () => {
  beforeEach(() => {
    reality.settle();
    reality.lag(true);
  });

  it("a parameter GetParametersByPath does not show yet is found by name (GetParameters)", async () => {
    const path = `envsync-reality/ssm-${uid()}`;
    const uri = `aws-ssm://${path}/*`;
    const a = await open(uri);
    await a.write(changes({ OLD: "1" }), await a.read());
    reality.settle();
    await a.write(changes({ NEW: "2" }), await a.read());
    const ssm = new SSMClient({ ...raw });
    const byPath = await ssm.send(
      new GetParametersByPathCommand({ Path: `/${path}/`, Recursive: true }),
    );
    expect((byPath.Parameters ?? []).map((p) => p.Name?.split("/").pop())).toEqual(["OLD"]);
    const snap = await a.read({ knownKeys: new Set(["OLD", "NEW"]) });
    expect(Object.fromEntries(snap.values)).toEqual({ OLD: "1", NEW: "2" });
    expect(snap.warnings).toEqual([
      "listing incomplete: NEW was missing from the listing but found by name",
    ]);
    // DescribeParameters lags too: the write guard reads NEW's tags by name, not "foreign".
    await a.write(changes({ NEW: "3" }), snap);
    reality.settle();
    expect(Object.fromEntries((await a.read()).values)).toEqual({ OLD: "1", NEW: "3" });
    ssm.destroy();
    await a.close?.();
  });
});

describe("reality layer: limits met in the plan, never discovered by a write", () => {
  it("SSM: a parameter deeper than 15 levels or a Standard value over 4 KB is refused before any write (exit 2)", async () => {
    const deep = `envsync-reality/${Array.from({ length: 13 }, (_, i) => `l${i}`).join("/")}-${uid()}`;
    const ssm = new SSMClient({ ...raw });
    // What AWS says when the write reaches it (moto alone accepts both).
    await expect(
      ssm.send(new PutParameterCommand({ Name: `/${deep}/x/K`, Value: "v", Type: "String" })),
    ).rejects.toMatchObject({ name: "HierarchyLevelLimitExceededException" });
    await expect(
      ssm.send(
        new PutParameterCommand({ Name: `/${deep}/BIG`, Value: "x".repeat(4097), Type: "String" }),
      ),
    ).rejects.toMatchObject({ name: "ValidationException" });
    const before = reality.seen.get("PutParameter") ?? 0;
    const s = await open(`aws-ssm://${deep}/x/*`);
    const next = new Map([["K", "v"]]);
    expect(() => s.validate(next, changes({ K: "v" }))).toThrow(
      expect.objectContaining({ code: "NAME", exitCode: 2 }),
    );
    const flat = await open(`aws-ssm://${deep}/*`);
    expect(() =>
      flat.validate(new Map([["BIG", "x".repeat(4097)]]), changes({ BIG: "x".repeat(4097) })),
    ).toThrow(expect.objectContaining({ code: "LIMIT", exitCode: 2 }));
    await expect(
      flat.write(changes({ OK: "1", BIG: "x".repeat(4097) }), await flat.read()),
    ).rejects.toMatchObject({ code: "LIMIT" });
    expect(reality.seen.get("PutParameter") ?? 0).toBe(before);
    ssm.destroy();
    await s.close?.();
    await flat.close?.();
  });
});

// The contract once more, every third call throttled: the results must not change.
const throttledUris = new WeakMap<Store, string>();
describe("reality layer: throttled", () => {
  beforeAll(() => {
    reality.settle();
    reality.lag(false);
    reality.throttleEvery(3);
  });
  afterAll(() => {
    reality.throttleEvery(0);
  });
  runStoreContract("aws-sm per-key (reality: every third call throttled)", {
    async fresh() {
      const uri = `aws-sm://envsync-reality/c-${uid()}/*`;
      const s = await open(uri);
      throttledUris.set(s, uri);
      return s;
    },
    twin: async (s) => open(throttledUris.get(s)!),
    badKey: "BAD KEY",
    emptyValuesUnsupportedByEmulator: true,
  });
});
