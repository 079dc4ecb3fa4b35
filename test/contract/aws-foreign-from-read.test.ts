/**
 * The entries other tools made under a per-key AWS prefix come with the read (issue 15):
 * `snapshot.foreign` is what the foreign access's own listing returns (so every command's
 * notices need no listing calls), for SSM with and without the base's keys and for
 * Secrets Manager; against moto, with foreign entries made by the SDK.
 */
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { describe, expect, it } from "vitest";
import { openForeign } from "../../src/providers/foreign.js";
import { openStore } from "../../src/providers/registry.js";
import {
  createForeignSecrets,
  motoContext,
  numberedKeys,
  onMoto,
  rawClientConfig,
  uid,
} from "../support/moto.js";

async function listed(uri: string): Promise<unknown> {
  const access = await openForeign(onMoto(uri), motoContext);
  try {
    return await access!.list();
  } finally {
    await access!.close?.();
  }
}

describe("foreign entries from the read (moto)", () => {
  it("aws-ssm: the read's foreign entries are the listing's, with and without a base", async () => {
    const path = `/envsync-test/ssm-foreign-${uid()}`;
    const uri = `aws-ssm:/${path}/*`;
    const s = await openStore(onMoto(uri), motoContext);
    const mine = numberedKeys(12);
    await s.write({ set: mine, delete: [] }, await s.read());
    const raw = new SSMClient(rawClientConfig());
    for (const name of ["FOREIGN_B", "FOREIGN_A", "nested/DEEP", "1ST"])
      await raw.send(
        new PutParameterCommand({ Name: `${path}/${name}`, Value: "x", Type: "String" }),
      );
    raw.destroy();

    const expected = await listed(uri);
    expect((expected as unknown[]).length).toBe(4);
    const cold = await s.read();
    expect(cold.values).toEqual(mine);
    expect(cold.foreign).toEqual(expected);
    const warm = await s.read({ knownKeys: new Set(mine.keys()) });
    expect(warm.values).toEqual(mine);
    expect(warm.foreign).toEqual(expected);
    await s.close?.();
  });

  it("aws-sm per-key: the read's foreign entries are the listing's", async () => {
    const prefix = `envsync-test/sm-foreign-${uid()}`;
    const uri = `aws-sm://${prefix}/*`;
    const s = await openStore(onMoto(uri), motoContext);
    const mine = numberedKeys(7);
    await s.write({ set: mine, delete: [] }, await s.read());
    const raw = new SecretsManagerClient(rawClientConfig());
    await createForeignSecrets(raw, prefix);
    raw.destroy();

    const expected = await listed(uri);
    expect((expected as unknown[]).length).toBe(2);
    const snap = await s.read();
    expect(snap.values).toEqual(mine);
    expect(snap.foreign).toEqual(expected);
    await s.close?.();
  });
});
