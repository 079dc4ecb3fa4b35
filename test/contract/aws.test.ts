/**
 * The shared store contract, and the AWS-specific rules, against moto: Secrets
 * Manager bundle (`aws-sm://NAME`), Secrets Manager per-key (`aws-sm://PREFIX/*`)
 * and SSM Parameter Store (`aws-ssm://PATH/*`). Every test uses its own names.
 */
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { describe, expect, it } from "vitest";
import { isEnvsyncError } from "../../src/errors.js";
import type { CountsCalls } from "../../src/providers/aws/common.js";
import { openStore } from "../../src/providers/registry.js";
import type { ChangeSet, Store } from "../../src/providers/types.js";
import { motoContext, onMoto, openOnMoto, rawClientConfig, uid } from "../support/moto.js";
import { runStoreContract } from "./store-contract.js";
import { errorOf } from "../support/error-of.js";

const twinOf = (uris: WeakMap<Store, string>) => async (s: Store) => openOnMoto(uris.get(s)!);

const changes = (set: Record<string, string>, del: string[] = []): ChangeSet => ({
  set: new Map(Object.entries(set)),
  delete: del,
});

/** A raw SDK client on moto, for arranging states envsync itself would not create. */
const rawSm = (): SecretsManagerClient => new SecretsManagerClient(rawClientConfig());

const bundleUris = new WeakMap<Store, string>();
runStoreContract("aws-sm bundle (moto)", {
  async fresh() {
    const uri = `aws-sm://envsync-test/bundle-${uid()}`;
    const s = await openOnMoto(uri);
    bundleUris.set(s, uri);
    return s;
  },
  twin: twinOf(bundleUris),
});

const perKeyUris = new WeakMap<Store, string>();
runStoreContract("aws-sm per-key (moto)", {
  async fresh() {
    const uri = `aws-sm://envsync-test/pk-${uid()}/*`;
    const s = await openOnMoto(uri);
    perKeyUris.set(s, uri);
    return s;
  },
  twin: twinOf(perKeyUris),
  badKey: "BAD KEY",
  // Not only an emulator difference: AWS refuses an empty SecretString and moto makes
  // a secret without a readable version; envsync refuses empty per-key values in validate.
  emptyValuesUnsupportedByEmulator: true,
});

const ssmUris = new WeakMap<Store, string>();
runStoreContract("aws-ssm (moto)", {
  async fresh() {
    const uri = `aws-ssm://envsync-test/ssm-${uid()}/*`;
    const s = await openOnMoto(uri);
    ssmUris.set(s, uri);
    return s;
  },
  twin: twinOf(ssmUris),
  badKey: "BAD KEY",
  // Not an emulator difference: real SSM also rejects empty values (min length 1);
  // envsync refuses them in validate (exit 2), see test/unit/providers/aws.
  emptyValuesUnsupportedByEmulator: true,
});

describe("aws-sm bundle specifics (moto)", () => {
  it("reads a secret that is not a JSON object as a PARSE error (exit 2) without its content", async () => {
    const name = `envsync-test/notjson-${uid()}`;
    const raw = rawSm();
    await raw.send(new CreateSecretCommand({ Name: name, SecretString: "CANARY_not_json" }));
    const s = await openOnMoto(`aws-sm://${name}`);
    const err = await errorOf(s.read());
    expect(isEnvsyncError(err, "PARSE")).toBe(true);
    expect((err as { exitCode: number }).exitCode).toBe(2);
    expect(String((err as Error).message)).not.toContain("CANARY");
    raw.destroy();
    await s.close?.();
  });

  // moto enforces no size limit (AWS: 65,536 bytes), so only envsync's own check can
  // make this fail; the call count shows nothing reached the store.
  it("refuses a bundle over 65,536 bytes in write too, before any call, suggesting per-key", async () => {
    const s = await openOnMoto(`aws-sm://envsync-test/big-${uid()}`);
    const before = await s.read();
    s.calls.reset();
    const err = await errorOf(s.write(changes({ BIG: "x".repeat(65_536) }), before));
    expect(isEnvsyncError(err, "LIMIT")).toBe(true);
    expect((err as { hint: string }).hint).toContain("/*");
    expect(s.calls.total()).toBe(0);
    await s.close?.();
  });

  it("lists versions and reads an older one", async () => {
    const s = await openOnMoto(`aws-sm://envsync-test/hist-${uid()}`);
    const w1 = await s.write(changes({ A: "1" }), await s.read());
    await s.write(changes({ A: "2" }), await s.read());
    const versions = await s.listVersions!();
    expect(versions.some((v) => v.id === w1.version)).toBe(true);
    expect(versions.filter((v) => v.current)).toHaveLength(1);
    const old = await s.readVersion!(w1.version!);
    expect(old.values.get("A")).toBe("1");
    await s.close?.();
  });
});

describe("aws-sm per-key specifics (moto)", () => {
  it("tags each secret managed-by=envsync with the original key name", async () => {
    const prefix = `envsync-test/tags-${uid()}`;
    const s = await openOnMoto(`aws-sm://${prefix}/*`);
    await s.write(changes({ API_KEY: "v" }), await s.read());
    const raw = rawSm();
    const d = await raw.send(new DescribeSecretCommand({ SecretId: `${prefix}/API_KEY` }));
    expect(d.Tags).toEqual(
      expect.arrayContaining([
        { Key: "managed-by", Value: "envsync" },
        { Key: "envsync-key", Value: "API_KEY" },
      ]),
    );
    raw.destroy();
    await s.close?.();
  });

  it("never reads or touches an untagged secret under the prefix; a key taken by one is an error", async () => {
    const prefix = `envsync-test/untagged-${uid()}`;
    const raw = rawSm();
    await raw.send(new CreateSecretCommand({ Name: `${prefix}/FOREIGN`, SecretString: "theirs" }));
    const s = await openOnMoto(`aws-sm://${prefix}/*`);
    const snap = await s.read();
    expect(snap.values.has("FOREIGN")).toBe(false);
    s.calls.reset();
    const err = await errorOf(s.write(changes({ FOREIGN: "mine", OTHER: "x" }), snap));
    expect(isEnvsyncError(err, "NAME")).toBe(true);
    expect((err as { exitCode: number }).exitCode).toBe(2);
    // Nothing written: not the foreign secret, not the other key.
    expect(s.calls.made("CreateSecret", "PutSecretValue", "DeleteSecret", "RestoreSecret")).toBe(0);
    const v = await raw.send(new GetSecretValueCommand({ SecretId: `${prefix}/FOREIGN` }));
    expect(v.SecretString).toBe("theirs");
    expect((await s.read()).values.size).toBe(0);
    raw.destroy();
    await s.close?.();
  });

  it("deletes with a recovery window, and re-adding the key restores it first", async () => {
    const prefix = `envsync-test/restore-${uid()}`;
    const s = await openOnMoto(`aws-sm://${prefix}/*`);
    await s.write(changes({ A: "1", B: "2" }), await s.read());
    await s.write(changes({}, ["A"]), await s.read());
    const raw = rawSm();
    const deleted = await raw.send(new DescribeSecretCommand({ SecretId: `${prefix}/A` }));
    expect(deleted.DeletedDate).toBeDefined();
    const snap = await s.read();
    expect([...snap.values.keys()]).toEqual(["B"]);
    s.calls.reset();
    // moto would accept PutSecretValue on the deleted secret (AWS rejects it) and keeps
    // the name reserved; we check envsync restores first, as AWS requires.
    await s.write(changes({ A: "back" }), snap);
    expect(s.calls.counts.get("RestoreSecret")).toBe(1);
    expect(s.calls.counts.get("PutSecretValue")).toBe(1);
    expect(s.calls.counts.get("CreateSecret")).toBeUndefined();
    const restored = await raw.send(new DescribeSecretCommand({ SecretId: `${prefix}/A` }));
    expect(restored.DeletedDate).toBeUndefined();
    expect(Object.fromEntries((await s.read()).values)).toEqual({ A: "back", B: "2" });
    raw.destroy();
    await s.close?.();
  });

  it("purge deletes without a recovery window", async () => {
    const prefix = `envsync-test/purge-${uid()}`;
    const s = await openOnMoto(`aws-sm://${prefix}/*`);
    await s.write(changes({ A: "1" }), await s.read());
    await s.write(changes({}, ["A"]), await s.read(), { purge: true });
    const raw = rawSm();
    const err = await errorOf(raw.send(new DescribeSecretCommand({ SecretId: `${prefix}/A` })));
    expect((err as Error).name).toBe("ResourceNotFoundException");
    raw.destroy();
    await s.close?.();
  });

  it("a key created by someone else since the read is REMOTE_CHANGED (exit 5)", async () => {
    const prefix = `envsync-test/race-${uid()}`;
    const s = await openOnMoto(`aws-sm://${prefix}/*`);
    const stale = await s.read();
    const other = await openOnMoto(`aws-sm://${prefix}/*`);
    await other.write(changes({ NEW: "theirs" }), await other.read());
    const err = await errorOf(s.write(changes({ NEW: "mine" }), stale));
    expect(isEnvsyncError(err, "REMOTE_CHANGED")).toBe(true);
    expect((err as { exitCode: number }).exitCode).toBe(5);
    await other.close?.();
    await s.close?.();
  });
});

describe("AWS errors users meet (moto)", () => {
  it("an unreachable endpoint is a NETWORK error with a hint, after bounded retries", async () => {
    const s = await openStore(
      "aws-sm://envsync-test/x?region=us-east-1&endpoint=http%3A%2F%2F127.0.0.1%3A9",
      { ...motoContext, retry: { maxAttempts: 2, maxDelayMs: 10 } },
    );
    const err = await errorOf(s.read());
    expect(isEnvsyncError(err, "NETWORK")).toBe(true);
    expect((err as { hint: string }).hint).toMatch(/endpoint|region/);
    expect((s as Store & CountsCalls).calls.total()).toBe(2);
  });
});

describe("aws-sm per-key call counts (moto)", () => {
  it("pulls 1,000 keys in 10 + 50 read calls and pushes 10 changed of 1,000 in exactly 10 writes", async () => {
    const uri = `aws-sm://envsync-test/count-${uid()}/*`;
    const seed = await openStore(onMoto(uri), { ...motoContext, concurrency: 16 });
    const all: Record<string, string> = {};
    for (let i = 0; i < 1000; i++) all[`KEY_${String(i).padStart(4, "0")}`] = `value-${i}`;
    await seed.write(changes(all), await seed.read());
    await seed.close?.();

    const s = await openOnMoto(uri);
    const snap = await s.read();
    expect(snap.values.size).toBe(1000);
    expect(snap.values.get("KEY_0999")).toBe("value-999");
    // 10 ListSecrets pages of 100, then 50 BatchGetSecretValue by id in parallel
    // (test/contract/aws-read-calls.test.ts says why not a filtered batch read).
    expect(s.calls.made("ListSecrets")).toBe(10);
    expect(s.calls.made("BatchGetSecretValue")).toBe(50);
    expect(s.calls.made()).toBe(60);
    // A retried attempt (a connection reset on a busy machine) is counted apart, not here.

    s.calls.reset();
    const set: Record<string, string> = {};
    for (let i = 0; i < 1000; i += 100) set[`KEY_${String(i).padStart(4, "0")}`] = `changed-${i}`;
    const result = await s.write(changes(set), snap);
    const writes = s.calls.made("PutSecretValue", "CreateSecret", "DeleteSecret", "RestoreSecret");
    expect(writes).toBe(10);
    expect(result.writeCalls).toBe(10);
    expect(s.calls.counts.get("PutSecretValue")).toBe(10);
    // The version guard reads only the touched keys (10 names per ListSecrets call).
    expect(s.calls.made("ListSecrets")).toBe(1);
    const after = await s.read();
    expect(after.values.get("KEY_0100")).toBe("changed-100");
    expect(after.values.get("KEY_0101")).toBe("value-101");
    await s.close?.();
  });
});

describe("aws-ssm specifics (moto)", () => {
  it("never reads or touches an untagged parameter under the path; a key taken by one is an error", async () => {
    const { SSMClient, PutParameterCommand, GetParameterCommand } =
      await import("@aws-sdk/client-ssm");
    const path = `/envsync-test/ssm-untagged-${uid()}`;
    const raw = new SSMClient(rawClientConfig());
    await raw.send(
      new PutParameterCommand({ Name: `${path}/FOREIGN`, Value: "theirs", Type: "String" }),
    );
    const s = await openOnMoto(`aws-ssm:/${path}/*`);
    await s.write(changes({ MINE: "1" }), await s.read());
    const snap = await s.read();
    expect(Object.fromEntries(snap.values)).toEqual({ MINE: "1" });
    s.calls.reset();
    const err = await errorOf(s.write(changes({ FOREIGN: "mine", MINE: "2" }), snap));
    expect(isEnvsyncError(err, "NAME")).toBe(true);
    expect(s.calls.total("PutParameter", "DeleteParameters")).toBe(0);
    const p = await raw.send(new GetParameterCommand({ Name: `${path}/FOREIGN` }));
    expect(p.Parameter?.Value).toBe("theirs");
    expect(Object.fromEntries((await s.read()).values)).toEqual({ MINE: "1" });
    raw.destroy();
    await s.close?.();
  });

  it("pushes 10 changed of 100 keys in exactly 10 writes", async () => {
    const uri = `aws-ssm://envsync-test/ssm-count-${uid()}/*`;
    const s = await openOnMoto(uri);
    const all: Record<string, string> = {};
    for (let i = 0; i < 100; i++) all[`KEY_${String(i).padStart(3, "0")}`] = `value-${i}`;
    await s.write(changes(all), await s.read());
    s.calls.reset();
    const snap = await s.read();
    expect(snap.values.size).toBe(100);
    // 100 parameters: 10 GetParametersByPath pages (+1 final). No base: the 100 names'
    // owner tags are asked by name, 50 a call (AWS: 2 calls); moto pages each of those
    // by 10 whatever MaxResults says (5 pages + 1 final, a moto difference), so the
    // bound here is moto's: 2 × 6.
    expect(s.calls.made("GetParametersByPath")).toBeLessThanOrEqual(11);
    expect(s.calls.made("DescribeParameters")).toBeLessThanOrEqual(12);
    s.calls.reset();
    const set: Record<string, string> = {};
    for (let i = 0; i < 100; i += 10) set[`KEY_${String(i).padStart(3, "0")}`] = `changed-${i}`;
    const result = await s.write(changes(set), snap);
    expect(s.calls.made("PutParameter", "DeleteParameters")).toBe(10);
    expect(result.writeCalls).toBe(10);
    expect((await s.read()).values.get("KEY_010")).toBe("changed-10");
    await s.close?.();
  });
});
