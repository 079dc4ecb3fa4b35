/**
 * What the AWS stores share: URI options (`region`, `profile`, `endpoint`), SDK
 * client options, one retry wrapper, an SDK call counter, and the mapping of SDK
 * errors to {@link EnvsyncError}s a user can act on. Only the AWS provider modules
 * import this file, so it is loaded lazily with them.
 */
import { EnvsyncError } from "../../errors.js";
import { withRetry } from "../retry.js";
import { MANAGED_BY } from "../shared/managed.js";
import type { ForeignAccess, Store, StoreContext } from "../types.js";
import type { RemoteUri } from "../uri.js";

export { applyChanges } from "../shared/changes.js";
export { digestKeyVersions as digestVersions } from "../shared/digest.js";
export { remoteChanged } from "../shared/guard.js";
export { KEY_TAG } from "../shared/managed.js";

/** `managed-by=envsync` in the AWS SDK's tag shape (shared/managed.ts). */
export const MANAGED_TAG = { Key: MANAGED_BY.key, Value: MANAGED_BY.value } as const;

/** Options read from an AWS remote's query string. */
export interface AwsOptions {
  /** `?region=`; otherwise the SDK's chain (AWS_REGION, profile config). */
  readonly region?: string;
  /** `?profile=`: a named profile of ~/.aws/config (default chain otherwise). */
  readonly profile?: string;
  /** `?endpoint=`: replaces the service endpoint (moto, VPC endpoints). */
  readonly endpoint?: string;
}

const KNOWN_PARAMS = new Set(["region", "profile", "endpoint"]);

/** Reads `region`, `profile` and `endpoint` from the URI; unknown parameters are exit 2. */
export function parseAwsOptions(uri: RemoteUri, display: string): AwsOptions {
  for (const k of uri.params.keys()) {
    // unmanaged=read and (SSM) case=upper: src/providers/foreign.ts, key-case.ts.
    const extra = k === "unmanaged" || (k === "case" && uri.scheme === "aws-ssm");
    if (!KNOWN_PARAMS.has(k) && !extra) {
      throw new EnvsyncError("URI", `Unknown parameter "${k}" in ${display}.`, {
        hint: "AWS remotes accept region=, profile=, endpoint= and unmanaged=read (aws-ssm also case=upper).",
      });
    }
  }
  const unmanaged = uri.params.get("unmanaged");
  if (unmanaged !== null && unmanaged !== "read") {
    throw new EnvsyncError("URI", `unmanaged=${unmanaged} in ${display} is not known.`, {
      hint: "Use unmanaged=read to read what other tools made under the prefix without adopting it.",
    });
  }
  const region = uri.params.get("region") ?? undefined;
  const profile = uri.params.get("profile") ?? undefined;
  const endpoint = uri.params.get("endpoint") ?? undefined;
  if (region !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) {
    throw new EnvsyncError("URI", `"${region}" in ${display} is not an AWS region name.`, {
      hint: "Use a region such as us-east-1 or eu-west-1.",
    });
  }
  if (endpoint !== undefined) {
    let ok = false;
    try {
      const u = new URL(endpoint);
      ok = u.protocol === "http:" || u.protocol === "https:";
    } catch {
      ok = false;
    }
    if (!ok) {
      throw new EnvsyncError("URI", `The endpoint in ${display} is not an http(s) URL.`, {
        hint: "Write it as endpoint=https://host[:port] (URL-encoded inside the remote URI).",
      });
    }
  }
  return {
    ...(region !== undefined ? { region } : {}),
    ...(profile !== undefined ? { profile } : {}),
    ...(endpoint !== undefined ? { endpoint } : {}),
  };
}

/**
 * Constructor options shared by both SDK clients. Credentials come from the SDK's
 * default chain (or the named profile); the SDK's own retries are off (`maxAttempts: 1`)
 * so every retry is ours and counted once. `extra` (tests) is merged last.
 */
export function clientConfig(
  options: AwsOptions,
  context: StoreContext,
  scheme: string,
): Record<string, unknown> {
  const timeout = context.requestTimeoutMs;
  return {
    maxAttempts: 1,
    ...(options.region !== undefined ? { region: options.region } : {}),
    ...(options.profile !== undefined ? { profile: options.profile } : {}),
    ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
    ...(timeout !== undefined
      ? {
          // Without throwOnRequestTimeout, @smithy/node-http-handler only logs a warning
          // when requestTimeout passes and keeps waiting (docs/RELIABILITY.md).
          requestHandler: {
            requestTimeout: timeout,
            connectionTimeout: timeout,
            throwOnRequestTimeout: true,
          },
        }
      : {}),
    ...(context.clientOptions?.[scheme] ?? {}),
  };
}

/** The part of an SDK v3 client the call counter needs. */
interface MiddlewareClient {
  middlewareStack: {
    add(
      mw: (
        next: (args: unknown) => Promise<unknown>,
        context: { commandName?: string },
      ) => (args: unknown) => Promise<unknown>,
      options: { step: "finalizeRequest"; name: string },
    ): void;
  };
}

/**
 * Counts the SDK requests a client sends, by command name (tests and the bench). Every
 * HTTP attempt counts; attempts that were retries (a reset connection, a throttle) are
 * also counted apart, so {@link CallCounter.made} gives the calls the design makes,
 * whatever the network did.
 */
export class CallCounter {
  readonly #counts = new Map<string, number>();
  readonly #retries = new Map<string, number>();
  #transport: string | undefined;

  /** The transport of the client counted (./client.ts: `small` or `sdk`). */
  get transport(): string | undefined {
    return this.#transport;
  }

  /** Installs the counter on a client's middleware stack (one count per HTTP attempt). */
  attach(client: unknown): void {
    this.#transport = (client as { transport?: string }).transport;
    (client as MiddlewareClient).middlewareStack.add(
      (next, context) => async (args) => {
        const name = (context.commandName ?? "unknown").replace(/Command$/, "");
        this.#counts.set(name, (this.#counts.get(name) ?? 0) + 1);
        return next(args);
      },
      { step: "finalizeRequest", name: "envsyncCallCounter" },
    );
  }

  /** Calls per command since the last reset. */
  get counts(): ReadonlyMap<string, number> {
    return new Map(this.#counts);
  }

  /** Sum over the named commands (all commands when none are named). */
  total(...commands: string[]): number {
    let n = 0;
    for (const [k, v] of this.#counts) if (commands.length === 0 || commands.includes(k)) n += v;
    return n;
  }

  /** Attempts that repeated a failed one, over the named commands (all when none). */
  retries(...commands: string[]): number {
    let n = 0;
    for (const [k, v] of this.#retries) if (commands.length === 0 || commands.includes(k)) n += v;
    return n;
  }

  /** Calls made over the named commands, retries not counted: `total - retries`. */
  made(...commands: string[]): number {
    return this.total(...commands) - this.retries(...commands);
  }

  /** Records that `command` is about to be sent again after a failure. */
  retried(command: string): void {
    this.#retries.set(command, (this.#retries.get(command) ?? 0) + 1);
  }

  /** Forgets the counts. */
  reset(): void {
    this.#counts.clear();
    this.#retries.clear();
  }
}

/** An AWS store also exposes its SDK call counts (tests and the bench read them). */
export interface CountsCalls {
  /** SDK requests sent, by command name (`ListSecrets`, `BatchGetSecretValue`, …). */
  readonly calls: CallCounter;
}

/** A per-key AWS store: the entries under its prefix that envsync does not manage, over its client. */
export interface ForeignOverOwnClient {
  /** Lists, reads and adopts with the store's own client; closing the access closes nothing. */
  foreign(): Promise<ForeignAccess>;
}

/**
 * The foreign-entry access of a per-key store opened for it alone (no command's store
 * at hand, e.g. src/providers/foreign.ts): closing the access closes that store.
 */
export async function foreignOfOwnStore(
  store: ForeignOverOwnClient & Pick<Store, "close">,
): Promise<ForeignAccess> {
  const access = await store.foreign();
  return { ...access, close: () => store.close?.() ?? Promise.resolve() };
}

/** Runs one SDK call with envsync's retry policy; failures are mapped for the user. */
export function makeSend(
  context: StoreContext,
  display: string,
  counter?: CallCounter,
): <T>(what: string, fn: () => Promise<T>) => Promise<T> {
  return async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await withRetry(() => fn(), {
        policy: context.retry ?? {},
        onRetry: (attempt, delayMs, error) => {
          counter?.retried(what);
          context.logger.debug(
            `${display}: ${what} failed (${errorName(error)}); retry ${attempt} in ${delayMs} ms`,
          );
        },
      });
    } catch (e) {
      throw toEnvsyncError(e, display, what);
    }
  };
}

/** The call wrapper {@link makeSend} returns. */
export type Send = ReturnType<typeof makeSend>;

/** The SDK error's name (`ResourceNotFoundException`, …) or its Node code. */
export function errorName(e: unknown): string {
  if (e !== null && typeof e === "object") {
    const o = e as { name?: unknown; code?: unknown };
    if (typeof o.name === "string" && o.name !== "Error") return o.name;
    if (typeof o.code === "string") return o.code;
  }
  return "Error";
}

/** True when `e` is an SDK error of one of the given names. */
export function isAwsError(e: unknown, ...names: string[]): boolean {
  if (e === null || typeof e !== "object") return false;
  const o = e as { name?: unknown; cause?: unknown };
  if (typeof o.name === "string" && names.includes(o.name)) return true;
  // Errors mapped by makeSend keep the SDK error as cause.
  return o.cause !== undefined && o.cause !== e && isAwsError(o.cause, ...names);
}

const AUTH_NAMES = new Set([
  "AccessDeniedException",
  "AccessDenied",
  "UnrecognizedClientException",
  "InvalidSignatureException",
  "SignatureDoesNotMatch",
  "InvalidClientTokenId",
  "ExpiredTokenException",
  "ExpiredToken",
  "NotAuthorized",
  "KMSAccessDeniedException",
]);
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "TimeoutError",
  "RequestTimeout",
]);

function nodeCode(e: unknown): string | undefined {
  for (let cur = e, depth = 0; cur && typeof cur === "object" && depth < 5; depth++) {
    const c = (cur as { code?: unknown }).code;
    if (typeof c === "string") return c;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Maps an SDK or network error to an {@link EnvsyncError} with a hint. The SDK's
 * message is kept only for provider errors (AWS messages name resources, never
 * secret values); the original error stays as `cause` for `--verbose`.
 */
export function toEnvsyncError(e: unknown, display: string, what: string): EnvsyncError {
  if (e instanceof EnvsyncError) return e;
  const name = errorName(e);
  const message = e instanceof Error ? e.message : String(e);
  if (name === "CredentialsProviderError" || /could not load credentials/i.test(message)) {
    return new EnvsyncError("AUTH", `No AWS credentials found for ${display}.`, {
      cause: e,
      hint: "Configure AWS credentials (aws configure, aws sso login, AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY), or add profile=NAME to the remote.",
    });
  }
  if (/region is missing/i.test(message)) {
    return new EnvsyncError("URI", `No AWS region for ${display}.`, {
      cause: e,
      hint: "Add ?region=REGION to the remote (e.g. ?region=eu-west-1), or set AWS_REGION.",
    });
  }
  if (AUTH_NAMES.has(name)) {
    return new EnvsyncError("AUTH", `AWS refused ${what} on ${display} (${name}).`, {
      cause: e,
      hint: "Check that the credentials in use are allowed this action on this resource (see docs/providers/aws.md for the IAM permissions envsync needs).",
    });
  }
  const code = nodeCode(e);
  if ((code !== undefined && NETWORK_CODES.has(code)) || NETWORK_CODES.has(name)) {
    return new EnvsyncError("NETWORK", `Could not reach AWS for ${display} (${code ?? name}).`, {
      cause: e,
      hint: "Check the region name, the endpoint= parameter if any, your network and proxy settings, then retry.",
    });
  }
  const transientNames = ["ThrottlingException", "TooManyRequestsException", "ThrottledException"];
  if (transientNames.includes(name)) {
    return new EnvsyncError("NETWORK", `AWS kept throttling ${what} on ${display}.`, {
      cause: e,
      hint: "Retry later, or lower the parallelism of per-key operations.",
    });
  }
  return new EnvsyncError(
    "PROVIDER",
    `AWS ${what} failed on ${display}: ${name}: ${redact(message)}`,
    {
      cause: e,
      hint: "Run again with --verbose for details; check the remote URI and the store's state.",
    },
  );
}

/**
 * AWS validation messages quote the offending input (`Value '…' at 'value' failed…`);
 * for a write that input can be a secret, so quoted parts are hidden and the text capped.
 */
export function redact(message: string): string {
  const hidden = message.replace(/'[^']*'/g, "'…'").replace(/"[^"]*"/g, '"…"');
  return hidden.length > 300 ? `${hidden.slice(0, 300)}…` : hidden;
}
