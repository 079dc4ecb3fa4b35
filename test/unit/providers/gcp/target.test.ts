import { describe, expect, it } from "vitest";
import { isEnvsyncError } from "../../../../src/errors.js";
import {
  compareVersionIds,
  digestKeyVersions,
  keyOfId,
  managedSecrets,
  parseEndpoint,
  parseGcpTarget,
  pickVersions,
  secretIdOf,
  versionIdOf,
} from "../../../../src/providers/gcp/target.js";

describe("parseGcpTarget", () => {
  it.each([
    ["my-proj/app_env", { layout: "bundle", project: "my-proj", secretId: "app_env" }],
    ["my-proj/APP-1", { layout: "bundle", project: "my-proj", secretId: "APP-1" }],
    ["my-proj/app_dev_*", { layout: "per-key", project: "my-proj", prefix: "app_dev_" }],
    ["my-proj/*", { layout: "per-key", project: "my-proj", prefix: "" }],
    ["example.com:proj/s", { layout: "bundle", project: "example.com:proj", secretId: "s" }],
    ["123456789/s", { layout: "bundle", project: "123456789", secretId: "s" }],
  ])("%s", (target, expected) => {
    expect(parseGcpTarget(target)).toEqual(expected);
  });

  it.each([
    "proj",
    "proj/",
    "/secret",
    "proj/a.b",
    "proj/a/b",
    "proj/a b*",
    "proj/x*y*",
    `proj/${"s".repeat(256)}`,
  ])("%s is an exit-2 URI error", (target) => {
    let err: unknown;
    try {
      parseGcpTarget(target);
    } catch (e) {
      err = e;
    }
    expect(isEnvsyncError(err, "URI")).toBe(true);
    expect((err as { exitCode: number }).exitCode).toBe(2);
  });
});

describe("parseEndpoint", () => {
  it.each([
    [undefined, undefined],
    ["", undefined],
    ["http://127.0.0.1:9090", { host: "127.0.0.1", port: 9090, insecure: true }],
    ["http://localhost", { host: "localhost", port: 80, insecure: true }],
    [
      "https://secretmanager.europe-west1.rep.googleapis.com",
      { host: "secretmanager.europe-west1.rep.googleapis.com", port: 443, insecure: false },
    ],
    ["private.example.com:8443", { host: "private.example.com", port: 8443, insecure: false }],
    ["http://[::1]:9090", { host: "::1", port: 9090, insecure: true }],
  ])("%s", (raw, expected) => {
    expect(parseEndpoint(raw)).toEqual(expected);
  });

  it.each(["ftp://host", "http://host/path", "http://", "https://a b"])(
    "%s is an exit-2 URI error",
    (raw) => {
      expect(() => parseEndpoint(raw)).toThrowError(/endpoint/);
    },
  );
});

describe("version names", () => {
  it.each([
    ["projects/p/secrets/s/versions/7", "7"],
    ["projects/123/secrets/s/versions/latest", "latest"],
    ["", null],
    [null, null],
  ])("versionIdOf(%s) = %s", (name, id) => {
    expect(versionIdOf(name)).toBe(id);
  });

  it("secretIdOf", () => {
    expect(secretIdOf("projects/p/secrets/app_KEY")).toBe("app_KEY");
  });

  it("compares version ids as numbers, never as strings", () => {
    expect(compareVersionIds("10", "9")).toBeGreaterThan(0);
    expect(["10", "9", "100", "1"].sort(compareVersionIds)).toEqual(["1", "9", "10", "100"]);
  });

  it.each([
    [[], { newest: null, newestEnabled: null }],
    [[{ id: "1", state: "ENABLED" }], { newest: "1", newestEnabled: "1" }],
    [
      [
        { id: "9", state: "ENABLED" },
        { id: "11", state: "DISABLED" },
        { id: "10", state: "DESTROYED" },
      ],
      { newest: "11", newestEnabled: "9" },
    ],
    [[{ id: "2", state: "DISABLED" }], { newest: "2", newestEnabled: null }],
  ])("pickVersions %#", (versions, expected) => {
    expect(pickVersions(versions)).toEqual(expected);
  });
});

describe("managedSecrets", () => {
  const s = (
    id: string,
    labels: Record<string, string> = { "managed-by": "envsync" },
    annotations: Record<string, string> = {},
  ) => ({
    name: `projects/p/secrets/${id}`,
    labels,
    annotations,
  });

  it("keeps labelled secrets under the prefix, keyed by the annotation or the id", () => {
    const got = managedSecrets(
      [
        s("app_A", undefined, { "envsync-key": "A" }),
        s("app_B"),
        s("app_C", {}),
        s("app_D", { "managed-by": "terraform" }),
        s("other_E"),
        s("ap_F"),
      ],
      "app_",
    );
    expect(Object.fromEntries(got)).toEqual({ A: "app_A", B: "app_B" });
  });

  it("ignores the secret named exactly the prefix (no key)", () => {
    expect(managedSecrets([s("app_")], "app_").size).toBe(0);
  });

  it("leaves a longer prefix's secret to that prefix's remote", () => {
    const got = managedSecrets(
      [
        s("app_DB", undefined, { "envsync-key": "DB" }),
        s("app_dev_DB", undefined, { "envsync-key": "DB" }),
      ],
      "app_",
    );
    expect(Object.fromEntries(got)).toEqual({ DB: "app_DB" });
  });

  it.each([
    ["app_DB", "DB", true, "DB"],
    ["app_DB", undefined, true, "DB"],
    ["app_dev_DB", "DB", true, null],
    ["app_dev_DB", "DB", false, "dev_DB"],
    ["app_OLD", "DB", true, "DB"],
    ["app_", undefined, true, null],
  ] as const)("keyOfId(%s, app_, %s, managed=%s) = %s", (id, annotation, managed, key) => {
    expect(keyOfId(id, "app_", annotation, managed)).toBe(key);
  });
});

describe("digestKeyVersions", () => {
  it("is null when empty, stable across insertion order, and moves when a version moves", () => {
    expect(digestKeyVersions(new Map())).toBeNull();
    const a = digestKeyVersions(
      new Map([
        ["A", "1"],
        ["B", "2"],
      ]),
    );
    expect(
      digestKeyVersions(
        new Map([
          ["B", "2"],
          ["A", "1"],
        ]),
      ),
    ).toBe(a);
    expect(
      digestKeyVersions(
        new Map([
          ["A", "1"],
          ["B", "3"],
        ]),
      ),
    ).not.toBe(a);
  });
});

describe("clientOptionsFor", () => {
  it("public endpoint: no options (TLS, ADC)", async () => {
    const { clientOptionsFor } = await import("../../../../src/providers/gcp/grpc-api.js");
    expect(clientOptionsFor(undefined)).toEqual({});
  });

  it("TLS endpoint: host and port only, so ADC is still used", async () => {
    const { clientOptionsFor } = await import("../../../../src/providers/gcp/grpc-api.js");
    expect(clientOptionsFor(parseEndpoint("private.example.com:8443"))).toEqual({
      apiEndpoint: "private.example.com",
      port: 8443,
    });
  });

  it("emulator endpoint: insecure channel and an explicit universe domain (no ADC, no metadata probe)", async () => {
    const { clientOptionsFor } = await import("../../../../src/providers/gcp/grpc-api.js");
    const o = clientOptionsFor(parseEndpoint("http://127.0.0.1:9090"));
    expect(o).toMatchObject({
      apiEndpoint: "127.0.0.1",
      port: 9090,
      universeDomain: "googleapis.com",
    });
    expect(o.sslCreds).toBeDefined();
  });
});
