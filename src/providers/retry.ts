/**
 * Retries of transient store errors (docs/DESIGN.md, "Start-up"): exponential backoff with full jitter,
 * bounded in attempts and in total time. Non-transient errors are thrown at once.
 * The clock and the random source are injected so the policy is unit-tested.
 */

/** Retry policy. */
export interface RetryPolicy {
  /** Total attempts, including the first. Default 4. */
  readonly maxAttempts?: number;
  /** First backoff ceiling, ms. Default 100. */
  readonly baseDelayMs?: number;
  /** Largest single backoff, ms. Default 2000. */
  readonly maxDelayMs?: number;
  /** Give up once this much time has passed since the first attempt, ms. Default 20000. */
  readonly totalTimeoutMs?: number;
}

/** Time and randomness, injectable for tests. */
export interface RetryClock {
  now(): number;
  sleep(ms: number): Promise<void>;
  random(): number;
}

/** The real clock. */
export const systemClock: RetryClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  random: () => Math.random(),
};

const TRANSIENT_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ETIMEDOUT",
  "EPIPE",
  "EAI_AGAIN",
  "ENOTFOUND_TEMP",
  "ECONNABORTED",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);
const TRANSIENT_NAMES = new Set([
  "ThrottlingException",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "ServiceUnavailable",
  "ServiceUnavailableException",
  "InternalServiceError",
  "InternalServiceErrorException",
  "InternalFailure",
  "TimeoutError",
  "RequestTimeout",
  "RequestTimeoutException",
  "AbortError",
]);
/** gRPC status codes that are transient: UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, INTERNAL(13) is not retried. */
const TRANSIENT_GRPC = new Set([14, 4, 8, 10]);

/**
 * Classifies an SDK or network error as transient: throttling, 5xx, resets,
 * timeouts. Auth, not-found and validation errors are not.
 */
export function isTransient(error: unknown): boolean {
  if (error === null || typeof error !== "object") return false;
  const e = error as {
    name?: unknown;
    code?: unknown;
    statusCode?: unknown;
    status?: unknown;
    $metadata?: { httpStatusCode?: number };
    $retryable?: unknown;
    cause?: unknown;
  };
  if (typeof e.name === "string" && TRANSIENT_NAMES.has(e.name)) return true;
  if (typeof e.code === "string" && TRANSIENT_CODES.has(e.code)) return true;
  if (typeof e.code === "number" && TRANSIENT_GRPC.has(e.code) && "details" in e) return true;
  if (e.$retryable) return true;
  const status =
    (typeof e.statusCode === "number" ? e.statusCode : undefined) ??
    (typeof e.status === "number" ? e.status : undefined) ??
    e.$metadata?.httpStatusCode;
  if (status !== undefined && (status === 429 || status >= 500)) return true;
  if (e.cause !== undefined && e.cause !== error) return isTransient(e.cause);
  return false;
}

/**
 * Runs `fn`, retrying transient failures. `onRetry` is told of each retry (for
 * `--verbose`). Throws the last error when attempts or time run out.
 */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  options: {
    policy?: RetryPolicy;
    clock?: RetryClock;
    transient?: (e: unknown) => boolean;
    onRetry?: (attempt: number, delayMs: number, error: unknown) => void;
  } = {},
): Promise<T> {
  const policy = options.policy ?? {};
  const clock = options.clock ?? systemClock;
  const transient = options.transient ?? isTransient;
  const maxAttempts = Math.max(1, policy.maxAttempts ?? 4);
  const base = policy.baseDelayMs ?? 100;
  const maxDelay = policy.maxDelayMs ?? 2000;
  const total = policy.totalTimeoutMs ?? 20_000;
  const start = clock.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (e) {
      if (attempt >= maxAttempts || !transient(e)) throw e;
      const ceiling = Math.min(maxDelay, base * 2 ** (attempt - 1));
      const delay = Math.floor(clock.random() * ceiling);
      if (clock.now() - start + delay > total) throw e;
      options.onRetry?.(attempt, delay, e);
      await clock.sleep(delay);
    }
  }
}
