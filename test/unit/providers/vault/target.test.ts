/** The pure parts of the Vault store: targets, addresses, booleans, names. One line a case. */
import { describe, expect, it } from "vitest";
import {
  checkParams,
  KEY_NAME_RULE,
  parseGoBool,
  parseKvParam,
  parseVaultTarget,
  resolveAddress,
} from "../../../../src/providers/vault/target.js";

describe("parseVaultTarget", () => {
  it.each([
    ["h/secret/app/dev", { host: "h", segments: ["secret", "app", "dev"], layout: "bundle" }],
    ["h:8201/secret/app", { host: "h:8201", segments: ["secret", "app"], layout: "bundle" }],
    ["/secret/app", { host: "", segments: ["secret", "app"], layout: "bundle" }],
    ["h/secret/app/*", { host: "h", segments: ["secret", "app"], layout: "per-key" }],
    ["h/secret/*", { host: "h", segments: ["secret"], layout: "per-key" }],
    ["[::1]:8200/kv/x", { host: "[::1]:8200", segments: ["kv", "x"], layout: "bundle" }],
  ])("%s", (target, want) => {
    expect(parseVaultTarget(target)).toEqual(want);
  });

  it.each([
    "h",
    "h/secret",
    "h/secret//x",
    "h/secret/../x",
    "h/secret/a*",
    "h/*",
    "bad host/secret/x",
    "h/secret/./x",
  ])("%s is exit 2", (target) => {
    expect(() => parseVaultTarget(target)).toThrow(
      expect.objectContaining({ exitCode: 2 }) as Error,
    );
  });
});

describe("resolveAddress", () => {
  const p = (q = ""): URLSearchParams => new URLSearchParams(q);
  it.each([
    ["vault.example.com", "", {}, "https://vault.example.com:8200", "uri"],
    ["vault.example.com:443", "", {}, "https://vault.example.com:443", "uri"],
    ["127.0.0.1:8200", "tls=false", {}, "http://127.0.0.1:8200", "uri"],
    [
      "127.0.0.1:8200",
      "",
      { VAULT_ADDR: "http://127.0.0.1:8200" },
      "http://127.0.0.1:8200",
      "VAULT_ADDR",
    ],
    [
      "127.0.0.1",
      "",
      { VAULT_ADDR: "http://127.0.0.1:8200/" },
      "http://127.0.0.1:8200",
      "VAULT_ADDR",
    ],
    ["other:8200", "", { VAULT_ADDR: "http://127.0.0.1:8200" }, "https://other:8200", "uri"],
    ["", "", { VAULT_ADDR: "https://v.example:8200" }, "https://v.example:8200", "VAULT_ADDR"],
    [
      "h",
      "endpoint=http://127.0.0.1:9999",
      { VAULT_ADDR: "https://h:8200" },
      "http://127.0.0.1:9999",
      "endpoint",
    ],
    [
      "127.0.0.1:8200",
      "tls=true",
      { VAULT_ADDR: "http://127.0.0.1:8200" },
      "https://127.0.0.1:8200",
      "uri",
    ],
  ])("%s %s %j → %s", (host, q, env, url, source) => {
    expect(resolveAddress(host, p(q), env)).toEqual({ url, source });
  });

  it.each([
    ["", "", {}],
    ["h", "tls=maybe", {}],
    ["h", "endpoint=ftp://x", {}],
    ["", "", { VAULT_ADDR: "not a url" }],
  ])("%s %s %j is exit 2", (host, q, env) => {
    expect(() => resolveAddress(host, p(q), env)).toThrow(
      expect.objectContaining({ exitCode: 2 }) as Error,
    );
  });
});

describe("small parsers", () => {
  it.each([
    [undefined, false],
    ["", false],
    ["true", true],
    ["1", true],
    ["T", true],
    ["false", false],
    ["0", false],
  ])("VAULT_SKIP_VERIFY=%s → %s", (v, want) => {
    expect(parseGoBool(v, "VAULT_SKIP_VERIFY")).toBe(want);
  });
  it("a non-boolean VAULT_SKIP_VERIFY is exit 2", () => {
    expect(() => parseGoBool("yes", "VAULT_SKIP_VERIFY")).toThrow(
      expect.objectContaining({ exitCode: 2 }) as Error,
    );
  });
  it.each([
    [null, null],
    ["1", 1],
    ["2", 2],
  ])("kv=%s → %s", (v, want) => {
    expect(parseKvParam(v)).toBe(want);
  });
  it("kv=3 is exit 2", () => {
    expect(() => parseKvParam("3")).toThrow(expect.objectContaining({ exitCode: 2 }) as Error);
  });
  it.each([
    ["DB_URL", true],
    ["a.b-c_D", true],
    ["a/b", false],
    ["..", false],
    [".", false],
    ["with space", false],
    ["", false],
    ["ünï", false],
  ])("key %j allowed: %s", (k, ok) => {
    expect(KEY_NAME_RULE.test(k)).toBe(ok);
  });
});

describe("checkParams", () => {
  it.each(["endpoint=http://x:1", "tls=false&kv=2", "namespace=team", ""])(
    "%s is accepted",
    (q) => {
      expect(() => checkParams(new URLSearchParams(q))).not.toThrow();
    },
  );
  it.each(["region=us-east-1", "colour=red", "kv=2&token=x"])("%s is exit 2", (q) => {
    expect(() => checkParams(new URLSearchParams(q))).toThrow(
      expect.objectContaining({ exitCode: 2 }) as Error,
    );
  });
});
