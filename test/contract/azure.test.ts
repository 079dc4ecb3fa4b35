/**
 * The shared store contract, and the Azure-specific rules, against the Key Vault
 * emulator of the harness (lowkey-vault, or envsync's own where Maven Central does
 * not serve lowkey-vault: see test/harness/emulators/lowkey.ts). Bundle
 * (`azure-kv://URL/SECRET`) and per-key (`azure-kv://URL/PREFIX*`). Credentials come
 * through DefaultAzureCredential's managed identity leg (IDENTITY_ENDPOINT).
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { randomUUID } from "node:crypto";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { DefaultAzureCredential } from "@azure/identity";
import { SecretClient } from "@azure/keyvault-secrets";
import { describe, expect, it } from "vitest";
import { isEnvsyncError } from "../../src/errors.js";
import { silentLogger } from "../../src/logger.js";
import { openStore } from "../../src/providers/registry.js";
import type { ChangeSet, Store, StoreContext } from "../../src/providers/types.js";
import { requireEnv } from "../harness/require-env.js";
import { runStoreContract } from "./store-contract.js";
import { errorOf } from "../support/error-of.js";

const vaultUrl = (): string => requireEnv("ENVSYNC_TEST_LOWKEY_URL", "lowkey");
const forbiddenUrl = (): string => requireEnv("ENVSYNC_TEST_KV_FORBIDDEN_URL", "lowkey");
const context: StoreContext = {
  cwd: process.cwd(),
  env: process.env,
  logger: silentLogger,
  concurrency: 8,
};
const uid = (): string => randomUUID().replace(/-/g, "").slice(0, 10);
const open = (uri: string): Promise<Store> => openStore(uri, context);

const changes = (set: Record<string, string>, del: string[] = []): ChangeSet => ({
  set: new Map(Object.entries(set)),
  delete: del,
});
const asObject = (m: ReadonlyMap<string, string>): Record<string, string> =>
  Object.fromEntries([...m].sort());

/** A raw SDK client on the emulator, to arrange and inspect states envsync would not create. */
const raw = (): SecretClient =>
  new SecretClient(vaultUrl(), new DefaultAzureCredential(), {
    disableChallengeResourceVerification: true,
    serviceVersion: "7.6",
  });

async function statusOf(p: Promise<unknown>): Promise<number | undefined> {
  const e = (await errorOf(p)) as { statusCode?: number } | undefined;
  return e?.statusCode;
}

// lowkey-vault rejects empty secret values, which Azure accepts; envsync follows
// Azure, so the empty-value case runs only on an emulator that accepts them.
const emptyValuesUnsupportedByEmulator = process.env.ENVSYNC_TEST_AZURE_EMULATOR === "lowkey";

const uris = new WeakMap<Store, string>();
const twin = async (s: Store): Promise<Store> => open(uris.get(s)!);

runStoreContract("azure-kv bundle (Key Vault emulator)", {
  async fresh() {
    const uri = `azure-kv://${vaultUrl()}/bundle-${uid()}`;
    const s = await open(uri);
    uris.set(s, uri);
    return s;
  },
  twin,
  emptyValuesUnsupportedByEmulator,
});

runStoreContract("azure-kv per-key (Key Vault emulator)", {
  async fresh() {
    const uri = `azure-kv://${vaultUrl()}/t${uid()}-*`;
    const s = await open(uri);
    uris.set(s, uri);
    return s;
  },
  twin,
  badKey: "PÄSSWORT",
  emptyValuesUnsupportedByEmulator,
});

describe("azure-kv URIs", () => {
  it("takes the vault as host:port, as a full URL, or from endpoint=", async () => {
    const name = `bundle-${uid()}`;
    const url = new URL(vaultUrl());
    const a = await open(`azure-kv://${url.host}/${name}`);
    await a.write(changes({ K: "v" }), await a.read());
    const b = await open(`azure-kv://${url.origin}/${name}`);
    const c = await open(
      `azure-kv://some-vault/${name}?endpoint=${encodeURIComponent(url.origin)}`,
    );
    expect(asObject((await b.read()).values)).toEqual({ K: "v" });
    expect(asObject((await c.read()).values)).toEqual({ K: "v" });
  });

  it("stores the bundle as JSON tagged managed-by=envsync", async () => {
    const name = `bundle-${uid()}`;
    const s = await open(`azure-kv://${vaultUrl()}/${name}`);
    await s.write(changes({ B: "2", A: "1" }), await s.read());
    const secret = await raw().getSecret(name);
    expect(secret.value).toBe('{"A":"1","B":"2"}');
    expect(secret.properties.tags?.["managed-by"]).toBe("envsync");
    expect(secret.properties.contentType).toBe("application/json");
  });

  it("lists bundle versions newest first and reads an old one", async () => {
    const s = await open(`azure-kv://${vaultUrl()}/bundle-${uid()}`);
    await s.write(changes({ A: "1" }), await s.read());
    const first = await s.read();
    await s.write(changes({ A: "2" }), first);
    const versions = await s.listVersions!();
    expect(versions).toHaveLength(2);
    expect(versions.filter((v) => v.current)).toHaveLength(1);
    expect(asObject((await s.readVersion!(first.version!)).values)).toEqual({ A: "1" });
  });
});

describe("azure-kv per-key names", () => {
  it("maps keys that Key Vault cannot hold to distinct names and back exactly", async () => {
    const prefix = `n${uid()}-`;
    const s = await open(`azure-kv://${vaultUrl()}/${prefix}*`);
    const values = { A_B: "1", "a-b": "2", A__B: "3", a_b: "4", "Mixed.Case": "5", DB_URL: "6" };
    s.validate(new Map(Object.entries(values)), changes(values));
    await s.write(changes(values), await s.read());
    expect(asObject((await s.read()).values)).toEqual(asObject(new Map(Object.entries(values))));
    const stored = new Map<string, string | undefined>();
    for await (const p of raw().listPropertiesOfSecrets()) {
      if (p.name.startsWith(prefix)) stored.set(p.name, p.tags?.["envsync-key"]);
    }
    expect(Object.fromEntries(stored)).toEqual({
      [`${prefix}a--b`]: "A_B",
      [`${prefix}-a-0-b`]: "a-b",
      [`${prefix}a----b`]: "A__B",
      [`${prefix}-a---b`]: "a_b",
      [`${prefix}m-i-x-e-d-1c-a-s-e`]: "Mixed.Case",
      [`${prefix}db--url`]: "DB_URL",
    });
  });

  it("refuses a unicode key and a name over 127 characters before writing (exit 2)", async () => {
    const s = await open(`azure-kv://${vaultUrl()}/u${uid()}-*`);
    for (const key of ["CAFÉ", "K".repeat(120)]) {
      const err = await errorOf(() => s.validate(new Map([[key, "v"]]), changes({ [key]: "v" })));
      expect(isEnvsyncError(err, "NAME")).toBe(true);
      expect((err as { exitCode: number }).exitCode).toBe(2);
      expect(
        isEnvsyncError(await errorOf(s.write(changes({ [key]: "v" }), await s.read())), "NAME"),
      ).toBe(true);
    }
    expect((await s.read()).exists).toBe(false);
  });

  it("reads every page of a long listing with bounded parallel reads", async () => {
    const s = await open(`azure-kv://${vaultUrl()}/p${uid()}-*`);
    const values = Object.fromEntries(
      Array.from({ length: 60 }, (_, i) => [`KEY_${i}`, `value-${i}`]),
    );
    await s.write(changes(values), await s.read());
    const snap = await s.read();
    expect(snap.values.size).toBe(60);
    expect(asObject(snap.values)).toEqual(asObject(new Map(Object.entries(values))));
    expect(snap.keyVersions.size).toBe(60);
  });

  it("writes only the keys whose values changed", async () => {
    const s = await open(`azure-kv://${vaultUrl()}/c${uid()}-*`);
    const first = await s.write(changes({ A: "1", B: "2", C: "3" }), await s.read());
    expect(first.writeCalls).toBe(3);
    const same = await s.write(changes({ A: "1", B: "2", C: "3" }), await s.read());
    expect(same.writeCalls).toBe(0);
    const one = await s.write(changes({ A: "1", B: "22", C: "3" }), await s.read());
    expect(one.writeCalls).toBe(1);
    expect([...(one.keyVersions?.keys() ?? [])]).toEqual(["B"]);
  });
});

describe("azure-kv managed tag", () => {
  it("never reads, overwrites or deletes a secret under the prefix without managed-by=envsync", async () => {
    const prefix = `m${uid()}-`;
    await raw().setSecret(`${prefix}db--url`, "theirs");
    const s = await open(`azure-kv://${vaultUrl()}/${prefix}*`);
    const snap = await s.read();
    expect(snap.values.size).toBe(0);
    expect(snap.notes?.join(" ")).toContain("managed-by=envsync");
    const err = await errorOf(s.write(changes({ DB_URL: "mine", OTHER: "x" }), snap));
    expect(isEnvsyncError(err, "NAME")).toBe(true);
    expect((err as { exitCode: number }).exitCode).toBe(2);
    expect((await raw().getSecret(`${prefix}db--url`)).value).toBe("theirs");
    // Nothing was written, not even the key that had no clash.
    expect(await statusOf(raw().getSecret(`${prefix}other`))).toBe(404);
    expect(isEnvsyncError(await errorOf(s.write(changes({}, ["DB_URL"]), snap)), "NAME")).toBe(
      true,
    );
    expect((await raw().getSecret(`${prefix}db--url`)).value).toBe("theirs");
  });
});

describe("azure-kv overlapping prefixes", () => {
  it("neither lists nor overwrites a secret another prefix's remote keeps", async () => {
    const base = `o${uid()}`;
    const inner = await open(`azure-kv://${vaultUrl()}/${base}-x-*`);
    await inner.write(changes({ FOO: "inner" }), await inner.read()); // secret BASE-x-foo
    const outer = await open(`azure-kv://${vaultUrl()}/${base}-*`);
    const snap = await outer.read();
    expect(snap.values.size).toBe(0);
    // "XfOO" under BASE- maps to BASE-x-foo too.
    const err = await errorOf(outer.write(changes({ XfOO: "outer" }), snap));
    expect(isEnvsyncError(err, "NAME")).toBe(true);
    expect(asObject((await inner.read()).values)).toEqual({ FOO: "inner" });
  });
});

describe("azure-kv disabled secrets", () => {
  it("skips a disabled per-key secret with a note; a disabled bundle is an error with a hint", async () => {
    const prefix = `d${uid()}-`;
    const s = await open(`azure-kv://${vaultUrl()}/${prefix}*`);
    await s.write(changes({ ON: "1", OFF: "2" }), await s.read());
    const off = await raw().getSecret(`${prefix}off`);
    await raw().updateSecretProperties(`${prefix}off`, off.properties.version!, { enabled: false });
    const snap = await s.read();
    expect(asObject(snap.values)).toEqual({ ON: "1" });
    expect(snap.notes?.join(" ")).toContain("disabled");

    const name = `bundle-${uid()}`;
    const b = await open(`azure-kv://${vaultUrl()}/${name}`);
    await b.write(changes({ A: "1" }), await b.read());
    const v = await raw().getSecret(name);
    await raw().updateSecretProperties(name, v.properties.version!, { enabled: false });
    const err = await errorOf(b.read());
    expect(isEnvsyncError(err, "PROVIDER")).toBe(true);
    expect((err as { hint: string }).hint).toContain("--enabled true");
  });
});

describe("azure-kv soft delete", () => {
  it("soft-deletes a key, and recovers the held name before setting it again", async () => {
    const prefix = `s${uid()}-`;
    const name = `${prefix}a--b`;
    const s = await open(`azure-kv://${vaultUrl()}/${prefix}*`);
    await s.write(changes({ A_B: "one", KEEP: "k" }), await s.read());
    await s.write(changes({}, ["A_B"]), await s.read());
    expect(asObject((await s.read()).values)).toEqual({ KEEP: "k" });
    const held = await raw().getDeletedSecret(name);
    expect(held.properties.tags?.["envsync-key"]).toBe("A_B");
    // The vault holds the name: a plain set is refused, as in Azure.
    expect(await statusOf(raw().setSecret(name, "plain"))).toBe(409);
    const result = await s.write(changes({ A_B: "two" }), await s.read());
    expect(result.writeCalls).toBe(2); // recover + set
    expect(asObject((await s.read()).values)).toEqual({ A_B: "two", KEEP: "k" });
    expect(await statusOf(raw().getDeletedSecret(name))).toBe(404);
  });

  it("purges only when asked", async () => {
    const prefix = `g${uid()}-`;
    const s = await open(`azure-kv://${vaultUrl()}/${prefix}*`);
    await s.write(changes({ SOFT: "1", HARD: "2" }), await s.read());
    await s.write(changes({}, ["SOFT"]), await s.read());
    await s.write(changes({}, ["HARD"]), await s.read(), { purge: true });
    expect((await raw().getDeletedSecret(`${prefix}soft`)).name).toBe(`${prefix}soft`);
    expect(await statusOf(raw().getDeletedSecret(`${prefix}hard`))).toBe(404);
    // A purged name is free again without a recover.
    const again = await s.write(changes({ HARD: "3" }), await s.read());
    expect(again.writeCalls).toBe(1);
  });

  it("re-creates a bundle whose secret was soft-deleted", async () => {
    const name = `bundle-${uid()}`;
    const s = await open(`azure-kv://${vaultUrl()}/${name}`);
    await s.write(changes({ A: "1" }), await s.read());
    await (await raw().beginDeleteSecret(name, { intervalInMs: 100 })).pollUntilDone();
    const gone = await s.read();
    expect(gone.exists).toBe(false);
    await s.write(changes({ B: "2" }), gone);
    expect(asObject((await s.read()).values)).toEqual({ B: "2" });
  });
});

describe("azure-kv retries", () => {
  // Fault injection exists only in envsync's emulator (also started beside lowkey-vault).
  const own = (): string => requireEnv("ENVSYNC_TEST_KV_EMULATOR_URL", "lowkey");
  const control = (): string => requireEnv("ENVSYNC_TEST_KV_CONTROL_URL", "lowkey");
  const inject = async (name: string, count: number, status: number): Promise<void> => {
    const q = new URLSearchParams({ name, count: String(count), status: String(status) });
    expect((await fetch(`${control()}/faults?${q.toString()}`, { method: "PUT" })).ok).toBe(true);
  };
  const requestsFor = async (name: string): Promise<number> =>
    ((await (await fetch(`${control()}/requests?name=${name}`)).json()) as { requests: number })
      .requests;
  const openWith = (uri: string, maxAttempts: number): Promise<Store> =>
    openStore(uri, { ...context, retry: { maxAttempts, maxDelayMs: 20 } });

  it("retries transient failures (503, 429) with envsync's policy and then succeeds", async () => {
    const name = `retry-${uid()}`;
    const s = await openWith(`azure-kv://${own()}/${name}`, 4);
    await s.write(changes({ A: "1" }), await s.read());
    for (const status of [503, 429]) {
      await inject(name, 2, status);
      expect(asObject((await s.read()).values)).toEqual({ A: "1" });
      expect(await requestsFor(name)).toBe(3);
    }
  });

  it("leaves retrying to envsync alone (SDK retries off): attempts are bounded", async () => {
    const name = `retry-${uid()}`;
    const s = await openWith(`azure-kv://${own()}/${name}`, 2);
    await s.write(changes({ A: "1" }), await s.read());
    await inject(name, 5, 503);
    const err = await errorOf(s.read());
    expect(isEnvsyncError(err, "NETWORK")).toBe(true);
    expect(await requestsFor(name)).toBe(2);
  });

  it("does not retry what is not transient (400)", async () => {
    const name = `retry-${uid()}`;
    const s = await openWith(`azure-kv://${own()}/${name}`, 4);
    await s.write(changes({ A: "1" }), await s.read());
    await inject(name, 1, 400);
    expect(isEnvsyncError(await errorOf(s.read()), "PROVIDER")).toBe(true);
    expect(await requestsFor(name)).toBe(1);
  });
});

describe("azure-kv errors users meet", () => {
  it("maps 403 to AUTH (exit 1) with what to do", async () => {
    for (const uri of [`azure-kv://${forbiddenUrl()}/bundle`, `azure-kv://${forbiddenUrl()}/x-*`]) {
      const s = await open(uri);
      const err = await errorOf(s.read());
      expect(isEnvsyncError(err, "AUTH")).toBe(true);
      expect((err as { exitCode: number }).exitCode).toBe(1);
      expect((err as { hint: string }).hint).toContain("Key Vault Secrets Officer");
    }
  });

  it("maps a missing credential to AUTH naming az login, managed identity and AZURE_*", async () => {
    // In a fresh process: the identity library keeps the managed identity source it
    // found in module state, so the chain must be built where none was ever seen.
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) {
      if (v !== undefined && !/^(AZURE_|IDENTITY_|MSI_|IMDS_)/.test(k)) env[k] = v;
    }
    env.PATH = dirname(process.execPath); // no az, azd or pwsh to fall back on
    const registry = pathToFileURL(join(process.cwd(), "src/providers/registry.ts")).href;
    const script = `
      const { openStore } = await import(${JSON.stringify(registry)});
      const s = await openStore(${JSON.stringify(`azure-kv://${vaultUrl()}/bundle-${uid()}`)}, {
        cwd: process.cwd(), env: process.env, concurrency: 1,
        logger: { level: "quiet", debug() {}, info() {}, warn() {}, error() {} },
      });
      try { await s.read(); console.log(JSON.stringify({ ok: true })); }
      catch (e) { console.log(JSON.stringify({ code: e.code, exitCode: e.exitCode, hint: e.hint })); }`;
    // Asynchronous: a blocked test worker misses Vitest's own messages under load.
    const { stdout: out } = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "-e", script],
      { env, encoding: "utf8", timeout: 110_000 },
    );
    const result = JSON.parse(out.trim().split("\n").pop() ?? "{}") as {
      code?: string;
      exitCode?: number;
      hint?: string;
    };
    expect(result.code).toBe("AUTH");
    expect(result.exitCode).toBe(1);
    expect(result.hint).toMatch(/az login.*managed identity.*AZURE_CLIENT_ID/s);
  });
});
