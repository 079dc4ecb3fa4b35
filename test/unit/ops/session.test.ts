import { describe, expect, it } from "vitest";
import { seedRemote } from "../../../src/ops/session.js";
import { parseRemoteUri } from "../../../src/providers/uri.js";
import { resolveUri } from "../../../src/providers/registry.js";
import { parseConfig } from "../../../src/config/config.js";

describe("seed flags → remote URI", () => {
  it.each([
    [
      { cloud: "aws", secretName: "app/dev", region: "eu-west-1" },
      "aws-sm://app/dev?region=eu-west-1",
    ],
    [{ secretName: "app" }, "aws-sm://app"],
    [{ cloud: "gcp", projectId: "p1", secretName: "s" }, "gcp-sm://p1/s"],
    [
      { cloud: "azure", vaultUrl: "https://v.vault.azure.net/", secretName: "s" },
      "azure-kv://https://v.vault.azure.net/s",
    ],
    [{}, null],
  ])("%j → %s", (seed, uri) => expect(seedRemote(seed)).toBe(uri));

  it("missing pieces are usage errors", () => {
    expect(() => seedRemote({ cloud: "gcp", secretName: "s" })).toThrow(/--project-id/);
    expect(() => seedRemote({ cloud: "aws" })).toThrow(/--secret-name/);
  });
});

describe("remote URIs", () => {
  it.each([
    ["file:.env.shared", "file", ".env.shared"],
    ["aws-sm://myapp/dev?region=eu-west-1", "aws-sm", "myapp/dev"],
    ["aws-sm://myapp/*?region=eu-west-1", "aws-sm", "myapp/*"],
    ["gcp-sm://proj/PREFIX_*", "gcp-sm", "proj/PREFIX_*"],
    ["azure-kv://vault/secret", "azure-kv", "vault/secret"],
  ])("%s", (raw, scheme, target) => {
    const u = parseRemoteUri(raw);
    expect([u.scheme, u.target]).toEqual([scheme, target]);
  });

  it("an unknown scheme names the known ones (exit 2)", () => {
    expect(() => resolveUri("s3://b/k")).toThrow(/Unknown remote scheme/);
    try {
      resolveUri("s3://b/k");
    } catch (e) {
      expect((e as { exitCode: number }).exitCode).toBe(2);
      expect((e as { hint: string }).hint).toMatch(/gcp-sm/);
    }
  });
});

describe("envsync.yaml", () => {
  it("accepts the SPEC example", () => {
    const c = parseConfig(
      "default: dev\nenvironments:\n  dev:\n    file: .env\n    remote: aws-sm://myapp/dev?region=eu-west-1\n  prod:\n    file: .env.production\n    remote: gcp-sm://my-project/myapp-prod\n    on-conflict: fail\n",
      "envsync.yaml",
    );
    expect(c.environments.prod?.["on-conflict"]).toBe("fail");
  });
  it.each([
    [
      "environments:\n  dev:\n    remote: x\n    remot: y\n",
      /envsync\.yaml:4: environments\.dev\.remot: unknown key/,
    ],
    ["environments:\n  dev:\n    remote: 3\n", /environments\.dev\.remote/],
    ["environments:\n  dev:\n    remote: x\n    on-conflict: maybe\n", /on-conflict/],
    ["default: nope\nenvironments:\n  dev:\n    remote: x\n", /default/],
    ["environments: [\n", /envsync\.yaml:\d+:\d+: invalid YAML/],
    ["colour: red\nenvironments: {}\n", /colour: unknown key/],
  ])("rejects %j", (text, msg) => expect(() => parseConfig(text, "envsync.yaml")).toThrow(msg));
});
