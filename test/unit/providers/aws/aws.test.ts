import { describe, expect, it } from "vitest";
import { EnvsyncError, isEnvsyncError } from "../../../../src/errors.js";
import { silentLogger } from "../../../../src/logger.js";
import {
  applyChanges,
  clientConfig,
  digestVersions,
  parseAwsOptions,
  toEnvsyncError,
} from "../../../../src/providers/aws/common.js";
import {
  createStore as createSm,
  currentVersion,
  isManaged,
  parseSmTarget,
} from "../../../../src/providers/aws/secrets-manager.js";
import { createStore as createSsm, parseSsmTarget } from "../../../../src/providers/aws/ssm.js";
import type { ChangeSet, StoreContext } from "../../../../src/providers/types.js";
import { parseRemoteUri } from "../../../../src/providers/uri.js";

const ctx: StoreContext = { cwd: "/", env: {}, logger: silentLogger, concurrency: 4 };
const cs = (set: Record<string, string>, del: string[] = []): ChangeSet => ({
  set: new Map(Object.entries(set)),
  delete: del,
});
const errOf = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
};

describe("parseSmTarget", () => {
  it.each([
    ["myapp/dev", { layout: "bundle", name: "myapp/dev" }],
    ["myapp/dev/*", { layout: "per-key", prefix: "myapp/dev" }],
    ["a+b=c.d@e-f_g", { layout: "bundle", name: "a+b=c.d@e-f_g" }],
  ])("%s", (target, expected) => expect(parseSmTarget(target, "x")).toEqual(expected));

  it.each(["*", "/*", "my*app", "my app", "a".repeat(513), "naïve"])(
    "rejects %s (URI, exit 2)",
    (t) => {
      const e = errOf(() => parseSmTarget(t, "x"));
      expect(isEnvsyncError(e, "URI")).toBe(true);
    },
  );
});

describe("parseSsmTarget", () => {
  it.each([
    ["myapp/dev/*", "/myapp/dev"],
    ["/myapp/dev/*", "/myapp/dev"],
    ["a_b.c-d/*", "/a_b.c-d"],
  ])("%s → %s", (t, path) => expect(parseSsmTarget(t, "x")).toBe(path));

  it.each(["myapp/dev", "/*", "a b/*", "aws/x/*", "ssm/*", "a//b/*"])("rejects %s", (t) => {
    expect(
      isEnvsyncError(
        errOf(() => parseSsmTarget(t, "x")),
        "URI",
      ),
    ).toBe(true);
  });
});

describe("parseAwsOptions", () => {
  const opts = (raw: string) => parseAwsOptions(parseRemoteUri(raw), raw);
  it.each([
    ["aws-sm://n", {}],
    ["aws-sm://n?region=eu-west-1", { region: "eu-west-1" }],
    ["aws-sm://n?region=us-gov-west-1&profile=dev", { region: "us-gov-west-1", profile: "dev" }],
    ["aws-sm://n?endpoint=http%3A%2F%2F127.0.0.1%3A5000", { endpoint: "http://127.0.0.1:5000" }],
  ])("%s", (raw, expected) => expect(opts(raw)).toEqual(expected));

  it.each([
    "aws-sm://n?region=Europe",
    "aws-sm://n?endpoint=ftp://x",
    "aws-sm://n?endpoint=nope",
    "aws-sm://n?regoin=x",
  ])("rejects %s", (raw) =>
    expect(
      isEnvsyncError(
        errOf(() => opts(raw)),
        "URI",
      ),
    ).toBe(true),
  );
});

describe("clientConfig", () => {
  it("turns the SDK's retries off, passes region/profile/endpoint and merges test options last", () => {
    const c = clientConfig(
      { region: "eu-west-1", profile: "p", endpoint: "http://h" },
      { ...ctx, requestTimeoutMs: 5000, clientOptions: { "aws-sm": { maxAttempts: 1, extra: 1 } } },
      "aws-sm",
    );
    expect(c).toEqual({
      maxAttempts: 1,
      region: "eu-west-1",
      profile: "p",
      endpoint: "http://h",
      requestHandler: {
        requestTimeout: 5000,
        connectionTimeout: 5000,
        throwOnRequestTimeout: true,
      },
      extra: 1,
    });
  });
  it("leaves region and credentials to the SDK's default chain when not given", () => {
    expect(clientConfig({}, ctx, "aws-sm")).toEqual({ maxAttempts: 1 });
  });
});

describe("small helpers", () => {
  it("currentVersion finds AWSCURRENT", () => {
    expect(currentVersion({ a: ["AWSPREVIOUS"], b: ["AWSCURRENT", "X"] })).toBe("b");
    expect(currentVersion(undefined)).toBeNull();
  });
  it("isManaged needs the exact pair managed-by=envsync", () => {
    expect(isManaged([{ Key: "managed-by", Value: "envsync" }])).toBe(true);
    expect(
      isManaged([
        { Key: "managed-by", Value: "terraform" },
        { Key: "x", Value: "envsync" },
      ]),
    ).toBe(false);
    expect(isManaged(undefined)).toBe(false);
  });
  it("applyChanges deletes then sets", () => {
    const next = applyChanges(
      new Map([
        ["A", "1"],
        ["B", "2"],
      ]),
      cs({ B: "3", C: "4" }, ["A"]),
    );
    expect(Object.fromEntries(next)).toEqual({ B: "3", C: "4" });
  });
  it("digestVersions is order-independent and null when empty", () => {
    const a = digestVersions(
      new Map([
        ["A", "1"],
        ["B", "2"],
      ]),
    );
    expect(a).toBe(
      digestVersions(
        new Map([
          ["B", "2"],
          ["A", "1"],
        ]),
      ),
    );
    expect(a).not.toBe(
      digestVersions(
        new Map([
          ["A", "1"],
          ["B", "3"],
        ]),
      ),
    );
    expect(digestVersions(new Map())).toBeNull();
  });
});

describe("toEnvsyncError", () => {
  const named = (name: string, message = "m", extra: object = {}) =>
    Object.assign(new Error(message), { name, ...extra });
  it.each([
    [
      named("CredentialsProviderError", "Could not load credentials from any providers"),
      "AUTH",
      1,
      /AWS_PROFILE/,
    ],
    [named("AccessDeniedException", "User is not authorized"), "AUTH", 1, /IAM permissions/],
    [named("UnrecognizedClientException"), "AUTH", 1, /allowed/],
    [named("Error", "Region is missing"), "URI", 2, /region=/],
    [
      Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }),
      "NETWORK",
      1,
      /endpoint/,
    ],
    [Object.assign(new Error("getaddrinfo"), { code: "ENOTFOUND" }), "NETWORK", 1, /region/],
    [named("ThrottlingException"), "NETWORK", 1, /Retry later/],
    [named("InternalServiceError"), "PROVIDER", 1, /--verbose/],
  ])("%s → %s", (e, code, exit, hint) => {
    const m = toEnvsyncError(e, "aws-sm://x", "GetSecretValue");
    expect(m.code).toBe(code);
    expect(m.exitCode).toBe(exit);
    expect(m.hint).toMatch(hint);
    expect(m.cause).toBe(e);
  });
  it("hides quoted input in provider messages (AWS echoes values in validation errors)", () => {
    const e = named(
      "ValidationException",
      "1 validation error detected: Value 'CANARY_x' at 'value' failed",
    );
    const m = toEnvsyncError(e, "aws-ssm://p/*", "PutParameter");
    expect(m.code).toBe("PROVIDER");
    expect(m.message).toContain("ValidationException");
    expect(m.message).not.toContain("CANARY");
  });

  it("keeps an EnvsyncError as is", () => {
    const e = new EnvsyncError("LIMIT", "x");
    expect(toEnvsyncError(e, "d", "w")).toBe(e);
  });
});

describe("validate (no network)", () => {
  const sm = (raw: string) => createSm(parseRemoteUri(raw), ctx);
  const ssm = (raw: string) => createSsm(parseRemoteUri(raw), ctx);
  const code = (fn: () => void): string | undefined => {
    const e = errOf(fn);
    return isEnvsyncError(e)
      ? `${e.code}:${e.exitCode}`
      : e === undefined
        ? undefined
        : `unexpected: ${(e as Error).message}`;
  };

  it.each([
    ["aws-sm://p/*", { OK_KEY: "v" }, undefined],
    ["aws-sm://p/*", { "A.B@c+d=e-f": "v" }, undefined],
    ["aws-sm://p/*", { "BAD KEY": "v" }, "NAME:2"],
    ["aws-sm://p/*", { KÉY: "v" }, "NAME:2"],
    ["aws-sm://p/*", { ["K".repeat(511)]: "v" }, "NAME:2"],
    ["aws-sm://p/*", { BIG: "x".repeat(65_537) }, "LIMIT:2"],
    ["aws-sm://p/*", { MAX: "x".repeat(65_536) }, undefined],
    ["aws-sm://p/*", { EMPTY: "" }, "LIMIT:2"],
    ["aws-ssm://p/*", { OK_KEY: "v" }, undefined],
    ["aws-ssm://p/*", { "A+B": "v" }, "NAME:2"],
    ["aws-ssm://p/*", { BIG: "x".repeat(4097) }, "LIMIT:2"],
    ["aws-ssm://p/*", { MAX: "é".repeat(2048) }, undefined],
    ["aws-ssm://p/*", { EMPTY: "" }, "LIMIT:2"],
  ])("%s %j → %s", (raw, set, expected) => {
    const store = raw.startsWith("aws-ssm") ? ssm(raw) : sm(raw);
    const changes = cs(set);
    expect(code(() => store.validate(changes.set, changes))).toBe(expected);
  });

  it("checks the whole bundle against 65,536 bytes and suggests per-key", () => {
    const s = sm("aws-sm://myapp/dev");
    const next = new Map([["A", "x".repeat(65_536)]]);
    const e = errOf(() => s.validate(next, cs({})));
    expect(isEnvsyncError(e, "LIMIT")).toBe(true);
    expect((e as EnvsyncError).hint).toContain("aws-sm://myapp/dev/*");
    const fits = new Map([["A", "x".repeat(65_536 - 8)]]);
    expect(() => s.validate(fits, cs({}))).not.toThrow();
  });

  it("never puts a value in an error message", () => {
    const s = sm("aws-sm://p/*");
    const value = "CANARY_value_" + "x".repeat(70_000);
    const e = errOf(() => s.validate(new Map([["K", value]]), cs({ K: value })));
    expect((e as Error).message).not.toContain("CANARY");
  });
});
