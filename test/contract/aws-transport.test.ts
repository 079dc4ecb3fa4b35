/**
 * The two transports of the AWS stores on moto (src/providers/aws/client.ts): with
 * static keys in the environment (as the harness sets them) a store uses the small
 * client; a named profile goes through the official SDK; and what one transport
 * writes, the other reads the same (values, versions, per-key versions).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { CountsCalls } from "../../src/providers/aws/common.js";
import { openStore } from "../../src/providers/registry.js";
import type { ChangeSet, RemoteSnapshot, Store } from "../../src/providers/types.js";
import { motoContext, onMoto, openOnMoto, uid } from "../support/moto.js";

const changes = (set: Record<string, string>, del: string[] = []): ChangeSet => ({
  set: new Map(Object.entries(set)),
  delete: del,
});

const saved = { ...process.env };
afterEach(() => {
  for (const k of ["ENVSYNC_AWS_SDK", "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE"])
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
});

/** Opens `uri` with the SDK forced (true) or the transport the environment picks. */
async function open(uri: string, sdk: boolean) {
  if (sdk) process.env.ENVSYNC_AWS_SDK = "1";
  else delete process.env.ENVSYNC_AWS_SDK;
  const s = await openOnMoto(uri);
  delete process.env.ENVSYNC_AWS_SDK;
  return s;
}

const shape = (s: RemoteSnapshot) => ({
  exists: s.exists,
  values: Object.fromEntries(s.values),
  version: s.version,
  keyVersions: Object.fromEntries(s.keyVersions ?? new Map()),
});

describe.each([
  ["aws-sm bundle", () => `aws-sm://envsync-transport/b-${uid()}`],
  ["aws-sm per-key", () => `aws-sm://envsync-transport/k-${uid()}/*`],
  ["aws-ssm", () => `aws-ssm://envsync-transport/p-${uid()}/*`],
])("%s on moto: small client and SDK agree", (_name, makeUri) => {
  it("static keys in the environment pick the small client", async () => {
    const s = await open(makeUri(), false);
    expect(s.calls.transport).toBe("small");
    await s.close?.();
  });

  it("what the small client writes the SDK reads the same, and back", async () => {
    const uri = makeUri();
    const small = await open(uri, false);
    const sdk = await open(uri, true);
    expect([small.calls.transport, sdk.calls.transport]).toEqual(["small", "sdk"]);
    await small.write(changes({ A: "1", B: "two words", C: "ü€" }), await small.read());
    expect(shape(await sdk.read())).toEqual(shape(await small.read()));
    await sdk.write(changes({ A: "10", D: "4" }, ["B"]), await sdk.read());
    const [x, y] = [await small.read(), await sdk.read()];
    expect(shape(x)).toEqual(shape(y));
    expect(Object.fromEntries(x.values)).toEqual({ A: "10", C: "ü€", D: "4" });
    await small.close?.();
    await sdk.close?.();
  });

  it("the poll of `run --watch` (probeVersion) gives the same version on both, never null for a secret that exists", async () => {
    // moto answers `"DeletedDate": null`; the SDK drops null members, so must the small client.
    const uri = makeUri();
    const small = await open(uri, false);
    const sdk = await open(uri, true);
    await small.write(changes({ A: "1" }), await small.read());
    const probe = await small.probeVersion!();
    expect(probe).not.toBeNull();
    expect(probe).toBe(await sdk.probeVersion!());
    await small.close?.();
    await sdk.close?.();
  });
});

describe("a credential source other than static environment keys", () => {
  it("a named profile (keys in the shared credentials file) goes through the SDK and works", async () => {
    const dir = mkdtempSync(join(tmpdir(), "envsync-awsprofile-"));
    writeFileSync(
      join(dir, "credentials"),
      "[envsync-transport]\naws_access_key_id = test\naws_secret_access_key = test\n",
    );
    writeFileSync(join(dir, "config"), "");
    process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, "credentials");
    process.env.AWS_CONFIG_FILE = join(dir, "config");
    const base = `aws-sm://envsync-transport/prof-${uid()}`;
    const s = (await openStore(`${onMoto(base)}&profile=envsync-transport`, motoContext)) as Store &
      CountsCalls;
    expect(s.calls.transport).toBe("sdk");
    await s.write(changes({ P: "1" }), await s.read());
    expect(Object.fromEntries((await s.read()).values)).toEqual({ P: "1" });
    await s.close?.();
  });
});
