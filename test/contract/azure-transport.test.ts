/**
 * The two transports of the Key Vault stores on the harness's stand-in
 * (src/providers/azure/client.ts): with the App Service identity variables the
 * harness sets, a store uses the small REST client; `ENVSYNC_AZURE_SDK=1` the official
 * SecretClient. What one writes the other reads the same (values, versions, per-key
 * versions, the `run --watch` probe), their calls answer in the same shapes, and the
 * failures the stores read a status or code from fail alike on both.
 */
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { makeClient } from "../../src/providers/azure/key-vault.js";
import type { KvClient } from "../../src/providers/azure/client.js";
import { isEnvsyncError } from "../../src/errors.js";
import { silentLogger } from "../../src/logger.js";
import { openStore } from "../../src/providers/registry.js";
import type { ChangeSet, RemoteSnapshot, Store, StoreContext } from "../../src/providers/types.js";
import { requireEnv } from "../harness/require-env.js";
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
const changes = (set: Record<string, string>, del: string[] = []): ChangeSet => ({
  set: new Map(Object.entries(set)),
  delete: del,
});

const saved = process.env.ENVSYNC_AZURE_SDK;
afterEach(() => {
  if (saved === undefined) delete process.env.ENVSYNC_AZURE_SDK;
  else process.env.ENVSYNC_AZURE_SDK = saved;
});

/** Runs `fn` with the SDK forced (true) or the transport the environment picks. */
function withSdk<T>(sdk: boolean, fn: () => T): T {
  if (sdk) process.env.ENVSYNC_AZURE_SDK = "1";
  else delete process.env.ENVSYNC_AZURE_SDK;
  try {
    return fn();
  } finally {
    delete process.env.ENVSYNC_AZURE_SDK;
  }
}
const open = (uri: string, sdk: boolean): Promise<Store> =>
  withSdk(sdk, () => openStore(uri, context));
const client = (url: string, sdk: boolean): KvClient =>
  withSdk(sdk, () => makeClient(url, context));

const shape = (s: RemoteSnapshot) => ({
  exists: s.exists,
  values: Object.fromEntries(s.values),
  version: s.version,
  keyVersions: Object.fromEntries(s.keyVersions ?? new Map()),
});

describe.each([
  ["bundle", () => `azure-kv://${vaultUrl()}/tb-${uid()}`],
  ["per-key", () => `azure-kv://${vaultUrl()}/tk${uid()}-*`],
])("azure-kv %s on the stand-in: small client and SDK agree", (_name, makeUri) => {
  it("what the small client writes the SDK reads the same, and back", async () => {
    const uri = makeUri();
    const small = await open(uri, false);
    const sdk = await open(uri, true);
    await small.write(changes({ A: "1", B: "two words", C: "ü€" }), await small.read());
    expect(shape(await sdk.read())).toEqual(shape(await small.read()));
    await sdk.write(changes({ A: "10", D: "4" }, ["B"]), await sdk.read());
    const [x, y] = [await small.read(), await sdk.read()];
    expect(shape(x)).toEqual(shape(y));
    expect(Object.fromEntries(x.values)).toEqual({ A: "10", C: "ü€", D: "4" });
    await small.close?.();
    await sdk.close?.();
  });
});

it("per-key: the poll of `run --watch` (probeVersion) gives the same version on both", async () => {
  const uri = `azure-kv://${vaultUrl()}/tp${uid()}-*`;
  const small = await open(uri, false);
  const sdk = await open(uri, true);
  await small.write(changes({ A: "1" }), await small.read());
  const probe = await small.probeVersion?.();
  expect(probe).toBeTruthy();
  expect(probe).toBe(await sdk.probeVersion?.());
  await small.close?.();
  await sdk.close?.();
});

describe("the calls themselves", () => {
  it("the environment the harness sets (App Service identity) picks the small client", () => {
    expect(client(vaultUrl(), false).transport).toBe("small");
    expect(client(vaultUrl(), true).transport).toBe("sdk");
  });

  it("answer in the same shapes: get, a version, versions, the listing, a deleted secret", async () => {
    const small = client(vaultUrl(), false);
    const sdk = client(vaultUrl(), true);
    const name = `tc-${uid()}`;
    const v1 = await small.setSecret(name, "first", {
      tags: { "managed-by": "envsync" },
      contentType: "text/plain",
    });
    const v2 = await sdk.setSecret(name, "second", { tags: { t: "2" } });
    expect(await small.getSecret(name)).toEqual(await sdk.getSecret(name));
    expect((await small.getSecret(name)).value).toBe("second");
    const first = await small.getSecret(name, { version: v1.properties.version! });
    expect(first).toEqual(await sdk.getSecret(name, { version: v1.properties.version! }));
    expect(first.value).toBe("first");
    const versions = async (c: KvClient) => {
      const out = [];
      for await (const p of c.listPropertiesOfSecretVersions(name)) out.push(p);
      return out.sort((a, b) => (a.version! < b.version! ? -1 : 1));
    };
    expect(await versions(small)).toEqual(await versions(sdk));
    expect((await versions(small)).map((p) => p.version).sort()).toEqual(
      [v1.properties.version, v2.properties.version].sort(),
    );
    const listed = async (c: KvClient) => {
      for await (const page of c.listPropertiesOfSecrets().byPage({ maxPageSize: 25 }))
        for (const p of page) if (p.name === name) return p;
      return undefined;
    };
    expect(await listed(small)).toEqual(await listed(sdk));
    const tagged = await small.updateSecretProperties(name, v2.properties.version!, {
      tags: { t: "3" },
    });
    expect(tagged.tags).toEqual({ t: "3" });
    await (await small.beginDeleteSecret(name, { intervalInMs: 50 })).pollUntilDone();
    expect(await small.getDeletedSecret(name)).toEqual(await sdk.getDeletedSecret(name));
    await (await sdk.beginRecoverDeletedSecret(name, { intervalInMs: 50 })).pollUntilDone();
    expect((await small.getSecret(name)).value).toBe("second");
    await (await sdk.beginDeleteSecret(name, { intervalInMs: 50 })).pollUntilDone();
    await small.purgeDeletedSecret(name);
    small.close();
    sdk.close();
  });

  it("fail alike where the stores read a status or code: 404, 409 on a soft-deleted name, 403", async () => {
    const small = client(vaultUrl(), false);
    const sdk = client(vaultUrl(), true);
    const fields = async (p: Promise<unknown>) => {
      const e = (await errorOf(p)) as {
        name?: unknown;
        statusCode?: unknown;
        code?: unknown;
        details?: { error?: { innerError?: { code?: unknown } } };
      };
      return [e.name, e.statusCode, e.code, e.details?.error?.innerError?.code];
    };
    const name = `te-${uid()}`;
    expect(await fields(small.getSecret(name))).toEqual(await fields(sdk.getSecret(name)));
    expect((await fields(small.getSecret(name)))[1]).toBe(404);
    expect(await fields(small.getDeletedSecret(name))).toEqual(
      await fields(sdk.getDeletedSecret(name)),
    );
    await small.setSecret(name, "x");
    await (await small.beginDeleteSecret(name, { intervalInMs: 50 })).pollUntilDone();
    const conflict = await fields(small.setSecret(name, "y"));
    expect(conflict).toEqual(await fields(sdk.setSecret(name, "y")));
    expect(conflict[1]).toBe(409);
    await small.purgeDeletedSecret(name);
    const denied = client(forbiddenUrl(), false);
    const deniedSdk = client(forbiddenUrl(), true);
    const refused = await fields(denied.getSecret("any"));
    expect(refused).toEqual(await fields(deniedSdk.getSecret("any")));
    expect(refused.slice(1)).toEqual([403, "Forbidden", "ForbiddenByRbac"]);
    for (const c of [small, sdk, denied, deniedSdk]) c.close();
  });

  it("a store on the forbidden vault fails with the same EnvsyncError on both", async () => {
    const name = `x-${uid()}`;
    const message = async (sdk: boolean) => {
      const s = await open(`azure-kv://${forbiddenUrl()}/${name}`, sdk);
      const e = await errorOf(s.read());
      expect(isEnvsyncError(e)).toBe(true);
      return [(e as { code?: string }).code, (e as Error).message];
    };
    const small = await message(false);
    expect(small).toEqual(await message(true));
    expect(small[0]).toBe("AUTH");
  });
});
