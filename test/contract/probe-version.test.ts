/**
 * `Store.probeVersion()` (what `run --watch` polls, issue 28 item 4): on each store that
 * has one, the probe changes when a value changes, a key is added or a key is deleted,
 * stays equal otherwise, and reads no value: the encrypted files are never decrypted
 * (their decode is counted), and the AWS per-key stores make only their listing call
 * (ListSecrets / DescribeParameters, counted by the SDK call counter), never a
 * value-reading one; Vault KV v2 per-key reads only metadata paths (its client's
 * requests are recorded), never a `data/` path.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateIdentity, identityToRecipient } from "age-encryption";
import { DefaultAzureCredential } from "@azure/identity";
import { SecretClient } from "@azure/keyvault-secrets";
import { afterAll, describe, expect, it, vi } from "vitest";
import { createLogger } from "../../src/logger.js";
import { secretNameFor } from "../../src/providers/azure/names.js";
import { createGsmApi, type GsmApi } from "../../src/providers/gcp/api.js";
import { createGsmStore } from "../../src/providers/gcp/secret-manager.js";
import { parseEndpoint } from "../../src/providers/gcp/target.js";
import { openStore } from "../../src/providers/registry.js";
import { parseRemoteUri } from "../../src/providers/uri.js";
import type { Store, StoreContext } from "../../src/providers/types.js";
import { tempDir } from "../e2e/helpers.js";
import { openOnMoto, uid } from "../support/moto.js";
import { VAULT_ADDR_VAR, VAULT_TOKEN_VAR } from "../harness/emulators/openbao.js";
import { requireEnv } from "../harness/require-env.js";
import { freshGsmProject, gsmAdmin, gsmEndpoint } from "../support/gsm-admin.js";

/**
 * Runs the probe through a value change, an added key and a deleted key. `cheap()` is
 * called after each probe and must hold that no value was read by it.
 */
async function probeCycle(store: Store, cheap: () => void, before: () => void): Promise<void> {
  const probe = async (): Promise<string | null> => {
    before();
    const v = await store.probeVersion!();
    cheap();
    return v;
  };
  const write = async (set: Record<string, string>, del: string[] = []): Promise<void> => {
    await store.write({ set: new Map(Object.entries(set)), delete: del }, await store.read());
  };

  expect(typeof store.probeVersion).toBe("function");
  const empty = await probe();
  await write({ A: "canary-probe-1" });
  const p1 = await probe();
  expect(p1).not.toBeNull();
  expect(p1).not.toBe(empty);
  expect(await probe()).toBe(p1); // nothing changed: the same

  await write({ A: "canary-probe-2" });
  const p2 = await probe();
  expect(p2).not.toBe(p1);
  expect(await probe()).toBe(p2);

  await write({ B: "canary-probe-3" });
  const p3 = await probe();
  expect(p3).not.toBe(p2);
  expect(await probe()).toBe(p3);

  await write({}, ["B"]);
  const p4 = await probe();
  expect(p4).not.toBe(p3);
  expect(await probe()).toBe(p4);
}

/** Counts calls of the store's protected `decode` (the decryption of the file). */
function decodeSpy(store: Store): { count: () => number } {
  const spy = vi.spyOn(store as unknown as { decode: (t: string) => unknown }, "decode");
  return { count: () => spy.mock.calls.length };
}

describe("probeVersion on the encrypted local files", () => {
  it("sops: the file's hash, never decrypted", async () => {
    const identity = await generateIdentity();
    const dir = tempDir("envsync-probe-sops-");
    writeFileSync(
      join(dir, ".sops.yaml"),
      `creation_rules:\n  - age: ${await identityToRecipient(identity)}\n`,
    );
    const ctx: StoreContext = {
      cwd: dir,
      env: { HOME: dir, SOPS_AGE_KEY: identity },
      logger: createLogger("quiet"),
      concurrency: 4,
    };
    const store = await openStore(`sops:${join(dir, "secrets.enc.env")}`, ctx);
    const decode = decodeSpy(store);
    let at = 0;
    await probeCycle(
      store,
      () => expect(decode.count()).toBe(at),
      () => (at = decode.count()),
    );
    expect(decode.count()).toBeGreaterThan(0); // the spy sees the reads: it can fail
  });

  it("dotenvx: the file's hash, never decrypted", async () => {
    const dir = tempDir("envsync-probe-dotenvx-");
    const ctx: StoreContext = {
      cwd: dir,
      env: {},
      logger: createLogger("quiet"),
      concurrency: 4,
    };
    const store = await openStore(`dotenvx:${join(dir, ".env.production")}`, ctx);
    const decode = decodeSpy(store);
    let at = 0;
    await probeCycle(
      store,
      () => expect(decode.count()).toBe(at),
      () => (at = decode.count()),
    );
    expect(decode.count()).toBeGreaterThan(0);
  });
});

describe("probeVersion on the AWS per-key stores (moto)", () => {
  it("aws-sm per-key: ListSecrets only (AWSCURRENT ids), no value read", async () => {
    const s = await openOnMoto(`aws-sm://envsync-test/probe-${uid()}/*`);
    await probeCycle(
      s,
      () => expect([...s.calls.counts.keys()]).toEqual(["ListSecrets"]),
      () => s.calls.reset(),
    );
    await s.close?.();
  });

  it("aws-ssm: DescribeParameters only (each Version), no value read", async () => {
    const s = await openOnMoto(`aws-ssm://envsync-test/probe-${uid()}/*`);
    await probeCycle(
      s,
      () => expect([...s.calls.counts.keys()]).toEqual(["DescribeParameters"]),
      () => s.calls.reset(),
    );
    await s.close?.();
  });
});

describe("probeVersion on Vault KV v2 per-key (OpenBao)", () => {
  it("LIST + each key's metadata, never a data/ path", async () => {
    const dir = tempDir("envsync-probe-vault-");
    const store = await openStore(`vault:///secret/probe-${uid()}/*`, {
      cwd: dir,
      env: {
        VAULT_ADDR: requireEnv(VAULT_ADDR_VAR, "openbao"),
        VAULT_TOKEN: requireEnv(VAULT_TOKEN_VAR, "openbao"),
        HOME: dir,
      },
      logger: createLogger("quiet"),
      concurrency: 4,
    });
    const client = (store as unknown as { client: { request: (m: string, p: string) => unknown } })
      .client;
    const spy = vi.spyOn(client, "request");
    let at = 0;
    await probeCycle(
      store,
      () => {
        const paths = spy.mock.calls.slice(at).map((c) => `${c[0]} ${c[1]}`);
        expect(paths.length).toBeGreaterThan(0);
        for (const p of paths)
          expect(p).toMatch(/^GET (secret\/metadata\/|sys\/internal\/ui\/mounts\/)/);
      },
      () => (at = spy.mock.calls.length),
    );
    // The spy sees the reads' data/ paths: it can fail.
    expect(spy.mock.calls.some((c) => String(c[1]).startsWith("secret/data/"))).toBe(true);
    await store.close?.();
  });
});

describe("probeVersion on a Vault bundle (OpenBao)", () => {
  const vaultEnv = (dir: string): Record<string, string> => ({
    VAULT_ADDR: requireEnv(VAULT_ADDR_VAR, "openbao"),
    VAULT_TOKEN: requireEnv(VAULT_TOKEN_VAR, "openbao"),
    HOME: dir,
  });
  const requests = (store: Store) =>
    vi.spyOn(
      (store as unknown as { client: { request: (m: string, p: string) => unknown } }).client,
      "request",
    );

  it("KV v2: the secret's metadata only, never its data/ path", async () => {
    const dir = tempDir("envsync-probe-vault-bundle-");
    const store = await openStore(`vault:///secret/probe-${uid()}/app`, {
      cwd: dir,
      env: vaultEnv(dir),
      logger: createLogger("quiet"),
      concurrency: 4,
    });
    const spy = requests(store);
    let at = 0;
    await probeCycle(
      store,
      () => {
        const paths = spy.mock.calls.slice(at).map((c) => `${c[0]} ${c[1]}`);
        expect(paths.length).toBeGreaterThan(0);
        for (const p of paths)
          expect(p).toMatch(/^GET (secret\/metadata\/|sys\/internal\/ui\/mounts\/)/);
      },
      () => (at = spy.mock.calls.length),
    );
    await store.close?.();
  });

  it("KV v1 (no versions): a read's content hash, so a change is seen (it used to fail every poll)", async () => {
    const dir = tempDir("envsync-probe-vault-kv1-");
    const env = vaultEnv(dir);
    const mount = `probe-kv1-${uid()}`;
    const r = await fetch(`${env.VAULT_ADDR}/v1/sys/mounts/${mount}`, {
      method: "POST",
      headers: { "X-Vault-Token": env.VAULT_TOKEN!, "content-type": "application/json" },
      body: JSON.stringify({ type: "kv", options: { version: "1" } }),
    });
    expect(r.status).toBe(204);
    const store = await openStore(`vault:///${mount}/app?kv=1`, {
      cwd: dir,
      env,
      logger: createLogger("quiet"),
      concurrency: 4,
    });
    await probeCycle(
      store,
      () => undefined,
      () => undefined,
    );
    await store.close?.();
  });
});

/** The real GSM client on the harness's emulator, counting calls by method. */
function countingGsm(target: string): { store: Store; calls: string[] } {
  const api = createGsmApi(parseEndpoint(`http://${gsmEndpoint()}`), {});
  const calls: string[] = [];
  const counted = Object.fromEntries(
    Object.entries(api).map(([name, fn]) => [
      name,
      (...a: unknown[]) => {
        // ListSecretVersions with its page size: `(1)` is the newest version only.
        if (name === "listSecretVersions") calls.push(`${name}(${String(a[2])})`);
        else if (name !== "close") calls.push(name);
        return (fn as (...b: unknown[]) => unknown)(...a);
      },
    ]),
  ) as unknown as GsmApi;
  return {
    store: createGsmStore(parseRemoteUri(`gcp-sm://${target}`), quietCtx(), counted),
    calls,
  };
}

const quietCtx = (): StoreContext => ({
  cwd: process.cwd(),
  env: {},
  logger: createLogger("quiet"),
  concurrency: 4,
});

describe("probeVersion on Google Secret Manager per-key (gsm emulator)", () => {
  const gsm = gsmAdmin();
  afterAll(() => gsm.close());

  it("ListSecrets + one ListSecretVersions page per key, never AccessSecretVersion", async () => {
    const project = freshGsmProject("probe");
    const { store, calls } = countingGsm(`${project}/p_*`);
    let at = 0;
    await probeCycle(
      store,
      () => {
        const made = calls.slice(at);
        expect(made[0]).toBe("listSecrets");
        expect(new Set(made.slice(1))).toEqual(
          new Set(made.length > 1 ? ["listSecretVersions(1)"] : []),
        );
      },
      () => (at = calls.length),
    );
    expect(calls).toContain("accessSecretVersion"); // the reads are counted: it can fail
    await store.close?.();
  });

  it("the probe moves on a version disabled or enabled, and on an annotation changed", async () => {
    const project = freshGsmProject("probe");
    const { store, calls } = countingGsm(`${project}/p_*`);
    await store.write({ set: new Map([["A", "canary-probe-a1"]]), delete: [] }, await store.read());
    await store.write({ set: new Map([["A", "canary-probe-a2"]]), delete: [] }, await store.read());
    const secret = `projects/${project}/secrets/p_A`;
    const client = gsm.client();
    const probes = [await store.probeVersion!()];
    const step = async (what: string, change: () => Promise<unknown>): Promise<void> => {
      await change();
      const at = calls.length;
      const p = await store.probeVersion!();
      expect(p, what).not.toBe(probes.at(-1));
      expect(await store.probeVersion!(), `${what}, probed again`).toBe(p);
      expect(calls.slice(at)).not.toContain("accessSecretVersion");
      probes.push(p);
    };
    // The newest version disabled: a read serves version 1 now.
    await step("newest disabled", () =>
      client.disableSecretVersion({ name: `${secret}/versions/2` }),
    );
    // An older version disabled while the newest is: seen through the full version list.
    await step("older disabled", () =>
      client.disableSecretVersion({ name: `${secret}/versions/1` }),
    );
    await step("older enabled", () => client.enableSecretVersion({ name: `${secret}/versions/1` }));
    await step("annotation changed", () =>
      client.updateSecret({
        secret: { name: secret, annotations: { "envsync-key": "A", other: "x" } },
        updateMask: { paths: ["annotations"] },
      }),
    );
    await store.close?.();
  });
});

/** Key Vault client calls of a per-key store, by SDK method. */
function countKv(store: Store): string[] {
  const client = (store as unknown as { calls: { client: Record<string, unknown> } }).calls.client;
  const calls: string[] = [];
  for (const m of [
    "getSecret",
    "listPropertiesOfSecrets",
    "listPropertiesOfSecretVersions",
  ] as const) {
    const fn = client[m] as (...a: unknown[]) => unknown;
    client[m] = (...a: unknown[]) => {
      calls.push(m);
      return fn.apply(client, a);
    };
  }
  return calls;
}

/**
 * Makes the listing's `Date` header (the vault's time, which the per-key probe's window
 * is measured from) read `at()` ms when it returns a number: time without sleeping.
 */
function vaultTime(store: Store, at: () => number | undefined): void {
  const client = (store as unknown as { calls: { client: Record<string, unknown> } }).calls.client;
  const list = client.listPropertiesOfSecrets as (o?: Record<string, unknown>) => unknown;
  type Raw = { headers: { get(n: string): string | undefined } };
  client.listPropertiesOfSecrets = (o: Record<string, unknown> = {}) => {
    const onResponse = o.onResponse as ((raw: Raw, flat: unknown) => void) | undefined;
    return list.call(client, {
      ...o,
      onResponse: (raw: Raw, flat: unknown) => {
        const t = at();
        const get = (n: string): string | undefined =>
          n.toLowerCase() === "date" && t !== undefined
            ? new Date(t).toUTCString()
            : raw.headers.get(n);
        onResponse?.({ ...raw, headers: { ...raw.headers, get } }, flat);
      },
    });
  };
}

describe("probeVersion on Azure Key Vault per-key (Key Vault stand-in)", () => {
  const vaultUrl = (): string => requireEnv("ENVSYNC_TEST_LOWKEY_URL", "lowkey");
  const control = (): string => requireEnv("ENVSYNC_TEST_KV_CONTROL_URL", "lowkey");
  const prefix = (): string => `pv${uid().replace(/-/g, "").slice(0, 8)}-`;
  const open = (p: string): Promise<Store> =>
    openStore(`azure-kv://${vaultUrl()}/${p}*`, { ...quietCtx(), env: process.env });
  /** Stamps the versions of `name` with time `seconds` (the stand-in's clock control). */
  const clock = async (name: string, seconds: number): Promise<void> => {
    const r = await fetch(`${control()}/clock?name=${name}&seconds=${seconds}`, { method: "PUT" });
    expect(r.status).toBe(200);
  };
  const kv = (): SecretClient =>
    new SecretClient(vaultUrl(), new DefaultAzureCredential(), {
      disableChallengeResourceVerification: true,
      serviceVersion: "7.6",
    });

  it("one listing (+ the versions of recent secrets), never a value read", async () => {
    const store = await open(prefix());
    const calls = countKv(store);
    let at = 0;
    await probeCycle(
      store,
      () => {
        const made = calls.slice(at);
        expect(made[0]).toBe("listPropertiesOfSecrets");
        expect(made).not.toContain("getSecret");
      },
      () => (at = calls.length),
    );
    expect(calls).toContain("getSecret"); // the reads are counted: it can fail
    await store.close?.();
  });

  it("two writes stamped with the same second move the probe (their versions are asked for)", async () => {
    const p = prefix();
    const store = await open(p);
    const calls = countKv(store);
    const name = secretNameFor(p, "A");
    // Both writes get one `updated` stamp; in the future, so the stamp is within the window.
    await clock(name, Math.floor(Date.now() / 1000) + 3600);
    await store.write({ set: new Map([["A", "canary-same-1"]]), delete: [] }, await store.read());
    const p1 = await store.probeVersion!();
    await store.write({ set: new Map([["A", "canary-same-2"]]), delete: [] }, await store.read());
    const at = calls.length;
    const p2 = await store.probeVersion!();
    expect(p2).not.toBe(p1);
    expect(calls.slice(at)).toEqual(["listPropertiesOfSecrets", "listPropertiesOfSecretVersions"]);
    expect(await store.probeVersion!()).toBe(p2);
    await store.close?.();
  });

  it("a second write in the stamp's second after a probe is seen by the next probe even after the window; then the secret costs nothing", async () => {
    const p = prefix();
    const store = await open(p);
    let now: number | undefined;
    vaultTime(store, () => now);
    const calls = countKv(store);
    const name = secretNameFor(p, "A");
    const T = 2_000_000_000; // the stamp of every write below, s
    await clock(name, T);
    await store.write({ set: new Map([["A", "canary-late-1"]]), delete: [] }, await store.read());
    const versionsCalls = (from: number): number =>
      calls.slice(from).filter((c) => c === "listPropertiesOfSecretVersions").length;
    let at = calls.length;
    now = T * 1000 + 500; // within the stamp's second: its versions are asked for
    const p1 = await store.probeVersion!();
    expect(versionsCalls(at)).toBe(1);
    // Same second, same tags: the listing looks the same.
    await store.write({ set: new Map([["A", "canary-late-2"]]), delete: [] }, await store.read());
    at = calls.length;
    now = T * 1000 + 60_000; // long after the window: still asked, as the last look was inside it
    const p2 = await store.probeVersion!();
    expect(p2).not.toBe(p1);
    expect(versionsCalls(at)).toBe(1);
    at = calls.length;
    now = T * 1000 + 120_000; // settled and seen after the window: the listing only
    expect(await store.probeVersion!()).toBe(p2);
    expect(calls.slice(at)).toEqual(["listPropertiesOfSecrets"]);
    await store.close?.();
  });

  it("a settled secret costs the listing only; disable, enable and a tag change move the probe", async () => {
    const p = prefix();
    const store = await open(p);
    const calls = countKv(store);
    const name = secretNameFor(p, "A");
    // Stamped long ago: settled, so no version listing for it.
    await clock(name, 1_600_000_000);
    await store.write({ set: new Map([["A", "canary-settled"]]), delete: [] }, await store.read());
    const at = calls.length;
    const probes = [await store.probeVersion!()];
    expect(await store.probeVersion!()).toBe(probes[0]);
    expect(calls.slice(at)).toEqual(["listPropertiesOfSecrets", "listPropertiesOfSecrets"]);
    const client = kv();
    const version = (await client.getSecret(name)).properties.version!;
    const step = async (what: string, change: () => Promise<unknown>): Promise<void> => {
      await change();
      const p = await store.probeVersion!();
      expect(p, what).not.toBe(probes.at(-1));
      expect(await store.probeVersion!(), `${what}, probed again`).toBe(p);
      probes.push(p);
    };
    await step("disabled", () => client.updateSecretProperties(name, version, { enabled: false }));
    await step("enabled", () => client.updateSecretProperties(name, version, { enabled: true }));
    await step("tag added", () =>
      client.updateSecretProperties(name, version, {
        tags: { "managed-by": "envsync", "envsync-key": "A", team: "x" },
      }),
    );
    expect(calls.slice(at)).not.toContain("getSecret");
    await store.close?.();
  });
});
