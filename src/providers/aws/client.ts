/**
 * The client the AWS stores call (docs/DESIGN.md, "AWS: the small client"): one
 * `send(new XCommand(input))`, the same call shape as an AWS SDK v3 client, served
 * by one of two transports chosen when the store opens:
 *
 * - the small client: AWS JSON 1.1 over HTTP/1.1 with keep-alive (./http1.ts, on
 *   `node:net` or `node:tls`: `node:http` would cost more than the rest), signed with
 *   SigV4 (./sigv4.ts), when the credentials are static keys the SDK would also take
 *   first (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY[/AWS_SESSION_TOKEN] with no profile
 *   named) and the region and endpoint come from places it reads exactly as the SDK
 *   does. It loads none of the SDK (≈ 1 MB of code per service to evaluate);
 * - the official SDK client, loaded on first use from a chunk of its own, for
 *   everything else: profiles (SSO, assume-role, credential_process, static keys in
 *   ~/.aws/credentials), web identity, container and instance credentials, a region
 *   from ~/.aws/config, FIPS or dual-stack endpoints, endpoint URLs from the
 *   environment or the config file, partitions other than `aws`.
 *
 * Both answer with the SDK's output shapes (timestamps as Date, blobs as bytes) and
 * fail with errors of the SDK's shape (`name` = the AWS error code, `$fault`,
 * `$metadata.httpStatusCode`), so retries (../retry.ts) and the error mapping
 * (./common.ts) do not know which one ran. `ENVSYNC_AWS_SDK=1` forces the SDK.
 */
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { StoreContext } from "../types.js";
import type { AwsOptions } from "./common.js";
import { Http1Pool, type Http1Response } from "../shared/http1.js";
import { signRequest, type StaticCredentials } from "./sigv4.js";

/** The two services envsync speaks to. */
export type AwsService = "secretsmanager" | "ssm";

/** One operation call: its name and input (the output type rides along for `send`). */
export class AwsCommand<I, O> {
  /** Phantom: the output type `send` resolves to. */
  declare readonly __output?: O;
  /** @param operation e.g. `GetSecretValue`; @param input the SDK's input shape. */
  constructor(
    readonly operation: string,
    readonly input: I,
  ) {}
}

/** A command class of one operation: `new GetSecretValueCommand({ … })`. */
export type AwsCommandClass<I, O> = new (input: I) => AwsCommand<I, O>;

/** Defines the command class of `operation` (typed with the SDK's input and output). */
export function command<I, O>(operation: string): AwsCommandClass<I, O> {
  return class extends AwsCommand<I, O> {
    constructor(input: I) {
      super(operation, input);
    }
  };
}

type Middleware = (
  next: (args: unknown) => Promise<unknown>,
  context: { commandName?: string },
) => (args: unknown) => Promise<unknown>;

/** What the stores hold: an SDK-shaped client over either transport. */
export interface AwsClient {
  /** `small` (this file's transport) or `sdk` (the official client). */
  readonly transport: "small" | "sdk";
  /** Why the SDK is used (empty for the small client): `--verbose` and tests. */
  readonly why: string;
  /** Sends one operation; the SDK's output shape, or an SDK-shaped error. */
  send<I, O>(command: AwsCommand<I, O>): Promise<O>;
  /** The SDK's middleware stack, as far as {@link CallCounter} uses it (one call per attempt). */
  readonly middlewareStack: {
    add(mw: Middleware, options: { step: "finalizeRequest"; name: string }): void;
  };
  /** Closes idle connections. */
  destroy(): void;
}

/** The SDK side of a service, loaded from its chunk on first use (./sdk-sm.ts, ./sdk-ssm.ts). */
export interface SdkAdapter {
  readonly middlewareStack: AwsClient["middlewareStack"];
  send(operation: string, input: unknown): Promise<unknown>;
  destroy(): void;
}

const SERVICES: Record<AwsService, { target: string; scheme: string }> = {
  secretsmanager: { target: "secretsmanager", scheme: "aws-sm" },
  ssm: { target: "AmazonSSM", scheme: "aws-ssm" },
};

/** Inputs with an idempotency token the SDK fills in when absent (a fresh UUID). */
const IDEMPOTENT: Record<string, string> = {
  "secretsmanager.CreateSecret": "ClientRequestToken",
  "secretsmanager.PutSecretValue": "ClientRequestToken",
  "secretsmanager.UpdateSecret": "ClientRequestToken",
  "secretsmanager.RotateSecret": "ClientRequestToken",
};

/** The regions of the `aws` partition, whose endpoints are `SERVICE.REGION.amazonaws.com`. */
const AWS_PARTITION = /^(us|eu|ap|sa|ca|me|af|il|mx)-\w+-\d+$/;

/**
 * Environment variables that change how the SDK picks its endpoint, signs or retries:
 * any of them set sends the call through the SDK.
 */
const SDK_ONLY_ENV = [
  "AWS_USE_FIPS_ENDPOINT",
  "AWS_USE_DUALSTACK_ENDPOINT",
  "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
  "AWS_CREDENTIAL_EXPIRATION",
  "AWS_CREDENTIAL_SCOPE",
  "AWS_ACCOUNT_ID",
  "AWS_ACCOUNT_ID_ENDPOINT_MODE",
  "AWS_RETRY_MODE",
  "AWS_SIGV4A_SIGNING_REGION_SET",
  "AWS_AUTH_SCHEME_PREFERENCE",
];
/** Settings of the shared config file that change the endpoint or the signing. */
const SDK_ONLY_CONFIG =
  /^\s*(endpoint_url|use_fips_endpoint|use_dualstack_endpoint|services|account_id_endpoint_mode|sigv4a_signing_region_set|auth_scheme_preference|ignore_configured_endpoint_urls)\s*=/m;

/** The small client's settings, when it can serve a store. */
export interface SmallSettings {
  readonly credentials: StaticCredentials;
  readonly region: string;
  readonly url: URL;
}

/**
 * Whether the small client serves `service` for these options, and with what; else
 * why the SDK is used. Reads the process environment (as the SDK does) and, for the
 * endpoint settings only, the shared config file.
 */
export function chooseTransport(
  service: AwsService,
  options: AwsOptions,
  context: Pick<StoreContext, "clientOptions">,
  env: NodeJS.ProcessEnv = process.env,
): SmallSettings | { sdk: string } {
  if (env.ENVSYNC_AWS_SDK === "1") return { sdk: "ENVSYNC_AWS_SDK=1" };
  const extra = context.clientOptions?.[SERVICES[service].scheme] ?? {};
  let credentials: StaticCredentials | undefined;
  for (const [k, v] of Object.entries(extra)) {
    const c = v as Partial<StaticCredentials> | undefined;
    if (
      k === "credentials" &&
      typeof c?.accessKeyId === "string" &&
      typeof c.secretAccessKey === "string"
    )
      credentials = {
        accessKeyId: c.accessKeyId,
        secretAccessKey: c.secretAccessKey,
        ...(typeof c.sessionToken === "string" ? { sessionToken: c.sessionToken } : {}),
      };
    else return { sdk: `client option ${k}` };
  }
  if (credentials === undefined) {
    // The SDK's default chain: a profile named anywhere skips the environment's keys.
    if (options.profile !== undefined || env.AWS_PROFILE) return { sdk: "a profile is named" };
    const id = env.AWS_ACCESS_KEY_ID;
    const secret = env.AWS_SECRET_ACCESS_KEY;
    if (!id || !secret) return { sdk: "no static keys in the environment" };
    credentials = {
      accessKeyId: id,
      secretAccessKey: secret,
      ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
    };
  }
  const region = options.region ?? (env.AWS_REGION || undefined);
  if (region === undefined) return { sdk: "the region comes from the config file" };
  for (const k of Object.keys(env))
    if ((k.startsWith("AWS_ENDPOINT_URL") || SDK_ONLY_ENV.includes(k)) && env[k] !== undefined)
      return { sdk: `${k} is set` };
  const config = env.AWS_CONFIG_FILE || join(homedir(), ".aws", "config");
  let text = "";
  try {
    text = readFileSync(config, "utf8");
  } catch {
    text = "";
  }
  if (SDK_ONLY_CONFIG.test(text)) return { sdk: "the config file sets endpoints" };
  let url: URL;
  if (options.endpoint !== undefined) url = new URL(options.endpoint);
  else if (AWS_PARTITION.test(region)) url = new URL(`https://${service}.${region}.amazonaws.com`);
  else return { sdk: `region ${region} is outside the aws partition` };
  return { credentials, region, url };
}

/**
 * The client of `service` for a store: the small one when {@link chooseTransport}
 * allows it, else the SDK's (built by `loadSdk` on the first call, with `config`).
 */
export function createAwsClient(
  service: AwsService,
  options: AwsOptions,
  context: StoreContext,
  config: Record<string, unknown>,
  loadSdk: (config: Record<string, unknown>) => Promise<SdkAdapter>,
): AwsClient {
  const chosen = chooseTransport(service, options, context);
  if ("sdk" in chosen) return sdkClient(chosen.sdk, config, loadSdk);
  return smallClient(service, chosen, context.requestTimeoutMs);
}

function sdkClient(
  why: string,
  config: Record<string, unknown>,
  loadSdk: (config: Record<string, unknown>) => Promise<SdkAdapter>,
): AwsClient {
  const pending: [Middleware, { step: "finalizeRequest"; name: string }][] = [];
  let adapter: Promise<SdkAdapter> | undefined;
  let loaded: SdkAdapter | undefined;
  const get = (): Promise<SdkAdapter> =>
    (adapter ??= loadSdk(config).then((a) => {
      for (const [mw, o] of pending) a.middlewareStack.add(mw, o);
      loaded = a;
      return a;
    }));
  return {
    transport: "sdk",
    why,
    async send<I, O>(c: AwsCommand<I, O>): Promise<O> {
      return (await (await get()).send(c.operation, c.input)) as O;
    },
    middlewareStack: {
      add(mw, o) {
        if (loaded) loaded.middlewareStack.add(mw, o);
        else pending.push([mw, o]);
      },
    },
    destroy() {
      loaded?.destroy();
    },
  };
}

/** An error of the SDK's shape: `name` is the AWS code. */
type AwsShapedError = Error & {
  $fault: "client" | "server";
  $metadata: {
    httpStatusCode: number;
    requestId?: string;
    attempts: number;
    totalRetryDelay: number;
  };
};

/** The error code of a JSON-1.1 error answer, cleaned as the SDK does (`ns#Code:…` → `Code`). */
export function errorCodeOf(
  body: Record<string, unknown>,
  header: string | undefined,
): string | undefined {
  const raw =
    body.__type !== undefined
      ? body.__type
      : (Object.entries(body).find(([k]) => k.toLowerCase() === "code")?.[1] ?? header);
  if (typeof raw !== "string" && typeof raw !== "number") return undefined;
  let v = String(raw);
  if (v.includes(",")) v = v.split(",")[0]!;
  if (v.includes(":")) v = v.split(":")[0]!;
  if (v.includes("#")) v = v.split("#")[1]!;
  return v;
}

/**
 * What the SDK's deserializer makes of a parsed JSON answer, in place: epoch-seconds
 * timestamps (`…Date`) as Date, `SecretBinary` as bytes, and a `null` member left out
 * (moto answers `"DeletedDate": null`, which the stores would otherwise read as a
 * deletion date). The same result as a `JSON.parse` reviver doing this, which costs
 * several times more: V8 calls a reviver for every value of the text, and a
 * 1,000-secret per-key read parses about 1 MB of answers.
 */
export function revive(node: object): void {
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) {
      const v: unknown = node[i];
      // A reviver that returns undefined deletes the element (a hole), as here.
      if (v === null) Reflect.deleteProperty(node, i);
      else if (typeof v === "object") revive(v);
    }
    return;
  }
  const o = node as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    const v = o[key];
    if (v === null) {
      if (key !== "") delete o[key]; // (as the reviver, which took "" for the top level)
    } else if (typeof v === "object") revive(v);
    else if (typeof v === "number" && key.endsWith("Date")) o[key] = new Date(Math.round(v * 1000));
    else if (key === "SecretBinary" && typeof v === "string")
      o[key] = new Uint8Array(Buffer.from(v, "base64"));
  }
}

const TIMEOUT_CODES = ["ECONNRESET", "EPIPE", "ETIMEDOUT"];

function smallClient(
  service: AwsService,
  settings: SmallSettings,
  timeoutMs: number | undefined,
): AwsClient {
  const { url, region, credentials } = settings;
  const target = SERVICES[service].target;
  const https = url.protocol === "https:";
  const middlewares: Middleware[] = [];
  const pool = new Http1Pool(url);

  const attempt = async (operation: string, input: unknown): Promise<unknown> => {
    const idem = IDEMPOTENT[`${service}.${operation}`];
    // node:crypto is loaded only by the writes that need a token (it costs a read ≈ 6 ms).
    const payload =
      idem !== undefined && (input as Record<string, unknown>)[idem] === undefined
        ? { ...(input as object), [idem]: (await import("node:crypto")).randomUUID() }
        : input;
    const body = JSON.stringify(payload ?? {});
    const path = url.pathname || "/";
    const headers: Record<string, string> = {
      "content-type": "application/x-amz-json-1.1",
      host: url.host,
      "x-amz-target": `${target}.${operation}`,
    };
    Object.assign(
      headers,
      signRequest({
        method: "POST",
        path,
        headers,
        body,
        region,
        service,
        credentials,
        date: new Date(),
        native: https,
      }),
    );
    headers["content-length"] = String(Buffer.byteLength(body));
    headers["user-agent"] = "envsync";
    const call = pool.request("POST", `${path}${url.search}`, headers, body);
    let connectTimer: NodeJS.Timeout | undefined;
    let requestTimer: NodeJS.Timeout | undefined;
    if (timeoutMs !== undefined && timeoutMs > 0) {
      connectTimer = setTimeout(() => {
        call.abort(
          Object.assign(
            new Error(`the connection to ${url.host} was not made within ${timeoutMs} ms`),
            { name: "TimeoutError" },
          ),
        );
      }, timeoutMs);
      void call.connected.then(() => clearTimeout(connectTimer));
      requestTimer = setTimeout(() => {
        call.abort(
          Object.assign(new Error(`a request to ${url.host} took over ${timeoutMs} ms`), {
            name: "TimeoutError",
            code: "ETIMEDOUT",
          }),
        );
      }, timeoutMs);
    }
    let answer: Http1Response;
    try {
      answer = await call.response;
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      // As @smithy/node-http-handler: a reset or timeout is a TimeoutError.
      if (err.code !== undefined && TIMEOUT_CODES.includes(err.code)) err.name = "TimeoutError";
      throw err;
    } finally {
      clearTimeout(connectTimer);
      clearTimeout(requestTimer);
    }
    const res = {
      status: answer.status,
      text: answer.body.toString("utf8"),
      headers: answer.headers,
    };
    const requestId = res.headers["x-amzn-requestid"];
    const $metadata = {
      httpStatusCode: res.status,
      ...(typeof requestId === "string" ? { requestId } : {}),
      attempts: 1,
      totalRetryDelay: 0,
    };
    if (res.status >= 200 && res.status < 300) {
      const out: unknown = res.text.length === 0 ? {} : JSON.parse(res.text);
      if (out !== null && typeof out === "object") revive(out);
      return { $metadata, ...(out as object) };
    }
    let data: Record<string, unknown> = {};
    try {
      const parsed: unknown = res.text.length === 0 ? {} : JSON.parse(res.text);
      if (parsed !== null && typeof parsed === "object") data = parsed as Record<string, unknown>;
    } catch {
      data = {};
    }
    const header = res.headers["x-amzn-errortype"];
    const name = errorCodeOf(data, typeof header === "string" ? header : undefined) ?? "Unknown";
    const text = data.message ?? data.Message;
    const message = typeof text === "string" ? text : "UnknownError";
    const fields = Object.fromEntries(
      Object.entries(data).filter(([k]) => !["__type", "message", "Message", "code"].includes(k)),
    );
    const e = new Error(message) as AwsShapedError;
    Object.assign(e, fields, { name, $fault: res.status < 500 ? "client" : "server", $metadata });
    throw e;
  };

  return {
    transport: "small",
    why: "",
    async send<I, O>(c: AwsCommand<I, O>): Promise<O> {
      let call = (args: unknown): Promise<unknown> => attempt(c.operation, args);
      for (const mw of middlewares) call = mw(call, { commandName: `${c.operation}Command` });
      return (await call(c.input)) as O;
    },
    middlewareStack: {
      add(mw) {
        middlewares.push(mw);
      },
    },
    destroy() {
      pool.destroy();
    },
  };
}
