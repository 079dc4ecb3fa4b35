import { describe, expect, it } from "vitest";
import { isEnvsyncError } from "../../../../src/errors.js";
import { isLoopbackVault, parseAzureTarget } from "../../../../src/providers/azure/target.js";
import { parseRemoteUri } from "../../../../src/providers/uri.js";

const parse = (raw: string) => parseAzureTarget(parseRemoteUri(raw));

describe("parseAzureTarget", () => {
  it.each([
    ["azure-kv://myvault/app-dev", "https://myvault.vault.azure.net", "bundle", "app-dev"],
    ["azure-kv://MyVault/app-dev-*", "https://myvault.vault.azure.net", "per-key", "app-dev-"],
    ["azure-kv://myvault/*", "https://myvault.vault.azure.net", "per-key", ""],
    ["azure-kv://127.0.0.1:8443/s", "https://127.0.0.1:8443", "bundle", "s"],
    ["azure-kv://localhost:8443/p-*", "https://localhost:8443", "per-key", "p-"],
    ["azure-kv://myvault.vault.azure.cn/s", "https://myvault.vault.azure.cn", "bundle", "s"],
    ["azure-kv://https://127.0.0.1:9443/s", "https://127.0.0.1:9443", "bundle", "s"],
    [
      "azure-kv://https://kv.vault.usgovcloudapi.net/p*",
      "https://kv.vault.usgovcloudapi.net",
      "per-key",
      "p",
    ],
    [
      "azure-kv://ignored/s?endpoint=https%3A%2F%2F127.0.0.1%3A1234",
      "https://127.0.0.1:1234",
      "bundle",
      "s",
    ],
  ])("%s → %s %s %s", (raw, vaultUrl, layout, name) => {
    expect(parse(raw)).toEqual({ vaultUrl, layout, name });
  });

  it.each([
    "azure-kv://myvault",
    "azure-kv://myvault/",
    "azure-kv://myvault/bad_name",
    "azure-kv://myvault/bad.prefix*",
    "azure-kv://myvault/a/b",
    "azure-kv://http://127.0.0.1:1/s",
    "azure-kv://my vault/s",
    `azure-kv://myvault/${"x".repeat(128)}`,
  ])("refuses %s with exit 2", (raw) => {
    let err: unknown;
    try {
      parse(raw);
    } catch (e) {
      err = e;
    }
    expect(isEnvsyncError(err, "URI")).toBe(true);
    expect((err as { exitCode: number }).exitCode).toBe(2);
  });
});

describe("isLoopbackVault", () => {
  it.each([
    ["https://127.0.0.1:8443", true],
    ["https://localhost:8443", true],
    ["https://vault.localhost:8443", true],
    ["https://myvault.vault.azure.net", false],
    ["https://127.example.com", false],
  ])("%s → %s", (url, loopback) => expect(isLoopbackVault(url)).toBe(loopback));
});
