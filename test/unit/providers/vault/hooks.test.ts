/** The Vault provider's hooks: no network, one line a case. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseRemoteUri } from "../../../../src/providers/uri.js";
import { vaultCredentials, vaultHooks } from "../../../../src/providers/vault/hooks.js";

const empty = mkdtempSync(join(tmpdir(), "envsync-vault-unit-"));
const withFile = mkdtempSync(join(tmpdir(), "envsync-vault-unit-"));
writeFileSync(join(withFile, ".vault-token"), "s.secret-token-never-shown\n");
const uri = (s: string) => parseRemoteUri(s);

describe("vault credentials (doctor)", () => {
  it.each([
    [{ VAULT_TOKEN: "t" }, empty, true, /VAULT_TOKEN/],
    [{ VAULT_ROLE_ID: "r", VAULT_SECRET_ID: "s" }, empty, true, /AppRole .* auth\/approle/],
    [
      { VAULT_ROLE_ID: "r", VAULT_SECRET_ID: "s", VAULT_APPROLE_MOUNT: "ci" },
      empty,
      true,
      /auth\/ci/,
    ],
    [{ VAULT_ROLE_ID: "r" }, empty, false, /VAULT_SECRET_ID is not/],
    [{}, withFile, true, /~\/\.vault-token/],
    [{}, empty, false, /no Vault token/],
    [{ VAULT_TOKEN: "t", VAULT_NAMESPACE: "team" }, empty, true, /namespace team/],
  ])("%j in %s → found %s", (env, home, found, source) => {
    const f = vaultCredentials(uri("vault://v.example:8200/secret/app"), env, home);
    expect(f.found).toBe(found);
    expect(f.source).toMatch(source);
    expect(JSON.stringify(f)).not.toMatch(/secret-token-never-shown|"t"|"s"/);
  });

  it("names the address and where it came from", () => {
    const f = vaultCredentials(
      uri("vault:///secret/app"),
      { VAULT_TOKEN: "t", VAULT_ADDR: "http://127.0.0.1:8200" },
      empty,
    );
    expect(f.source).toContain("http://127.0.0.1:8200 (address from VAULT_ADDR)");
  });
});

describe("vault seed flags", () => {
  const need = (v: string | undefined, flag: string): string => {
    if (v === undefined) throw new Error(`missing ${flag}`);
    return v;
  };
  it.each([
    [{ secretName: "myapp" }, "vault:///secret/myapp"],
    [{ secretName: "secret/myapp/dev" }, "vault:///secret/myapp/dev"],
    [{ secretName: "kv/team/app" }, "vault:///kv/team/app"],
    [
      { secretName: "secret/app", vaultUrl: "https://v.example:8200" },
      "vault:///secret/app?endpoint=https%3A%2F%2Fv.example%3A8200",
    ],
  ])("%j → %s", (seed, want) => {
    expect(vaultHooks.seed?.toUri(seed, need)).toBe(want);
  });
  it("answers --cloud vault and needs --secret-name", () => {
    expect(vaultHooks.seed?.cloud).toBe("vault");
    expect(() => vaultHooks.seed?.toUri({}, need)).toThrow(/--secret-name/);
  });
});

describe("vault capabilities and ESO references", () => {
  it.each([
    ["vault://h/secret/app", { versions: true, softDelete: false, compareAndSwap: true }],
    ["vault://h/secret/app/*", { versions: false, softDelete: true, compareAndSwap: true }],
    ["vault://h/kv/app?kv=1", { versions: false, softDelete: false, compareAndSwap: false }],
  ])("%s", (u, caps) => {
    expect(vaultHooks.capabilities?.(uri(u))).toEqual(caps);
  });
  it("a bundle is read by ESO's Vault provider at its path inside the mount", async () => {
    expect(await vaultHooks.remoteRef?.(uri("vault://h/secret/myapp/dev"), ["A"])).toEqual({
      layout: "bundle",
      key: "myapp/dev",
    });
  });
  it.each([
    ["vault://h/secret/myapp/*", ["A", "B"], ["myapp/A", "myapp/B"]],
    ["vault://h/kv/team/app/*?kv=1", ["A"], ["team/app/A"]],
    ["vault://h/secret/*", ["A"], ["A"]],
  ])("per-key %s: each key's path inside the mount, property value", async (u, keys, names) => {
    const ref = await vaultHooks.remoteRef?.(uri(u), keys);
    expect(ref).toEqual({
      layout: "per-key",
      names: new Map(keys.map((k, i) => [k, names[i]])),
      property: "value",
    });
  });
});
