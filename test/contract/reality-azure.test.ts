/**
 * Azure Key Vault per-key through the reality mode of envsync's stand-in
 * (test/harness/emulators/lowkey.ts, docs/CLOUD-BEHAVIOUR.md): listings that lag behind
 * writes (switched by its control port, never by a clock), a disabled secret that is
 * listed but answers 403 SecretDisabled, and 429 throttling. Each test first shows the
 * behaviour on the raw SDK, then envsync's answer: a known key the listing leaves out is
 * asked for by name; found, it is read; disabled or throttled, it is unconfirmed and
 * left alone, never read as deleted.
 */
import { randomUUID } from "node:crypto";
import { DefaultAzureCredential } from "@azure/identity";
import { SecretClient } from "@azure/keyvault-secrets";
import { afterEach, describe, expect, it } from "vitest";
import { silentLogger } from "../../src/logger.js";
import { openStore } from "../../src/providers/registry.js";
import type { ChangeSet, Store, StoreContext } from "../../src/providers/types.js";
import { requireEnv } from "../harness/require-env.js";

// Always envsync's stand-in (it also runs beside lowkey-vault): the controls exist only there.
const vaultUrl = (): string => requireEnv("ENVSYNC_TEST_KV_EMULATOR_URL", "lowkey");
const control = (): string => requireEnv("ENVSYNC_TEST_KV_CONTROL_URL", "lowkey");
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
const raw = (): SecretClient =>
  new SecretClient(vaultUrl(), new DefaultAzureCredential(), {
    disableChallengeResourceVerification: true,
    serviceVersion: "7.6",
    retryOptions: { maxRetries: 0 },
  });
const ctl = async (path: string, method: "PUT" | "POST"): Promise<void> => {
  const r = await fetch(`${control()}${path}`, { method });
  expect(r.status).toBe(200);
};
/** The name prefix of the running test: the stand-in lags listings of that prefix only. */
let scope = "";
const lag = (on: boolean) =>
  ctl(`/listing-lag?on=${on ? 1 : 0}&scope=${encodeURIComponent(scope)}`, "PUT");
const settle = () => ctl(`/listing-settle?scope=${encodeURIComponent(scope)}`, "POST");

async function listedNames(prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const p of raw().listPropertiesOfSecrets())
    if (p.name.startsWith(prefix)) out.push(p.name.slice(prefix.length).toLowerCase());
  return out.sort();
}

afterEach(async () => {
  if (scope === "") return;
  await lag(false);
  await settle();
  scope = "";
});

describe("reality layer: Azure Key Vault per-key", () => {
  it("a key the listing does not show yet is found by name, not read as deleted", async () => {
    const prefix = (scope = `r${uid()}-`);
    const s: Store = await openStore(`azure-kv://${vaultUrl()}/${prefix}*`, context);
    await s.write(changes({ OLD: "1" }), await s.read());
    await lag(true);
    await s.write(changes({ NEW: "2" }), await s.read());
    expect(await listedNames(prefix)).toEqual(["old"]);
    expect([...(await s.read()).values.keys()]).toEqual(["OLD"]);
    const snap = await s.read({ knownKeys: new Set(["OLD", "NEW"]) });
    expect(Object.fromEntries(snap.values)).toEqual({ OLD: "1", NEW: "2" });
    expect(snap.warnings).toEqual([
      "listing incomplete: NEW was missing from the listing but found by name",
    ]);
    await s.close?.();
  });

  it("a disabled secret (403 SecretDisabled) is unconfirmed, never absent", async () => {
    const prefix = (scope = `d${uid()}-`);
    const s: Store = await openStore(`azure-kv://${vaultUrl()}/${prefix}*`, context);
    await s.write(changes({ ON: "1", OFF: "2" }), await s.read());
    const client = raw();
    const name = `${prefix}OFF`;
    const v = await client.getSecret(name);
    await client.updateSecretProperties(name, v.properties.version!, { enabled: false });
    await expect(client.getSecret(name)).rejects.toMatchObject({ statusCode: 403 });
    const snap = await s.read({ knownKeys: new Set(["ON", "OFF"]) });
    expect(Object.fromEntries(snap.values)).toEqual({ ON: "1" });
    expect(snap.unconfirmed).toEqual(["OFF"]);
    expect(snap.warnings).toEqual([
      "listing incomplete: OFF not confirmed absent (the secret is disabled (403 SecretDisabled)); left alone",
    ]);
    await s.close?.();
  });

  it("a read by name throttled (429) past the retry budget leaves the key unconfirmed", async () => {
    const prefix = (scope = `t${uid()}-`);
    const s: Store = await openStore(`azure-kv://${vaultUrl()}/${prefix}*`, {
      ...context,
      retry: { maxAttempts: 2, totalTimeoutMs: 2000 },
    });
    await s.write(changes({ OLD: "1" }), await s.read());
    await lag(true);
    await s.write(changes({ NEW: "2" }), await s.read());
    await ctl(`/faults?name=${prefix}NEW&count=2&status=429`, "PUT");
    const snap = await s.read({ knownKeys: new Set(["OLD", "NEW"]) });
    expect(Object.fromEntries(snap.values)).toEqual({ OLD: "1" });
    expect(snap.unconfirmed).toEqual(["NEW"]);
    await s.close?.();
  });
});
