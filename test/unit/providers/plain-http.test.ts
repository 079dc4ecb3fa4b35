/** Which addresses count as loopback, and what the plain-HTTP guard lets through (issue 25, item 2). */
import { describe, expect, it } from "vitest";
import { isEnvsyncError } from "../../../src/errors.js";
import type { Logger } from "../../../src/logger.js";
import { isLoopbackHost, refusePlainHttp } from "../../../src/providers/plain-http.js";
import { hooksOf } from "../../../src/providers/registry.js";
import type { StoreContext } from "../../../src/providers/types.js";
import { parseRemoteUri } from "../../../src/providers/uri.js";

describe("isLoopbackHost", () => {
  it.each([
    ["localhost", true],
    ["LOCALHOST", true],
    ["127.0.0.1", true],
    ["127.255.3.4", true],
    ["127.1", true],
    ["2130706433", true],
    ["[::1]", true],
    ["[::ffff:7f00:1]", true],
    ["128.0.0.1", false],
    ["10.0.0.1", false],
    ["192.0.2.2", false],
    ["[::2]", false],
    ["[::ffff:a00:1]", false],
    ["localhost.example.com", false],
    ["my.localhost", false],
    ["127.0.0.1.nip.io", false],
  ])("%s → %s", (host, loopback) => {
    expect(isLoopbackHost(new URL(`http://${host}/`).hostname)).toBe(loopback);
  });
});

function context(env: Record<string, string> = {}): { ctx: StoreContext; warnings: string[] } {
  const warnings: string[] = [];
  const logger: Logger = {
    level: "normal",
    debug: () => undefined,
    info: () => undefined,
    warn: (m) => warnings.push(m),
    error: () => undefined,
  };
  return { ctx: { cwd: "/", env, logger, concurrency: 1 }, warnings };
}

function outcome(raw: string, env: Record<string, string> = {}): string {
  const uri = parseRemoteUri(raw);
  const { ctx, warnings } = context(env);
  try {
    refusePlainHttp(uri, hooksOf(uri), ctx);
    refusePlainHttp(uri, hooksOf(uri), ctx); // a second call in the same run warns no more
  } catch (e) {
    return isEnvsyncError(e) ? `refused (exit ${e.exitCode})` : "threw";
  }
  return warnings.length === 0 ? "ok" : `warned ${warnings.length}`;
}

describe("refusePlainHttp", () => {
  it.each([
    ["vault://vault.example/secret/app", {}, "ok"],
    ["vault://vault.example/secret/app?tls=false", {}, "refused (exit 2)"],
    ["vault://127.0.0.1:8200/secret/app?tls=false", {}, "ok"],
    ["vault://localhost/secret/app?tls=false", {}, "ok"],
    ["vault:///secret/app", { VAULT_ADDR: "http://10.1.2.3:8200" }, "refused (exit 2)"],
    ["vault:///secret/app", { VAULT_ADDR: "https://10.1.2.3:8200" }, "ok"],
    ["vault://h/secret/app?endpoint=http%3A%2F%2F10.0.0.1", {}, "refused (exit 2)"],
    ["aws-sm://app?endpoint=http://10.0.0.1:4566", {}, "refused (exit 2)"],
    ["aws-sm://app?endpoint=https://10.0.0.1:4566", {}, "ok"],
    ["aws-sm://app?endpoint=http://127.0.0.1:4566", {}, "ok"],
    ["aws-sm://app", { AWS_ENDPOINT_URL: "http://10.0.0.1" }, "refused (exit 2)"],
    ["aws-sm://app", { AWS_ENDPOINT_URL_SECRETS_MANAGER: "http://10.0.0.1" }, "refused (exit 2)"],
    ["aws-sm://app", { AWS_ENDPOINT_URL_SSM: "http://10.0.0.1" }, "ok"],
    ["aws-ssm://p/*", { AWS_ENDPOINT_URL_SSM: "http://10.0.0.1" }, "refused (exit 2)"],
    [
      "aws-sm://app",
      { AWS_ENDPOINT_URL: "http://10.0.0.1", AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: "true" },
      "ok",
    ],
    ["gcp-sm://p/s?endpoint=http://10.0.0.1:9090", {}, "refused (exit 2)"],
    ["gcp-sm://p/s?endpoint=10.0.0.1:9090", {}, "ok"],
    ["gcp-sm://p/s", { ENVSYNC_GCP_SM_ENDPOINT: "http://10.0.0.1:9090" }, "refused (exit 2)"],
    ["azure-kv://kv/s?endpoint=http://10.0.0.1", {}, "refused (exit 2)"],
    ["file:.env.shared", {}, "ok"],
    [
      "vault://vault.example/secret/app?tls=false",
      { ENVSYNC_ALLOW_INSECURE_HTTP: "1" },
      "warned 1",
    ],
    [
      "vault://vault.example/secret/app?tls=false",
      { ENVSYNC_ALLOW_INSECURE_HTTP: "yes" },
      "refused (exit 2)",
    ],
  ])("%s %j → %s", (raw, env, expected) => {
    expect(outcome(raw, env)).toBe(expected);
  });
});
