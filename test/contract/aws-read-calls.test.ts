/**
 * How many calls a per-key AWS read makes, against moto (issue 15): SSM asks for
 * tags only for names the base does not know; Secrets Manager lists the prefix
 * (100 a page) and fetches by id (20 a call), never a filtered BatchGetSecretValue,
 * which moto answers by reading every secret on every page. Ownership still holds:
 * untagged parameters and secrets stay out of the values.
 */
import { DeleteSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { describe, expect, it } from "vitest";
import {
  createForeignSecrets,
  numberedKeys,
  openOnMoto,
  rawClientConfig,
  uid,
} from "../support/moto.js";

describe("aws-ssm read calls (moto)", () => {
  it("with the base's keys: GetParametersByPath pages only, tags only for new names", async () => {
    const path = `/envsync-test/ssm-calls-${uid()}`;
    const s = await openOnMoto(`aws-ssm:/${path}/*`);
    const mine = numberedKeys(25);
    await s.write({ set: mine, delete: [] }, await s.read());
    const raw = new SSMClient(rawClientConfig());
    await raw.send(
      new PutParameterCommand({ Name: `${path}/FOREIGN`, Value: "x", Type: "String" }),
    );

    s.calls.reset();
    const known = await s.read({ knownKeys: new Set(mine.keys()) });
    expect(known.values).toEqual(mine);
    // 26 parameters: 3 pages of 10; one DescribeParameters for the one name not in the base.
    expect(s.calls.made("GetParametersByPath")).toBe(3);
    expect(s.calls.made("DescribeParameters")).toBe(1);

    s.calls.reset();
    const cold = await s.read();
    expect(cold.values).toEqual(mine);
    expect(cold.version).toBe(known.version);
    expect(s.calls.made("DescribeParameters")).toBeGreaterThan(0);

    // A key the base knows but that no longer exists is simply absent.
    s.calls.reset();
    const extra = await s.read({ knownKeys: new Set([...mine.keys(), "GONE", "FOREIGN_2"]) });
    expect(extra.values).toEqual(mine);
    raw.destroy();
    await s.close?.();
  });

  it("a read whose names the base all knows makes no DescribeParameters call", async () => {
    const s = await openOnMoto(`aws-ssm://envsync-test/ssm-calls-${uid()}/*`);
    const mine = numberedKeys(10);
    await s.write({ set: mine, delete: [] }, await s.read());
    s.calls.reset();
    expect((await s.read({ knownKeys: new Set(mine.keys()) })).values).toEqual(mine);
    expect(s.calls.made("DescribeParameters")).toBe(0);
    await s.close?.();
  });
});

describe("aws-sm per-key read calls (moto)", () => {
  it("lists the prefix and fetches by id: ⌈n/100⌉ ListSecrets + ⌈n/20⌉ BatchGetSecretValue", async () => {
    const prefix = `envsync-test/sm-calls-${uid()}`;
    const s = await openOnMoto(`aws-sm://${prefix}/*`);
    const mine = numberedKeys(45);
    await s.write({ set: mine, delete: [] }, await s.read());
    const raw = new SecretsManagerClient(rawClientConfig());
    // Untagged, tagged by someone else, and one of ours scheduled for deletion: all out.
    await createForeignSecrets(raw, prefix);
    await raw.send(
      new DeleteSecretCommand({ SecretId: `${prefix}/KEY_044`, RecoveryWindowInDays: 7 }),
    );
    mine.delete("KEY_044");

    s.calls.reset();
    const snap = await s.read();
    expect(snap.values).toEqual(mine);
    expect(s.calls.made("ListSecrets")).toBe(1);
    expect(s.calls.made("BatchGetSecretValue")).toBe(3);
    raw.destroy();
    await s.close?.();
  });
});
