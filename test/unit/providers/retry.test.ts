/**
 * withRetry and isTransient with an injected clock: transient errors (throttling,
 * 5xx, resets, timeouts, gRPC UNAVAILABLE) are retried with exponential backoff and
 * full jitter, bounded in attempts and in total time; non-transient errors (auth,
 * not found, validation, other 4xx) are thrown at once. No real time passes.
 */
import { describe, expect, it } from "vitest";
import { networkPolicy, NETWORK_DEFAULTS } from "../../../src/ops/session.js";
import { parseConfig } from "../../../src/config/config.js";
import {
  isTransient,
  withRetry,
  type RetryClock,
  type RetryPolicy,
} from "../../../src/providers/retry.js";

/** A clock whose time moves only when slept on (or when a call "takes" time). */
function fakeClock(randoms: number[] = [0.999]): RetryClock & { t: number; sleeps: number[] } {
  let i = 0;
  const clock = {
    t: 1_000_000,
    sleeps: [] as number[],
    now: () => clock.t,
    sleep: (ms: number) => {
      clock.sleeps.push(ms);
      clock.t += ms;
      return Promise.resolve();
    },
    random: () => randoms[Math.min(i++, randoms.length - 1)]!,
  };
  return clock;
}

const err = (props: Record<string, unknown>, message = "boom"): Error =>
  Object.assign(new Error(message), props);

/** Runs withRetry over a function failing with `errors` in turn, then succeeding. */
async function attempt(
  errors: unknown[],
  policy: RetryPolicy = {},
  clock = fakeClock(),
  callMs = 0,
): Promise<{ calls: number; result: unknown; thrown: unknown; clock: typeof clock }> {
  let calls = 0;
  let result: unknown;
  let thrown: unknown;
  try {
    result = await withRetry(
      () => {
        calls++;
        clock.t += callMs;
        const e = errors[calls - 1];
        if (e === undefined) return Promise.resolve("ok");
        // Errors of any shape (SDKs reject with plain objects too).
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
        return Promise.reject(e);
      },
      { policy, clock },
    );
  } catch (e) {
    thrown = e;
  }
  return { calls, result, thrown, clock };
}

describe("isTransient: what is retried", () => {
  it.each([
    ["AWS throttling", err({ name: "ThrottlingException" })],
    ["AWS TooManyRequests", err({ name: "TooManyRequestsException" })],
    ["AWS InternalServiceError", err({ name: "InternalServiceError" })],
    ["AWS ServiceUnavailable", err({ name: "ServiceUnavailable" })],
    ["AWS $retryable", err({ name: "Whatever", $retryable: {} })],
    ["HTTP 500 via $metadata", err({ name: "X", $metadata: { httpStatusCode: 500 } })],
    ["HTTP 502 statusCode", err({ statusCode: 502 })],
    ["HTTP 503 status", err({ status: 503 })],
    ["HTTP 429", err({ statusCode: 429 })],
    ["ECONNRESET", err({ code: "ECONNRESET" })],
    ["ECONNREFUSED", err({ code: "ECONNREFUSED" })],
    ["ETIMEDOUT", err({ code: "ETIMEDOUT" })],
    ["EPIPE", err({ code: "EPIPE" })],
    ["undici socket", err({ code: "UND_ERR_SOCKET" })],
    ["SDK TimeoutError", err({ name: "TimeoutError" })],
    ["AbortError (request timeout)", err({ name: "AbortError" })],
    ["gRPC UNAVAILABLE", err({ code: 14, details: "Connection dropped" })],
    ["gRPC DEADLINE_EXCEEDED", err({ code: 4, details: "Deadline exceeded" })],
    ["gRPC RESOURCE_EXHAUSTED", err({ code: 8, details: "quota" })],
    ["reset as the cause", err({ name: "Error" }, "wrapped"), err({ code: "ECONNRESET" })],
  ])("%s → transient", (_what, e, cause?: Error) => {
    if (cause) (e as { cause?: unknown }).cause = cause;
    expect(isTransient(e)).toBe(true);
  });

  it.each([
    [
      "AWS AccessDenied (403)",
      err({ name: "AccessDeniedException", $metadata: { httpStatusCode: 400 } }),
    ],
    [
      "AWS ResourceNotFound",
      err({ name: "ResourceNotFoundException", $metadata: { httpStatusCode: 400 } }),
    ],
    [
      "AWS ValidationException",
      err({ name: "ValidationException", $metadata: { httpStatusCode: 400 } }),
    ],
    ["AWS InvalidParameter", err({ name: "InvalidParameterException" })],
    ["HTTP 400", err({ statusCode: 400 })],
    ["HTTP 401", err({ statusCode: 401 })],
    ["HTTP 403", err({ status: 403 })],
    ["HTTP 404", err({ statusCode: 404 })],
    ["HTTP 409", err({ statusCode: 409 })],
    ["gRPC NOT_FOUND", err({ code: 5, details: "not found" })],
    ["gRPC PERMISSION_DENIED", err({ code: 7, details: "denied" })],
    ["gRPC INVALID_ARGUMENT", err({ code: 3, details: "bad" })],
    ["gRPC UNAUTHENTICATED", err({ code: 16, details: "who" })],
    ["gRPC FAILED_PRECONDITION", err({ code: 9, details: "state" })],
    ["a plain Error", new Error("x")],
    ["a number without details (not gRPC)", err({ code: 14 })],
    ["null", null],
    ["a string", "ECONNRESET"],
  ])("%s → not transient", (_what, e) => {
    expect(isTransient(e)).toBe(false);
  });
});

describe("withRetry", () => {
  const reset = err({ code: "ECONNRESET" });

  it("returns at once when the first attempt succeeds (no sleep)", async () => {
    const r = await attempt([]);
    expect([r.calls, r.result, r.clock.sleeps]).toEqual([1, "ok", []]);
  });

  it("retries transient errors and returns the eventual result", async () => {
    const r = await attempt([reset, err({ name: "ThrottlingException" })]);
    expect([r.calls, r.result]).toEqual([3, "ok"]);
    expect(r.clock.sleeps).toHaveLength(2);
  });

  it("backs off exponentially: ceilings base·2^n, capped at maxDelayMs", async () => {
    const r = await attempt(
      Array.from({ length: 7 }, () => reset),
      { maxAttempts: 8, baseDelayMs: 100, maxDelayMs: 1000, totalTimeoutMs: 1e9 },
      fakeClock([0.999_999]),
    );
    // Full jitter with random → 1: each delay is just under its ceiling.
    expect(r.clock.sleeps).toEqual([99, 199, 399, 799, 999, 999, 999]);
    expect(r.result).toBe("ok");
  });

  it("jitters: the delay is random·ceiling (full jitter)", async () => {
    const r = await attempt(
      [reset, reset, reset],
      { baseDelayMs: 100, maxDelayMs: 10_000 },
      fakeClock([0.5, 0.25, 0]),
    );
    expect(r.clock.sleeps).toEqual([50, 50, 0]);
  });

  it("is bounded in count: maxAttempts calls, then the last error is thrown", async () => {
    const errors = Array.from({ length: 10 }, (_, i) => err({ code: "ECONNRESET" }, `reset ${i}`));
    const r = await attempt(errors, { maxAttempts: 4 });
    expect(r.calls).toBe(4);
    expect((r.thrown as Error).message).toBe("reset 3");
    expect(r.clock.sleeps).toHaveLength(3);
  });

  it("default policy: 4 attempts, first ceiling 100 ms, at most 2 s a wait", async () => {
    const r = await attempt(
      Array.from({ length: 10 }, () => reset),
      {},
      fakeClock([0.999_999]),
    );
    expect(r.calls).toBe(4);
    expect(r.clock.sleeps).toEqual([99, 199, 399]);
  });

  it("is bounded in total time: stops when the next wait would pass totalTimeoutMs", async () => {
    // Each call takes 300 ms of clock time; budget 1000 ms.
    const clock = fakeClock([0.999_999]);
    const start = clock.t;
    const r = await attempt(
      Array.from({ length: 50 }, () => reset),
      { maxAttempts: 50, baseDelayMs: 100, maxDelayMs: 100, totalTimeoutMs: 1000 },
      clock,
      300,
    );
    expect(r.thrown).toBe(reset);
    expect(r.calls).toBeLessThan(50);
    // The last wait started within the budget; no wait crosses it.
    expect(clock.t - start - 300).toBeLessThanOrEqual(1000);
    expect(r.calls).toBe(3);
  });

  it("a zero time budget means no retry at all after a slow first attempt", async () => {
    const r = await attempt([reset, reset], { totalTimeoutMs: 0 }, fakeClock([0.5]), 10);
    expect(r.calls).toBe(1);
  });

  it.each([
    ["auth", err({ name: "AccessDeniedException" })],
    ["not found", err({ name: "ResourceNotFoundException" })],
    ["validation", err({ name: "ValidationException", $metadata: { httpStatusCode: 400 } })],
    ["4xx", err({ statusCode: 404 })],
    ["gRPC NOT_FOUND", err({ code: 5, details: "nf" })],
  ])("never retries %s", async (_what, e) => {
    const r = await attempt([e, e, e], { maxAttempts: 10 });
    expect(r.calls).toBe(1);
    expect(r.thrown).toBe(e);
    expect(r.clock.sleeps).toEqual([]);
  });

  it("a transient error followed by a non-transient one stops at the second", async () => {
    const denied = err({ name: "AccessDeniedException" });
    const r = await attempt([reset, denied, reset], { maxAttempts: 10 });
    expect(r.calls).toBe(2);
    expect(r.thrown).toBe(denied);
  });

  it("maxAttempts below 1 still makes one attempt", async () => {
    const r = await attempt([reset], { maxAttempts: 0 });
    expect(r.calls).toBe(1);
  });

  it("tells onRetry each retry (attempt, delay, error) and accepts a custom classifier", async () => {
    const seen: [number, number, unknown][] = [];
    const odd = new Error("odd");
    let calls = 0;
    const clock = fakeClock([0.5]);
    await expect(
      withRetry(
        () => {
          calls++;
          return Promise.reject(odd);
        },
        {
          policy: { maxAttempts: 3, baseDelayMs: 10 },
          clock,
          transient: (e) => e === odd,
          onRetry: (a, d, e) => seen.push([a, d, e]),
        },
      ),
    ).rejects.toBe(odd);
    expect(calls).toBe(3);
    expect(seen).toEqual([
      [1, 5, odd],
      [2, 10, odd],
    ]);
  });
});

describe("network policy: flags, then environment, then envsync.yaml, then defaults", () => {
  const cfg = (text: string) => ({
    path: "envsync.yaml",
    root: "/",
    config: parseConfig(text, "envsync.yaml"),
  });
  const yaml =
    "retries: 5\ntimeout: 9000\nretry-budget: 1000\nenvironments:\n  dev:\n    remote: file:x\n";

  it.each([
    ["defaults", {}, null, {}, NETWORK_DEFAULTS],
    ["config", {}, yaml, {}, { retries: 5, timeoutMs: 9000, retryBudgetMs: 1000 }],
    [
      "environment over config",
      {},
      yaml,
      { ENVSYNC_RETRIES: "0", ENVSYNC_TIMEOUT_MS: "500", ENVSYNC_RETRY_BUDGET_MS: "0" },
      { retries: 0, timeoutMs: 500, retryBudgetMs: 0 },
    ],
    [
      "flags over environment",
      { retries: 2, timeoutMs: 100, retryBudgetMs: 7 },
      yaml,
      { ENVSYNC_RETRIES: "0", ENVSYNC_TIMEOUT_MS: "500" },
      { retries: 2, timeoutMs: 100, retryBudgetMs: 7 },
    ],
  ])("%s", (_what, flags, text, env, expected) => {
    expect(networkPolicy(flags, text ? cfg(text) : null, env)).toEqual(expected);
  });

  it.each([["-1"], ["two"], ["1.5"]])("ENVSYNC_RETRIES=%s is a usage error (exit 2)", (v) => {
    expect(() => networkPolicy({}, null, { ENVSYNC_RETRIES: v })).toThrow(
      expect.objectContaining({ exitCode: 2 }) as Error,
    );
  });

  it("a wrong type in envsync.yaml is a config error naming the key", () => {
    expect(() =>
      parseConfig("retries: lots\nenvironments:\n  dev:\n    remote: file:x\n", "envsync.yaml"),
    ).toThrow(/envsync.yaml:1: retries/);
  });
});
