/** doctor's online Vault checks, judged from what the server answered: one line a case. */
import { describe, expect, it } from "vitest";
import {
  capabilitiesFrom,
  formatTtl,
  pathsOf,
  permissionsDiagnosis,
  rejectedTokenDiagnosis,
  requirements,
  tokenDiagnosis,
  type DiagnoseTarget,
} from "../../../../src/providers/vault/diagnose.js";

const bundle: DiagnoseTarget = { mount: "secret", rel: "myapp/dev", kv: 2, layout: "bundle" };
const perKey: DiagnoseTarget = { ...bundle, layout: "per-key" };
const v1: DiagnoseTarget = { mount: "kv", rel: "app", kv: 1, layout: "bundle" };
const v1PerKey: DiagnoseTarget = { ...v1, layout: "per-key" };

const caps = (o: Record<string, string[]>): Map<string, Set<string>> =>
  new Map(Object.entries(o).map(([k, v]) => [k, new Set(v)]));

describe("paths asked about", () => {
  it.each([
    [bundle, ["secret/data/myapp/dev", "secret/metadata/myapp/dev"]],
    [
      perKey,
      [
        "secret/metadata/myapp/dev/",
        "secret/data/myapp/dev/*",
        "secret/metadata/myapp/dev/*",
        "secret/delete/myapp/dev/*",
      ],
    ],
    [
      { ...perKey, rel: "" },
      ["secret/metadata/", "secret/data/*", "secret/metadata/*", "secret/delete/*"],
    ],
    [v1, ["kv/app"]],
    [v1PerKey, ["kv/app/", "kv/app/*"]],
  ])("%j → %j", (t, paths) => expect(pathsOf(requirements(t))).toEqual(paths));
});

describe("permissions", () => {
  const D = "vault:///secret/myapp/dev";
  it.each([
    [
      bundle,
      { "secret/data/myapp/dev": ["root"], "secret/metadata/myapp/dev": ["root"] },
      "ok",
      /may read, write, history/,
    ],
    [
      bundle,
      {
        "secret/data/myapp/dev": ["create", "read", "update"],
        "secret/metadata/myapp/dev": ["read"],
      },
      "ok",
      /may read, write, history vault/,
    ],
    [
      bundle,
      {
        "secret/data/myapp/dev": ["create", "read", "update"],
        "secret/metadata/myapp/dev": ["deny"],
      },
      "ok",
      /not history \(needs read on secret\/metadata\/myapp\/dev\)/,
    ],
    [
      bundle,
      { "secret/data/myapp/dev": ["read"], "secret/metadata/myapp/dev": ["read"] },
      "warn",
      /may read, history .*not write \(needs create, update on secret\/data\/myapp\/dev\)/,
    ],
    [
      bundle,
      { "secret/data/myapp/dev": ["read", "deny"] },
      "fail",
      /may not read .*needs read on secret\/data\/myapp\/dev/,
    ],
    [bundle, {}, "fail", /may not read/],
    [
      perKey,
      {
        "secret/metadata/myapp/dev/": ["list"],
        "secret/data/myapp/dev/*": ["read"],
        "secret/metadata/myapp/dev/*": ["list"],
      },
      "warn",
      /may read .*not write \(needs create, update on secret\/data\/myapp\/dev\/\*; create, read, update on secret\/metadata\/myapp\/dev\/\*\), delete \(needs update on secret\/delete\/myapp\/dev\/\*\), purge/,
    ],
    [
      perKey,
      {
        "secret/metadata/myapp/dev/": ["create", "read", "update", "list"],
        "secret/data/myapp/dev/*": ["create", "read", "update"],
        "secret/metadata/myapp/dev/*": ["create", "read", "update", "list"],
        "secret/delete/myapp/dev/*": ["update"],
      },
      "ok",
      /may read, write, delete .*; not purge \(needs delete on secret\/metadata\/myapp\/dev\/\*\)/,
    ],
    [
      perKey,
      { "secret/data/myapp/dev/*": ["read"] },
      "fail",
      /needs list on secret\/metadata\/myapp\/dev\//,
    ],
    [v1, { "kv/app": ["create", "read", "update"] }, "ok", /may read, write/],
  ] as const)("%j with %j → %s", (t, c, status, message) => {
    const d = permissionsDiagnosis(t, caps(c as Record<string, string[]>), D);
    expect(d.status).toBe(status);
    expect(d.message).toMatch(message);
    expect(d.check).toBe("permissions");
    if (status !== "ok") expect(d.advice).toMatch(/docs\/providers\/vault\.md/);
  });

  it("reads both answer shapes of sys/capabilities-self", () => {
    const paths = ["a/b", "c/d"];
    expect(capabilitiesFrom({ data: { "a/b": ["read"], "c/d": ["deny"] } }, paths)).toEqual(
      caps({ "a/b": ["read"], "c/d": ["deny"] }),
    );
    expect(capabilitiesFrom({ "a/b": ["list"] }, paths)).toEqual(
      caps({ "a/b": ["list"], "c/d": [] }),
    );
    expect(capabilitiesFrom({ capabilities: ["read"] }, ["x"])).toEqual(caps({ x: ["read"] }));
    expect(capabilitiesFrom(null, ["x"])).toEqual(caps({ x: [] }));
  });
});

describe("token", () => {
  it.each([
    [{ ttl: 0, policies: ["root"] }, "ok", /never expires \(TTL 0\); policies root/],
    [
      { ttl: 3600, renewable: true, policies: ["default", "ro"] },
      "ok",
      /expires in 1h \(renewable\); policies default, ro/,
    ],
    [{ ttl: 90_000, policies: [] }, "ok", /expires in 1d 1h$/],
    [{ ttl: 300, renewable: true }, "warn", /expires in 5m/],
    [{ ttl: 59, renewable: false, type: "batch" }, "warn", /batch token .* expires in 59s/],
  ])("%j → %s", (data, status, message) => {
    const d = tokenDiagnosis(data, "VAULT_TOKEN");
    expect(d).toMatchObject({ check: "token", status });
    expect(d.message).toMatch(message);
    expect(d.message).toContain("from VAULT_TOKEN");
  });
  it("a refused token fails with what to do", () => {
    const d = rejectedTokenDiagnosis("~/.vault-token", "https://v:8200");
    expect(d).toMatchObject({ check: "token", status: "fail" });
    expect(d.advice).toMatch(/vault login/);
  });
  it.each([
    [0, "0s"],
    [42, "42s"],
    [60, "1m"],
    [3_599, "59m"],
    [3_660, "1h 1m"],
    [86_400, "1d"],
    [2 * 86_400 + 3 * 3_600 + 5, "2d 3h"],
  ])("formatTtl(%d) = %s", (s, text) => expect(formatTtl(s)).toBe(text));
});
