/**
 * Key Vault as it really behaves (facts from the Azure SDK's HTTP recordings against
 * real vaults, and the Key Vault docs), checked twice: once against envsync's stand-in
 * (test/harness/emulators/lowkey.ts) with the raw official client, so a stand-in that
 * answered at once or in insertion order fails here; and once through envsync's store,
 * which must wait the windows out and never trust list order.
 *
 * Windows are made long for one name through the stand-in's control port and ended
 * explicitly (`settle`) once the test has seen what it needs: nothing here waits on a
 * clock, and no assertion depends on how long anything took.
 */
import { randomUUID } from "node:crypto";
import { DefaultAzureCredential } from "@azure/identity";
import { SecretClient } from "@azure/keyvault-secrets";
import { describe, expect, it } from "vitest";
import { silentLogger } from "../../src/logger.js";
import { SEQ_TAG } from "../../src/providers/azure/key-vault.js";
import { openStore } from "../../src/providers/registry.js";
import type { ChangeSet, Store, StoreContext } from "../../src/providers/types.js";
import { requireEnv } from "../harness/require-env.js";

// Always envsync's stand-in (it also runs beside lowkey-vault): the controls exist only there.
const vaultUrl = (): string => requireEnv("ENVSYNC_TEST_KV_EMULATOR_URL", "lowkey");
const control = (): string => requireEnv("ENVSYNC_TEST_KV_CONTROL_URL", "lowkey");
/** The same stand-in's second vault, which keeps deleted secrets the default 90 days. */
const vault90Url = (): string => vaultUrl().replace("127.0.0.1", "localhost");

const context: StoreContext = {
  cwd: process.cwd(),
  env: process.env,
  logger: silentLogger,
  concurrency: 4,
};
const uid = (): string => randomUUID().replace(/-/g, "").slice(0, 10);
const changes = (set: Record<string, string>, del: string[] = []): ChangeSet => ({
  set: new Map(Object.entries(set)),
  delete: del,
});
const asObject = (m: ReadonlyMap<string, string>): Record<string, string> =>
  Object.fromEntries([...m].sort());
const raw = (url = vaultUrl()): SecretClient =>
  new SecretClient(url, new DefaultAzureCredential(), {
    disableChallengeResourceVerification: true,
    serviceVersion: "7.6",
    retryOptions: { maxRetries: 0 },
  });

interface Failure {
  status: number | undefined;
  inner: string | undefined;
}
async function failureOf(p: Promise<unknown>): Promise<Failure | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    const err = e as {
      statusCode?: number;
      details?: { error?: { innerError?: { code?: string } } };
    };
    // The SDK hands Key Vault's `innererror` over as `innerError`.
    return { status: err.statusCode, inner: err.details?.error?.innerError?.code };
  }
}

async function ctl(path: string, method: string, q: Record<string, string>): Promise<unknown> {
  const res = await fetch(`${control()}/${path}?${new URLSearchParams(q).toString()}`, { method });
  expect(res.ok).toBe(true);
  return res.json();
}
/** Makes the next delete/recover/purge window of `name` last until {@link settle}. */
const holdWindows = (name: string): Promise<unknown> =>
  ctl("window", "PUT", { name, ms: "3600000" });
/** Ends the window of `name` now; later windows of that name end at once. */
async function settle(name: string): Promise<void> {
  await ctl("window", "PUT", { name, ms: "0" });
  await ctl("settle", "POST", { name });
}
const windowHits = async (name: string): Promise<number> =>
  ((await ctl("window-hits", "GET", { name })) as { hits: number }).hits;
/** Resolves once the stand-in has answered `n` requests about `name` from inside its window. */
async function untilWindowHits(name: string, n: number, pending: Promise<unknown>): Promise<void> {
  let done = false;
  void pending.finally(() => (done = true)).catch(() => undefined);
  while ((await windowHits(name)) < n) {
    // The writer gave up or finished without waiting: the assertions after this say so.
    if (done) return;
    await new Promise((r) => setImmediate(r));
  }
}

describe("Key Vault stand-in: delete and recover take effect after a window", () => {
  it("after DELETE: deleted view 404, set 409 ObjectIsBeingDeleted; then deleted-but-recoverable", async () => {
    const name = `win-${uid()}`;
    const kv = raw();
    await kv.setSecret(name, "v1");
    await holdWindows(name);
    await kv.beginDeleteSecret(name); // sends DELETE; polls once; not done
    expect(await failureOf(kv.getSecret(name))).toMatchObject({ status: 404 });
    expect(await failureOf(kv.getDeletedSecret(name))).toMatchObject({ status: 404 });
    expect(await failureOf(kv.setSecret(name, "v2"))).toEqual({
      status: 409,
      inner: "ObjectIsBeingDeleted",
    });
    expect(await failureOf(kv.purgeDeletedSecret(name))).toEqual({
      status: 409,
      inner: "ObjectIsBeingDeleted",
    });
    await settle(name);
    expect((await kv.getDeletedSecret(name)).name).toBe(name);
    expect(await failureOf(kv.setSecret(name, "v2"))).toEqual({
      status: 409,
      inner: "ObjectIsDeletedButRecoverable",
    });
  });

  it("after recover: GET 404 and set 409 ObjectIsBeingRecovered until the window ends", async () => {
    const name = `rec-${uid()}`;
    const kv = raw();
    await kv.setSecret(name, "v1");
    await (await kv.beginDeleteSecret(name, { intervalInMs: 50 })).pollUntilDone();
    await holdWindows(name);
    await kv.beginRecoverDeletedSecret(name); // POST recover; polls once; not done
    expect(await failureOf(kv.getSecret(name))).toMatchObject({ status: 404 });
    expect(await failureOf(kv.setSecret(name, "v2"))).toEqual({
      status: 409,
      inner: "ObjectIsBeingRecovered",
    });
    await settle(name);
    expect((await kv.getSecret(name)).value).toBe("v1");
  });

  it("after purge: the name is not free at once (409 ObjectIsBeingDeleted)", async () => {
    const name = `pur-${uid()}`;
    const kv = raw();
    await kv.setSecret(name, "v1");
    await (await kv.beginDeleteSecret(name, { intervalInMs: 50 })).pollUntilDone();
    await holdWindows(name);
    await kv.purgeDeletedSecret(name);
    expect(await failureOf(kv.getDeletedSecret(name))).toMatchObject({ status: 404 });
    expect(await failureOf(kv.setSecret(name, "v2"))).toEqual({
      status: 409,
      inner: "ObjectIsBeingDeleted",
    });
    await settle(name);
    expect((await kv.setSecret(name, "v2")).value).toBe("v2");
  });
});

describe("Key Vault stand-in: orders, codes and levels", () => {
  it("lists versions in version-id order, not creation order", async () => {
    const name = `ord-${uid()}`;
    const kv = raw();
    const created: string[] = [];
    for (let i = 0; i < 8; i++)
      created.push((await kv.setSecret(name, `v${i}`)).properties.version!);
    const listed: string[] = [];
    for await (const p of kv.listPropertiesOfSecretVersions(name)) listed.push(p.version!);
    expect(listed).toEqual([...created].sort());
    // 8 random ids come out in creation order once in 40,320 runs.
    expect(listed).not.toEqual(created);
  });

  it("a disabled secret answers 403 with inner code SecretDisabled", async () => {
    const name = `dis-${uid()}`;
    const kv = raw();
    const v = await kv.setSecret(name, "v1");
    await kv.updateSecretProperties(name, v.properties.version!, { enabled: false });
    expect(await failureOf(kv.getSecret(name))).toEqual({ status: 403, inner: "SecretDisabled" });
  });

  it("recovery level goes with retention: under 90 days Customized…, 90 days plain", async () => {
    const name = `lvl-${uid()}`;
    const short = (await raw().setSecret(name, "v")).properties;
    expect([short.recoveryLevel, short.recoverableDays]).toEqual([
      "CustomizedRecoverable+Purgeable",
      7,
    ]);
    const long = (await raw(vault90Url()).setSecret(name, "v")).properties;
    expect([long.recoveryLevel, long.recoverableDays]).toEqual(["Recoverable+Purgeable", 90]);
  });

  it("serves 25 items per page", async () => {
    const kv = raw();
    const prefix = `pg-${uid()}`;
    for (let i = 0; i < 26; i++) await kv.setSecret(`${prefix}-${i}`, "v");
    const pages = kv.listPropertiesOfSecrets().byPage();
    const page = await pages.next();
    expect((page.value as unknown[]).length).toBe(25);
  });
});

describe("envsync on Key Vault's windows and orders", () => {
  const open = (uri: string): Promise<Store> => openStore(uri, context);

  it("per-key: a key re-added while its delete is still in progress waits it out, then works", async () => {
    const prefix = `ra${uid()}-`;
    const name = `${prefix}token`;
    const s = await open(`azure-kv://${vaultUrl()}/${prefix}*`);
    await s.write(changes({ TOKEN: "one" }), await s.read());
    await holdWindows(name);
    await raw().beginDeleteSecret(name); // someone else deletes; the vault is still at it
    const before = await s.read();
    expect(before.values.has("TOKEN")).toBe(false);
    const write = s.write(changes({ TOKEN: "two" }), before);
    // 404 (get), 404 (deleted view), then 409 ObjectIsBeingDeleted at least twice: it waited.
    await untilWindowHits(name, 4, write);
    await settle(name);
    await write;
    expect(asObject((await s.read()).values)).toEqual({ TOKEN: "two" });
  });

  it("bundle: a bundle re-created while its delete is still in progress waits it out", async () => {
    const name = `rb-${uid()}`;
    const s = await open(`azure-kv://${vaultUrl()}/${name}`);
    await s.write(changes({ A: "1" }), await s.read());
    await holdWindows(name);
    await raw().beginDeleteSecret(name);
    const gone = await s.read();
    expect(gone.exists).toBe(false);
    const write = s.write(changes({ B: "2" }), gone);
    await untilWindowHits(name, 4, write);
    await settle(name);
    await write;
    expect(asObject((await s.read()).values)).toEqual({ B: "2" });
  });

  it("per-key: delete then re-add works every time (3 rounds, default windows)", async () => {
    const prefix = `rr${uid()}-`;
    const s = await open(`azure-kv://${vaultUrl()}/${prefix}*`);
    for (let round = 0; round < 3; round++) {
      await s.write(changes({ KEY: `v${round}`, KEEP: "k" }), await s.read());
      expect(asObject((await s.read()).values)).toEqual({ KEY: `v${round}`, KEEP: "k" });
      await s.write(changes({}, ["KEY"]), await s.read());
      expect(asObject((await s.read()).values)).toEqual({ KEEP: "k" });
    }
  });

  it("history: versions written in one second come newest first, by envsync's sequence tag", async () => {
    const name = `hist-${uid()}`;
    // Every version of this secret is stamped with the same second, as when several
    // are written within one second; the stand-in lists them in id order.
    await ctl("clock", "PUT", { name, seconds: "1767225600" });
    const s = await open(`azure-kv://${vaultUrl()}/${name}`);
    const written: string[] = [];
    for (let i = 0; i < 6; i++) {
      written.push((await s.write(changes({ N: String(i) }), await s.read())).version!);
    }
    const versions = await s.listVersions!();
    expect(versions.map((v) => v.id)).toEqual([...written].reverse());
    expect(versions.map((v) => v.current)).toEqual([true, false, false, false, false, false]);
    const tags = (await raw().getSecret(name)).properties.tags ?? {};
    expect(tags[SEQ_TAG]).toBe("6");
  });
});
