/**
 * Where an ExternalSecret points for each cloud remote: the same names envsync's
 * stores write (bundle secret names; per-key names including Azure's escaping).
 */
import { describe, expect, it } from "vitest";
import { isEnvsyncError } from "../../../src/errors.js";
import { esoRemoteRef } from "../../../src/ops/export.js";

const keys = ["DB_URL", "api.key"];

describe("esoRemoteRef", () => {
  it.each([
    ["aws-sm://myapp/dev?region=eu-west-1", { layout: "bundle", key: "myapp/dev" }],
    ["gcp-sm://my-project/myapp-dev", { layout: "bundle", key: "myapp-dev" }],
    ["azure-kv://myvault/myapp-dev", { layout: "bundle", key: "myapp-dev" }],
  ])("bundle %s", async (uri, ref) => {
    expect(await esoRemoteRef(uri, keys)).toEqual(ref);
  });

  it.each([
    ["aws-sm://myapp/dev/*?region=eu-west-1", ["myapp/dev/DB_URL", "myapp/dev/api.key"]],
    ["aws-ssm://myapp/dev/*?region=eu-west-1", ["/myapp/dev/DB_URL", "/myapp/dev/api.key"]],
    ["gcp-sm://my-project/myapp_dev_*", ["myapp_dev_DB_URL", "myapp_dev_api.key"]],
    ["azure-kv://myvault/app-*", ["app-db--url", "app--a-p-i-1-k-e-y"]],
  ])("per-key %s", async (uri, names) => {
    const ref = await esoRemoteRef(uri, keys);
    expect(ref.layout).toBe("per-key");
    if (ref.layout === "per-key") expect([...ref.names.values()]).toEqual(names);
  });

  it("refuses file: remotes (ESO cannot read them), exit 2", async () => {
    const e: unknown = await esoRemoteRef("file:shared.env", keys).catch((x: unknown) => x);
    expect(isEnvsyncError(e, "USAGE")).toBe(true);
    expect((e as Error).message).toContain("file:");
  });
});
