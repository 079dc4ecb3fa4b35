/**
 * The client the Key Vault stores call (docs/DESIGN.md, "Azure: the small client"): the
 * calls of the SDK's `SecretClient` the stores make, with its argument and result
 * shapes, served by one of two transports chosen when the store opens:
 *
 * - the small client: Key Vault's REST API (7.6, the version the SDK speaks) over
 *   HTTP/1.1 with keep-alive (../shared/http1.ts, on `node:net`/`node:tls`), with Key
 *   Vault's challenge authentication (the first request goes without a token; its 401
 *   names the token's resource and tenant). Tokens come from the App Service managed identity endpoint
 *   (`IDENTITY_ENDPOINT` + `IDENTITY_HEADER`) when that is the source
 *   `DefaultAzureCredential` would use first, read as it reads it; from
 *   `DefaultAzureCredential` itself (./sdk-credential.ts, a chunk of its own, loaded on
 *   first use) for every other source, and whenever that endpoint fails (the chain
 *   then goes on to its other sources, as it would have);
 * - the official `SecretClient` (./sdk.ts, a chunk of its own) when
 *   `ENVSYNC_AZURE_SDK=1`, a proxy is set in the environment (the SDK's pipeline
 *   honours it), or client options other than a credential and TLS
 *   settings (`tlsOptions`: ca, cert, key, pfx, passphrase) are given.
 *
 * Both answer with the SDK's shapes (`KeyVaultSecret`, `DeletedSecret`,
 * `SecretProperties`, dates as `Date`) and fail with errors of the SDK's shape
 * (`RestError`: `statusCode`, `code`, `details.error.innerError`; network errors with
 * Node's `code`), so retries (../retry.ts) and the error mapping (./errors.ts) are the
 * same code for both.
 */
import { Http1Pool } from "../shared/http1.js";
import type { TokenCredential } from "@azure/identity";
import type {
  DeletedSecret,
  KeyVaultSecret,
  SecretClientOptions,
  SecretProperties,
} from "@azure/keyvault-secrets";
import type { StoreContext } from "../types.js";
import { isLoopbackVault } from "./target.js";

/** The Key Vault REST API version the SDK speaks, and so does the small client. */
export const API_VERSION = "7.6";

/** Per-call options the stores pass (the request timeout's signal). */
export interface CallOptions {
  abortSignal?: AbortSignal;
}

/** A list the stores walk item by item or page by page (the SDK's paged iterator, as far as used). */
export interface PagedList<T> extends AsyncIterable<T> {
  /** The pages; `maxPageSize` becomes `maxresults`. */
  byPage(settings?: { maxPageSize?: number }): AsyncIterable<T[]>;
}

/** What the stores do with a long-running delete or recover: wait for it. */
export interface KvPoller {
  /** Resolves when the vault shows the operation done. */
  pollUntilDone(): Promise<unknown>;
}

/** The raw response handed to `onResponse` (the SDK hands its own, which has these). */
export interface RawResponse {
  readonly headers: { get(name: string): string | undefined };
}

/** The `SecretClient` calls the stores make, on either transport. */
export interface KvClient {
  /** `small` (this file's transport) or `sdk` (the official client). */
  readonly transport: "small" | "sdk";
  /** Why the SDK serves this store (empty for the small client): `--verbose` and tests. */
  readonly why: string;
  getSecret(name: string, options?: CallOptions & { version?: string }): Promise<KeyVaultSecret>;
  getDeletedSecret(name: string, options?: CallOptions): Promise<DeletedSecret>;
  setSecret(
    name: string,
    value: string,
    options?: CallOptions & { tags?: Record<string, string>; contentType?: string },
  ): Promise<KeyVaultSecret>;
  updateSecretProperties(
    name: string,
    version: string,
    options?: CallOptions & { tags?: Record<string, string> },
  ): Promise<SecretProperties>;
  beginDeleteSecret(
    name: string,
    options?: CallOptions & { intervalInMs?: number },
  ): Promise<KvPoller>;
  beginRecoverDeletedSecret(
    name: string,
    options?: CallOptions & { intervalInMs?: number },
  ): Promise<KvPoller>;
  purgeDeletedSecret(name: string, options?: CallOptions): Promise<void>;
  listPropertiesOfSecrets(
    options?: CallOptions & { onResponse?: (raw: RawResponse) => void },
  ): PagedList<SecretProperties>;
  listPropertiesOfSecretVersions(name: string, options?: CallOptions): PagedList<SecretProperties>;
  /** Closes idle connections. */
  close(): void;
}

/** What ./sdk.ts and ./sdk-credential.ts export (loaded from their chunks). */
export interface SdkModule {
  /** The official client of a vault, as a {@link KvClient}. */
  openSdkClient(
    vaultUrl: string,
    options: SecretClientOptions,
    credential: TokenCredential | undefined,
  ): Promise<KvClient>;
}
/** What ./sdk-credential.ts exports. */
export interface CredentialModule {
  /** A new `DefaultAzureCredential`. */
  defaultCredential(): TokenCredential;
}

/**
 * Environment variables that make `DefaultAzureCredential` pick (or may make it pick) a
 * source before the App Service managed identity, or change how it asks: any of them
 * set leaves tokens to it.
 */
const BEFORE_APP_SERVICE = [
  "AZURE_TOKEN_CREDENTIALS",
  "AZURE_TENANT_ID",
  "AZURE_CLIENT_ID",
  "AZURE_CLIENT_SECRET",
  "AZURE_CLIENT_CERTIFICATE_PATH",
  "AZURE_USERNAME",
  "AZURE_PASSWORD",
  "AZURE_FEDERATED_TOKEN_FILE",
  // Service Fabric's endpoint uses the same two variables plus this one, and comes first.
  "IDENTITY_SERVER_THUMBPRINT",
];
/** Proxy settings core-rest-pipeline honours (the small client does not speak to proxies). */
const PROXY_ENV = ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY"];

/** The App Service managed identity endpoint, when `DefaultAzureCredential` would ask it first. */
export interface AppServiceIdentity {
  readonly endpoint: URL;
  readonly header: string;
}

/** How the small client gets tokens: the App Service endpoint, a given credential, or the SDK's chain. */
export type TokenSource =
  | { kind: "app-service"; identity: AppServiceIdentity }
  | { kind: "credential"; credential: TokenCredential }
  | { kind: "default" };

/**
 * Whether the small client serves a vault with these options, and where its tokens
 * come from; else why the SDK is used. Reads the process environment, as the SDK does.
 */
export function chooseTransport(
  context: Pick<StoreContext, "clientOptions">,
  env: NodeJS.ProcessEnv = process.env,
): { tokens: TokenSource; tls: Record<string, unknown> } | { sdk: string } {
  if (env.ENVSYNC_AZURE_SDK === "1") return { sdk: "ENVSYNC_AZURE_SDK=1" };
  const extra = context.clientOptions?.["azure-kv"] ?? {};
  for (const k of Object.keys(extra))
    if (k !== "credential" && k !== "tlsOptions") return { sdk: `client option ${k}` };
  const tls = (extra.tlsOptions ?? {}) as Record<string, unknown>;
  for (const k of Object.keys(tls))
    if (!TLS_KEYS.includes(k)) return { sdk: `client option tlsOptions.${k}` };
  for (const k of PROXY_ENV) if (env[k]) return { sdk: `${k} is set` };
  const given = extra.credential as TokenCredential | undefined;
  const identity = appServiceIdentity(env);
  const tokens: TokenSource =
    given !== undefined
      ? { kind: "credential", credential: given }
      : identity
        ? { kind: "app-service", identity }
        : { kind: "default" };
  return { tokens, tls };
}

/** The TLS settings of core-rest-pipeline's `tlsOptions`, which it gives the vault's agent. */
const TLS_KEYS = ["ca", "cert", "key", "pfx", "passphrase"];

/** The App Service identity endpoint when it is DefaultAzureCredential's first source, else null. */
export function appServiceIdentity(env: NodeJS.ProcessEnv): AppServiceIdentity | null {
  if (BEFORE_APP_SERVICE.some((k) => env[k])) return null;
  const endpoint = env.IDENTITY_ENDPOINT;
  const header = env.IDENTITY_HEADER;
  if (!endpoint || !header) return null;
  try {
    const url = new URL(endpoint);
    return url.protocol === "http:" || url.protocol === "https:" ? { endpoint: url, header } : null;
  } catch {
    return null;
  }
}

/** What a `WWW-Authenticate: Bearer …` challenge says (as @azure/keyvault-common reads it). */
export interface Challenge {
  authorization?: string;
  authorization_url?: string;
  resource?: string;
  scope?: string;
  tenantId?: string;
  claims?: string;
  error?: string;
}

const CHALLENGE_KEYS = new Set([
  "authorization",
  "authorization_url",
  "resource",
  "scope",
  "tenantId",
  "claims",
  "error",
]);

/**
 * Parses a Key Vault challenge the way the SDK does: `key="value"` pairs split on
 * commas and spaces, the tenant taken from the path of the `authorization` URI.
 */
export function parseChallenge(header: string): Challenge {
  const out: Record<string, string> = {};
  for (const part of header.split(/,? +/)) {
    if (!/\w="/.test(part)) continue;
    const [key, ...rest] = part.split("=");
    if (key !== undefined && CHALLENGE_KEYS.has(key)) out[key] = rest.join("=").slice(1, -1);
  }
  const parsed: Challenge = out;
  if (parsed.authorization) {
    let tenant: string;
    try {
      tenant = new URL(parsed.authorization).pathname.substring(1);
    } catch {
      throw new Error(`The challenge authorization URI '${parsed.authorization}' is invalid.`);
    }
    if (tenant) parsed.tenantId = tenant;
  }
  return parsed;
}

/** The token scope a challenge asks for: `resource/.default`, else its `scope`. */
export function scopeOf(challenge: Challenge): string | undefined {
  return challenge.resource ? `${challenge.resource}/.default` : challenge.scope;
}

/**
 * The SDK's check that a challenge's resource is the vault's own domain (a vault at
 * `x.vault.azure.net` accepts `https://vault.azure.net`); off for loopback emulators.
 */
export function verifyChallengeResource(scope: string, requestUrl: string): void {
  let scopeUrl: URL;
  try {
    scopeUrl = new URL(scope);
  } catch {
    throw new Error(`The challenge contains invalid scope '${scope}'`);
  }
  if (!new URL(requestUrl).hostname.endsWith(`.${scopeUrl.hostname}`))
    throw new Error(
      `The challenge resource '${scopeUrl.hostname}' does not match the requested domain.`,
    );
}

/** An error of the SDK's `RestError` shape. */
export class KvRestError extends Error {
  /** HTTP status, when an answer came. */
  readonly statusCode: number | undefined;
  /** Key Vault's error code (`SecretNotFound`…) or Node's network code. */
  readonly code: string | undefined;
  /** The error body as the SDK deserializes it: `{ error: { code, message, innerError } }`. */
  readonly details: unknown;

  constructor(
    message: string,
    options: { statusCode?: number; code?: string; details?: unknown; cause?: unknown },
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "RestError";
    this.statusCode = options.statusCode;
    this.code = options.code;
    this.details = options.details;
  }
}

interface WireError {
  code?: unknown;
  message?: unknown;
  innererror?: WireError;
}
interface DeserializedError {
  code: unknown;
  message: unknown;
  innerError: DeserializedError | undefined;
}
const deserializeError = (e: WireError): DeserializedError => ({
  code: e.code,
  message: e.message,
  innerError: e.innererror ? deserializeError(e.innererror) : undefined,
});

/** The error of a non-success answer, as the SDK builds it (createRestError + its details). */
export function errorOfAnswer(status: number, text: string): KvRestError {
  let body: unknown = text;
  try {
    body = text.length > 0 ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  const object: WireError & { error?: WireError } =
    body !== null && typeof body === "object" ? body : {};
  const wire = object.error;
  const inner: WireError = wire ?? object;
  const message =
    typeof inner.message === "string" ? inner.message : `Unexpected status code: ${status}`;
  return new KvRestError(message, {
    statusCode: status,
    ...(typeof inner.code === "string" ? { code: inner.code } : {}),
    details: { error: wire ? deserializeError(wire) : undefined },
  });
}

interface Attributes {
  enabled?: boolean;
  nbf?: number;
  exp?: number;
  created?: number;
  updated?: number;
  recoverableDays?: number;
  recoveryLevel?: string;
}
/** A secret bundle, deleted bundle or list item as Key Vault sends it. */
interface Bundle {
  id?: string;
  value?: string;
  contentType?: string;
  attributes?: Attributes;
  tags?: Record<string, string>;
  kid?: string;
  managed?: boolean;
  previousVersion?: string;
  recoveryId?: string;
  scheduledPurgeDate?: number;
  deletedDate?: number;
}

const date = (s: number | undefined): Date | undefined => (s ? new Date(s * 1000) : undefined);

/** The parts of a secret id (`https://VAULT/secrets/NAME[/VERSION]`), as the SDK parses it. */
function parseId(id: string): { vaultUrl: string; name: string; version: string | undefined } {
  const collection = id.split("/")[3] ?? "";
  const url = new URL(id);
  const segments = url.pathname.split("/");
  if ((segments.length !== 3 && segments.length !== 4) || segments[1] !== collection)
    throw new Error(`Invalid ${collection} identifier: ${id}`);
  return {
    vaultUrl: `${url.protocol}//${url.host}`,
    name: segments[2] ?? "",
    version: segments.length === 4 ? segments[3] : undefined,
  };
}

/** A bundle as the SDK returns it (its getSecretFromSecretBundle). */
export function secretOf(b: Bundle): KeyVaultSecret & Partial<DeletedSecret> {
  const id = parseId(b.id ?? "");
  const a = b.attributes;
  // The SDK's object, members left undefined included (exactOptionalPropertyTypes aside).
  const properties: Record<string, unknown> = {
    expiresOn: date(a?.exp),
    createdOn: date(a?.created),
    updatedOn: date(a?.updated),
    enabled: a?.enabled,
    notBefore: date(a?.nbf),
    recoverableDays: a?.recoverableDays,
    recoveryLevel: a?.recoveryLevel,
    id: b.id,
    contentType: b.contentType,
    tags: b.tags,
    managed: b.managed,
    previousVersion: b.previousVersion,
    vaultUrl: id.vaultUrl,
    version: id.version,
    name: id.name,
    certificateKeyId: b.kid,
  };
  const out: Record<string, unknown> = { value: b.value, name: id.name, properties };
  if (b.recoveryId) {
    const deleted = {
      recoveryId: b.recoveryId,
      scheduledPurgeDate: date(b.scheduledPurgeDate),
      deletedOn: date(b.deletedDate),
    };
    Object.assign(properties, deleted);
    Object.assign(out, deleted);
  }
  return out as unknown as KeyVaultSecret & Partial<DeletedSecret>;
}

/** A token and when it runs out, ms since the epoch. */
interface Token {
  readonly token: string;
  readonly expiresOnTimestamp: number;
}
/** A token is asked again this long before it runs out (the SDK's refresh window). */
const REFRESH_MS = 2 * 60_000;

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError());
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(abortError());
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });

function abortError(): Error {
  const e = new Error("The operation was aborted.");
  e.name = "AbortError";
  return e;
}

/** One HTTP answer. */
interface Answer {
  readonly status: number;
  readonly text: string;
  readonly headers: Readonly<Record<string, string>>;
}

const header = (h: Readonly<Record<string, string>>, name: string): string | undefined =>
  h[name.toLowerCase()];

/**
 * The client of `vaultUrl` for a store: the small one when {@link chooseTransport}
 * allows it, else the SDK's (loaded from its chunk on the first call).
 */
export function createKvClient(
  vaultUrl: string,
  context: StoreContext,
  loadSdk: () => Promise<SdkModule>,
  loadCredential: () => Promise<CredentialModule>,
  env: NodeJS.ProcessEnv = process.env,
): KvClient {
  const chosen = chooseTransport(context, env);
  const loopback = isLoopbackVault(vaultUrl);
  if ("sdk" in chosen) {
    const extra: Record<string, unknown> = { ...(context.clientOptions?.["azure-kv"] ?? {}) };
    const credential = extra.credential as TokenCredential | undefined;
    delete extra.credential;
    const options: SecretClientOptions = {
      serviceVersion: API_VERSION,
      retryOptions: { maxRetries: 0 },
      // Emulators on loopback answer the auth challenge with a resource that is not
      // the vault's host; real vaults keep the SDK's check.
      ...(loopback ? { disableChallengeResourceVerification: true } : {}),
      ...(extra as SecretClientOptions),
    };
    return sdkClient(chosen.sdk, () =>
      loadSdk().then((m) => m.openSdkClient(vaultUrl, options, credential)),
    );
  }
  return smallClient(vaultUrl, chosen.tokens, chosen.tls, loopback, loadCredential);
}

/** The SDK's client behind the {@link KvClient} interface, built on the first call. */
function sdkClient(why: string, open: () => Promise<KvClient>): KvClient {
  let client: Promise<KvClient> | undefined;
  let opened: KvClient | undefined;
  const get = (): Promise<KvClient> =>
    (client ??= open().then((c) => {
      opened = c;
      return c;
    }));
  const lazyList = <T>(list: (c: KvClient) => PagedList<T>): PagedList<T> => ({
    async *[Symbol.asyncIterator]() {
      yield* list(await get());
    },
    async *byPage(settings) {
      yield* list(await get()).byPage(settings);
    },
  });
  return {
    transport: "sdk",
    why,
    getSecret: async (...a) => (await get()).getSecret(...a),
    getDeletedSecret: async (...a) => (await get()).getDeletedSecret(...a),
    setSecret: async (...a) => (await get()).setSecret(...a),
    updateSecretProperties: async (...a) => (await get()).updateSecretProperties(...a),
    beginDeleteSecret: async (...a) => (await get()).beginDeleteSecret(...a),
    beginRecoverDeletedSecret: async (...a) => (await get()).beginRecoverDeletedSecret(...a),
    purgeDeletedSecret: async (...a) => (await get()).purgeDeletedSecret(...a),
    listPropertiesOfSecrets: (...a) => lazyList((c) => c.listPropertiesOfSecrets(...a)),
    listPropertiesOfSecretVersions: (...a) =>
      lazyList((c) => c.listPropertiesOfSecretVersions(...a)),
    close: () => opened?.close(),
  };
}

/** Socket errors of a request that got no answer keep Node's code, as core-rest-pipeline does. */
function sendError(e: unknown): Error {
  if (e instanceof Error && e.name === "AbortError") return abortError();
  const err = e as { code?: unknown; message?: unknown };
  return new KvRestError(typeof err.message === "string" ? err.message : String(e), {
    code: typeof err.code === "string" ? err.code : "REQUEST_SEND_ERROR",
    cause: e,
  });
}

/** Key Vault's REST API over HTTP/1.1 (../shared/http1.ts); tokens from `tokens` (see the file's head). */
function smallClient(
  vaultUrl: string,
  tokens: TokenSource,
  tls: Record<string, unknown>,
  loopback: boolean,
  loadCredential: () => Promise<CredentialModule>,
): KvClient {
  const base = new URL(vaultUrl);
  // The vault's connections carry the TLS settings given (as the SDK's agent does); the
  // identity endpoint's do not (the credential's pipeline has none). HTTP/1.1 of
  // ../shared/http1.ts: `node:http` would cost a 1-key read more than the rest of the call.
  const pools = new Map<string, Http1Pool>();
  const poolOf = (url: URL): Http1Pool => {
    const key = `${url.protocol}//${url.host}`;
    let pool = pools.get(key);
    if (!pool) {
      pool = new Http1Pool(url, url.host === base.host ? { tls } : {});
      pools.set(key, pool);
    }
    return pool;
  };

  /** One request; the answer, whatever its status. */
  const send = async (
    method: string,
    url: URL,
    headers: Record<string, string>,
    body: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<Answer> => {
    if (signal?.aborted) throw abortError();
    const call = poolOf(url).request(
      method,
      `${url.pathname}${url.search}`,
      {
        host: url.host,
        ...headers,
        "content-length": String(body === undefined ? 0 : Buffer.byteLength(body)),
      },
      body ?? "",
    );
    const onAbort = (): void => call.abort(abortError());
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      const res = await call.response;
      return { status: res.status, text: res.body.toString("utf8"), headers: res.headers };
    } catch (e) {
      throw sendError(e);
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
  };

  // Tokens: one request at a time per scope and tenant; kept until near their end.
  const cache = new Map<string, Promise<Token>>();
  let credential: Promise<TokenCredential> | undefined;
  const sdkCredential = (): Promise<TokenCredential> =>
    (credential ??=
      tokens.kind === "credential"
        ? Promise.resolve(tokens.credential)
        : loadCredential().then((m) => m.defaultCredential()));
  const fromCredential = async (
    scope: string,
    tenantId: string | undefined,
    claims: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<Token> => {
    const t = await (
      await sdkCredential()
    ).getToken([scope], {
      enableCae: true,
      ...(tenantId ? { tenantId } : {}),
      ...(claims ? { claims } : {}),
      ...(signal ? { abortSignal: signal } : {}),
    });
    if (!t) throw new KvRestError("No token was returned.", { code: "NO_TOKEN" });
    return t;
  };
  /** A token from the App Service endpoint, as MSAL asks it (api-version 2019-08-01); null on any failure. */
  const fromAppService = async (
    identity: AppServiceIdentity,
    scope: string,
    signal: AbortSignal | undefined,
  ): Promise<Token | null> => {
    const url = new URL(identity.endpoint);
    url.searchParams.set("api-version", "2019-08-01");
    url.searchParams.set("resource", scope.replace(/\/\.default$/, ""));
    try {
      const a = await send("GET", url, { "X-IDENTITY-HEADER": identity.header }, undefined, signal);
      if (a.status !== 200) return null;
      const body = JSON.parse(a.text) as { access_token?: unknown; expires_on?: unknown };
      const expires = Number(body.expires_on);
      if (typeof body.access_token !== "string" || !body.access_token || !(expires > 0))
        return null;
      return { token: body.access_token, expiresOnTimestamp: expires * 1000 };
    } catch (e) {
      if (e instanceof Error && e.name === "AbortError") throw e;
      return null;
    }
  };
  const token = (
    scope: string,
    tenantId: string | undefined,
    signal: AbortSignal | undefined,
    claims?: string,
  ): Promise<Token> => {
    const key = `${scope}\0${tenantId ?? ""}`;
    const held = claims === undefined ? cache.get(key) : undefined;
    const fresh = async (): Promise<Token> => {
      if (tokens.kind === "app-service" && claims === undefined) {
        const t = await fromAppService(tokens.identity, scope, signal);
        // Any failure: DefaultAzureCredential asks again and goes on down its chain.
        if (t) return t;
      }
      return fromCredential(scope, tenantId, claims, signal);
    };
    const p = (async () => {
      const t = held ? await held.catch(() => null) : null;
      if (t && t.expiresOnTimestamp - REFRESH_MS > Date.now()) return t;
      return fresh();
    })();
    cache.set(key, p);
    p.catch(() => {
      if (cache.get(key) === p) cache.delete(key);
    });
    return p;
  };

  // The challenge, once a 401 named it: every later request carries a token for it.
  let authed: { scope: string; tenantId: string | undefined } | undefined;

  /** One call: authenticated as the challenge asks; the answer when its status is expected. */
  const call = async (
    method: string,
    url: URL,
    body: unknown,
    expect: number,
    signal: AbortSignal | undefined,
  ): Promise<Answer> => {
    if (!url.searchParams.has("api-version")) url.searchParams.set("api-version", API_VERSION);
    const text = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = {
      accept: "application/json",
      ...(text !== undefined ? { "content-type": "application/json" } : {}),
      "user-agent": "envsync",
    };
    const withToken = async (t: Token): Promise<Answer> =>
      send(method, url, { ...headers, authorization: `Bearer ${t.token}` }, text, signal);
    let answer: Answer;
    let state = authed;
    if (state) answer = await withToken(await token(state.scope, state.tenantId, signal));
    // As the SDK: the first request goes without its body until the vault names the token.
    else answer = await send(method, url, headers, undefined, signal);
    if (answer.status === 401 && state === undefined) {
      const challenge = header(answer.headers, "www-authenticate");
      const parsed = challenge ? parseChallenge(challenge) : undefined;
      const scope = parsed ? scopeOf(parsed) : undefined;
      if (parsed && scope) {
        if (!loopback) verifyChallengeResource(scope, url.href);
        const t = await token(scope, parsed.tenantId, signal);
        authed = state = { scope, tenantId: parsed.tenantId };
        answer = await withToken(t);
      }
    }
    if (answer.status === 401 && state !== undefined) {
      // Continuous access evaluation: a claims challenge asks for a new token once.
      const challenge = header(answer.headers, "www-authenticate");
      const parsed = challenge ? parseChallenge(challenge) : undefined;
      if (parsed?.error === "insufficient_claims" && parsed.claims !== undefined) {
        const claims = Buffer.from(parsed.claims, "base64").toString("utf8");
        answer = await withToken(await token(state.scope, state.tenantId, signal, claims));
      }
    }
    if (answer.status !== expect) throw errorOfAnswer(answer.status, answer.text);
    return answer;
  };

  const path = (...segments: string[]): URL =>
    new URL(
      `${base.pathname.replace(/\/+$/, "")}/${segments.map(encodeURIComponent).join("/")}`,
      base,
    );
  const json = (a: Answer): Bundle => {
    try {
      return JSON.parse(a.text) as Bundle;
    } catch (e) {
      throw new KvRestError("Error parsing the response body.", {
        statusCode: a.status,
        code: "PARSE_ERROR",
        cause: e,
      });
    }
  };
  const bundle = async (
    method: string,
    url: URL,
    body: unknown,
    signal: AbortSignal | undefined,
  ): Promise<KeyVaultSecret & Partial<DeletedSecret>> =>
    secretOf(json(await call(method, url, body, 200, signal)));

  const getSecret = (name: string, o: CallOptions & { version?: string } = {}) =>
    bundle("GET", path("secrets", name, o.version ?? ""), undefined, o.abortSignal);
  const getDeletedSecret = async (name: string, o: CallOptions = {}): Promise<DeletedSecret> =>
    await bundle("GET", path("deletedsecrets", name), undefined, o.abortSignal);

  /** Pages of a listing: `maxresults` on the first request, then each `nextLink` on the vault. */
  const pages = (
    first: URL,
    signal: AbortSignal | undefined,
    onResponse?: (raw: RawResponse) => void,
  ): PagedList<SecretProperties> => {
    const walk = async function* (max: number | undefined): AsyncGenerator<SecretProperties[]> {
      let next: URL | undefined = new URL(first);
      if (max !== undefined) next.searchParams.set("maxresults", String(max));
      while (next) {
        const a = await call("GET", next, undefined, 200, signal);
        onResponse?.({ headers: { get: (n) => header(a.headers, n) } });
        const page = json(a) as unknown as { value?: Bundle[]; nextLink?: unknown };
        yield (page.value ?? []).map((b) => secretOf(b).properties);
        if (typeof page.nextLink !== "string" || page.nextLink === "") break;
        next = new URL(page.nextLink);
        // The vault's own links only: a token never goes to another host.
        if (next.hostname !== base.hostname)
          throw new KvRestError(`A page link left the vault (${next.host}).`, {
            code: "BAD_NEXT_LINK",
          });
      }
    };
    return {
      async *[Symbol.asyncIterator]() {
        for await (const page of walk(undefined)) yield* page;
      },
      byPage: (settings) => walk(settings?.maxPageSize),
    };
  };

  /** The SDK's pollers: one step now, then a step and a pause until done. */
  const poller = async (
    step: () => Promise<boolean>,
    intervalMs: number,
    signal: AbortSignal | undefined,
  ): Promise<KvPoller> => {
    let done = await step();
    return {
      async pollUntilDone() {
        while (!done) {
          done = await step();
          await sleep(intervalMs, signal);
        }
      },
    };
  };
  /** A poll of a state that becomes readable: done when read or refused (403), on waiting on 404. */
  const readable = async (read: () => Promise<unknown>): Promise<boolean> => {
    try {
      await read();
      return true;
    } catch (e) {
      const status = (e as { statusCode?: unknown }).statusCode;
      if (status === 403) return true;
      if (status === 404) return false;
      throw e;
    }
  };

  return {
    transport: "small",
    why: "",
    getSecret,
    getDeletedSecret,
    setSecret: (name, value, o = {}) =>
      bundle(
        "PUT",
        path("secrets", name),
        { value, tags: o.tags, contentType: o.contentType, attributes: {} },
        o.abortSignal,
      ),
    updateSecretProperties: async (name, version, o = {}) =>
      (
        await bundle(
          "PATCH",
          path("secrets", name, version),
          { attributes: {}, tags: o.tags },
          o.abortSignal,
        )
      ).properties,
    beginDeleteSecret: async (name, o = {}) => {
      let started = false;
      return poller(
        async () => {
          if (!started) {
            const deleted = await bundle("DELETE", path("secrets", name), undefined, o.abortSignal);
            started = true;
            if (!deleted.recoveryId) return true;
          }
          return readable(() => getDeletedSecret(name, o));
        },
        o.intervalInMs ?? 2000,
        o.abortSignal,
      );
    },
    beginRecoverDeletedSecret: async (name, o = {}) => {
      let started = false;
      return poller(
        async () => {
          if (!started) {
            try {
              await getSecret(name, o);
              return true;
            } catch {
              // not readable: recover it
            }
            await bundle("POST", path("deletedsecrets", name, "recover"), undefined, o.abortSignal);
            started = true;
          }
          return readable(() => getSecret(name, o));
        },
        o.intervalInMs ?? 2000,
        o.abortSignal,
      );
    },
    purgeDeletedSecret: async (name, o = {}) => {
      await call("DELETE", path("deletedsecrets", name), undefined, 204, o.abortSignal);
    },
    listPropertiesOfSecrets: (o = {}) => pages(path("secrets"), o.abortSignal, o.onResponse),
    listPropertiesOfSecretVersions: (name, o = {}) =>
      pages(path("secrets", name, "versions"), o.abortSignal),
    close() {
      for (const p of pools.values()) p.destroy();
    },
  };
}
