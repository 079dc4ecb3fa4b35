/**
 * The secrets other tools made under a per-key Azure Key Vault prefix come with the
 * read (issue 15): `snapshot.foreign` is what the foreign access's own listing returns,
 * so the notices need no second listing (Key Vault lists 25 secrets a page). Against
 * the Key Vault stand-in, with foreign secrets written by the official SDK.
 */
import { randomUUID } from "node:crypto";
import { DefaultAzureCredential } from "@azure/identity";
import { SecretClient } from "@azure/keyvault-secrets";
import { describe, expect, it } from "vitest";
import { silentLogger } from "../../src/logger.js";
import { openForeign } from "../../src/providers/foreign.js";
import { openStore } from "../../src/providers/registry.js";
import type { StoreContext } from "../../src/providers/types.js";
import { requireEnv } from "../harness/require-env.js";

const vaultUrl = (): string => requireEnv("ENVSYNC_TEST_LOWKEY_URL", "lowkey");
const context: StoreContext = {
  cwd: process.cwd(),
  env: process.env,
  logger: silentLogger,
  concurrency: 8,
};

describe("foreign entries from the read (Key Vault stand-in)", () => {
  it("azure-kv per-key: the read's foreign entries are the listing's", async () => {
    const prefix = `ff${randomUUID().replace(/-/g, "").slice(0, 8)}-`;
    const uri = `azure-kv://${vaultUrl()}/${prefix}*`;
    const s = await openStore(uri, context);
    const mine = new Map([
      ["A_KEY", "1"],
      ["B_KEY", "2"],
    ]);
    await s.write({ set: mine, delete: [] }, await s.read());
    const client = new SecretClient(vaultUrl(), new DefaultAzureCredential(), {
      disableChallengeResourceVerification: true,
      serviceVersion: "7.6",
    });
    await client.setSecret(`${prefix}TOKEN`, "t");
    await client.setSecret(`${prefix}DBURL`, "postgres://x");

    const access = await openForeign(uri, context);
    const expected = await access!.list();
    await access!.close?.();
    expect(expected.map((e) => e.name)).toEqual([`${prefix}DBURL`, `${prefix}TOKEN`]);
    const snap = await s.read();
    expect(snap.values).toEqual(mine);
    expect(snap.foreign).toEqual(expected);
    await s.close?.();
  });
});
