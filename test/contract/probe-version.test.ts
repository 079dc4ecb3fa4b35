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
import { describe, expect, it, vi } from "vitest";
import { createLogger } from "../../src/logger.js";
import { openStore } from "../../src/providers/registry.js";
import type { Store, StoreContext } from "../../src/providers/types.js";
import { tempDir } from "../e2e/helpers.js";
import { openOnMoto, uid } from "../support/moto.js";
import { VAULT_ADDR_VAR, VAULT_TOKEN_VAR } from "../harness/emulators/openbao.js";
import { requireEnv } from "../harness/require-env.js";

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
