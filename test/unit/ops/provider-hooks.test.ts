/**
 * Provider hooks: ops/ asks the registry's hooks instead of switching on a scheme,
 * so a store registered at run time (as a new provider folder would be) is seeded,
 * checked by doctor, exported for ESO and listed by history with no edit in ops/.
 */
import { describe, expect, it } from "vitest";
import { detectCredentials } from "../../../src/ops/doctor.js";
import { esoRemoteRef } from "../../../src/ops/export.js";
import { seedRemote } from "../../../src/ops/session.js";
import { registerScheme, resolveUri, schemes } from "../../../src/providers/registry.js";
import { parseRemoteUri } from "../../../src/providers/uri.js";

registerScheme("demo", {
  load: () => Promise.reject(new Error("not needed")),
  hooks: {
    example: "demo://MOUNT/PATH",
    capabilities: () => ({ versions: true, softDelete: false, compareAndSwap: true }),
    credentials: (_uri, env) =>
      env.DEMO_TOKEN
        ? { found: true, source: "DEMO_TOKEN" }
        : { found: false, source: "no DEMO_TOKEN", advice: "set DEMO_TOKEN" },
    seed: { cloud: "demo", toUri: (s, need) => `demo://${need(s.secretName, "--secret-name")}` },
    remoteRef: (uri) => Promise.resolve({ layout: "bundle", key: uri.target }),
  },
});

describe("a store known only by its hooks", () => {
  it("is a known scheme with its example in the hint of an unknown one", () => {
    expect(resolveUri("demo://kv/app").uri.scheme).toBe("demo");
    expect(() => resolveUri("nope://x")).toThrow();
    try {
      resolveUri("nope://x");
    } catch (e) {
      expect((e as { hint: string }).hint).toContain("demo://MOUNT/PATH");
      expect((e as { hint: string }).hint).not.toContain("memory://");
    }
  });

  it("answers --cloud, doctor's credentials check and the ESO reference", async () => {
    expect(seedRemote({ cloud: "demo", secretName: "app" })).toBe("demo://app");
    const uri = parseRemoteUri("demo://kv/app");
    expect(detectCredentials(uri, { DEMO_TOKEN: "x" }, "/nowhere").found).toBe(true);
    expect(detectCredentials(uri, {}, "/nowhere")).toMatchObject({ found: false });
    expect(await esoRemoteRef("demo://kv/app", ["A"])).toEqual({ layout: "bundle", key: "kv/app" });
  });

  it("an unknown --cloud names every cloud a provider answers to", () => {
    expect(() => seedRemote({ cloud: "ibm", secretName: "s" })).toThrow(
      /^--cloud must be aws, gcp, azure, (\w+, )*\w+ or demo\b/,
    );
  });
});

describe("built-in providers", () => {
  it("every built-in scheme has hooks with an example; the product has no memory://", () => {
    for (const scheme of ["file", "aws-sm", "aws-ssm", "gcp-sm", "azure-kv"])
      expect(schemes[scheme]?.hooks.example).toBeTruthy();
    expect(schemes.memory).toBeUndefined();
  });

  it.each([
    ["file:x.env", true, false],
    ["aws-sm://app/dev?region=r", true, true],
    ["aws-sm://app/*?region=r", false, true],
    ["aws-ssm://app/*?region=r", false, false],
    ["gcp-sm://p/s", true, false],
    ["gcp-sm://p/s_*", false, false],
    ["azure-kv://v/s", true, true],
    ["azure-kv://v/s-*", false, true],
  ])("capabilities of %s: versions %s, soft delete %s", (raw, versions, softDelete) => {
    const { uri, entry } = resolveUri(raw);
    expect(entry.hooks.capabilities?.(uri)).toMatchObject({ versions, softDelete });
  });
});
