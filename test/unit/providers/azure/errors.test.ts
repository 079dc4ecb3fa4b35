import { describe, expect, it } from "vitest";
import { EnvsyncError } from "../../../../src/errors.js";
import { toEnvsyncError } from "../../../../src/providers/azure/errors.js";

const VAULT = "https://myvault.vault.azure.net";
const SDK_TEXT = "sdk-message-that-may-quote-a-request";

const restError = (statusCode: number, code?: string): Error =>
  Object.assign(new Error(SDK_TEXT), { name: "RestError", statusCode, ...(code ? { code } : {}) });
const netError = (code: string): Error =>
  Object.assign(new Error(SDK_TEXT), {
    name: "RestError",
    code: "REQUEST_SEND_ERROR",
    cause: Object.assign(new Error(SDK_TEXT), { code }),
  });
const named = (name: string): Error => Object.assign(new Error(SDK_TEXT), { name });

describe("toEnvsyncError", () => {
  it.each([
    [
      "no credential in the chain",
      named("AggregateAuthenticationError"),
      "AUTH",
      /az login.*managed identity.*AZURE_/s,
    ],
    ["credential unavailable", named("CredentialUnavailableError"), "AUTH", /az login/],
    ["403 Forbidden", restError(403, "Forbidden"), "AUTH", /Key Vault Secrets Officer/],
    ["401 Unauthorized", restError(401), "AUTH", /role/],
    ["vault host not found", netError("ENOTFOUND"), "NOT_FOUND", /vault name.*endpoint=/s],
    ["connection refused", netError("ECONNREFUSED"), "NETWORK", /network/],
    [
      "untrusted certificate",
      netError("SELF_SIGNED_CERT_IN_CHAIN"),
      "NETWORK",
      /NODE_EXTRA_CA_CERTS/,
    ],
    ["throttled", restError(429), "NETWORK", /wait/],
    ["server error", restError(503), "NETWORK", /wait/],
    ["secret not found", restError(404, "SecretNotFound"), "NOT_FOUND", /secret name/],
    ["bad request", restError(400, "BadParameter"), "PROVIDER", /--verbose/],
    ["anything else", new TypeError(SDK_TEXT), "PROVIDER", /--verbose/],
  ])("%s → %s with a hint, exit 1, no SDK text", (_what, error, code, hint) => {
    const e = toEnvsyncError(error, VAULT, "secret s");
    expect(e.code).toBe(code);
    expect(e.exitCode).toBe(1);
    expect(e.hint).toMatch(hint);
    expect(e.message).not.toContain(SDK_TEXT);
    expect(e.message).toContain(VAULT);
    expect(e.cause).toBe(error);
  });

  it("tells a disabled secret (403, inner code SecretDisabled) from missing access, by code not text", () => {
    // The shape the SDK gives (it renames the wire's `innererror`).
    const body = (inner: string) => ({ error: { code: "Forbidden", innerError: { code: inner } } });
    // The message is worded unlike Key Vault's on purpose: only the code may decide.
    const disabled = Object.assign(new Error("Operation not allowed."), {
      statusCode: 403,
      code: "Forbidden",
      details: body("SecretDisabled"),
    });
    const e = toEnvsyncError(disabled, VAULT, "secret s");
    expect(e.code).toBe("PROVIDER");
    expect(e.hint).toMatch(/--enabled true/);
    const rbac = Object.assign(new Error("The secret is disabled for you."), {
      statusCode: 403,
      code: "Forbidden",
      details: body("ForbiddenByRbac"),
    });
    expect(toEnvsyncError(rbac, VAULT, "secret s").code).toBe("AUTH");
  });

  it("passes an EnvsyncError through", () => {
    const original = new EnvsyncError("REMOTE_CHANGED", "moved");
    expect(toEnvsyncError(original, VAULT, "x")).toBe(original);
  });
});
