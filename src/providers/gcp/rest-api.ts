/**
 * {@link GsmApi} over Secret Manager's REST API (v1, JSON over HTTPS) with the small
 * HTTP/1.1 client of ../shared/http1.ts (on `node:net`/`node:tls`; `node:http` would
 * cost a 1-key read more than the rest of the call): no gRPC, no protobuf. Credentials come from google-auth-library's
 * GoogleAuth (the one the official client uses: ADC, service-account keys, the metadata
 * server, impersonation, workload identity federation), loaded on the first call and only
 * when a token is needed: a plain-text `http://` (emulator) endpoint sends no credentials
 * and never loads it. Errors carry the gRPC status code the same failure has on the
 * gRPC transport (`code`, `details`), so errors.ts and the store read both alike.
 */
import { Http1Pool } from "../shared/http1.js";
import type { GsmApi } from "./api.js";
import type { GcpEndpoint, ListedSecret } from "./target.js";
import { Grpc } from "./errors.js";

/** Largest page the API serves (ListSecrets and ListSecretVersions). */
const PAGE_SIZE = 25_000;
const SCOPE = "https://www.googleapis.com/auth/cloud-platform";

/** google.rpc.Code by name, as the REST error's `status` names it. */
const CODES: Readonly<Record<string, number>> = Grpc;

/** The status an HTTP code stands for when the body names none (google.rpc.Code's HTTP mapping). */
function codeOfHttp(status: number): number {
  const byStatus: Record<number, number> = {
    400: 3,
    401: 16,
    403: 7,
    404: 5,
    409: 10,
    412: 9,
    429: 8,
    499: 1,
    501: 12,
    503: 14,
    504: 4,
  };
  return byStatus[status] ?? (status >= 500 ? 13 : 2);
}

/** A failed REST call, shaped as a gRPC status error: `code` (google.rpc.Code) and `details`. */
export class GsmRestError extends Error {
  /** google.rpc.Code: the code the gRPC transport reports for the same failure. */
  readonly code: number;
  /** The service's message (names resources, never values). */
  readonly details: string;
  /** HTTP status (0 when no response came). */
  readonly httpStatus: number;

  constructor(code: number, details: string, httpStatus: number, options?: { cause?: unknown }) {
    super(`${code} ${details}`, options);
    this.name = "GsmRestError";
    this.code = code;
    this.details = details;
    this.httpStatus = httpStatus;
  }
}

/**
 * The error of a REST answer: Google's `{error: {code, status, message}}` when the body
 * is one (the status name decides the code), else the HTTP status alone.
 */
export function restError(httpStatus: number, body: string): GsmRestError {
  try {
    const e = (JSON.parse(body) as { error?: { status?: unknown; message?: unknown } }).error;
    if (e && typeof e === "object") {
      const code =
        typeof e.status === "string" && e.status in CODES
          ? CODES[e.status]!
          : codeOfHttp(httpStatus);
      return new GsmRestError(code, typeof e.message === "string" ? e.message : "", httpStatus);
    }
  } catch {
    // not JSON: an HTML page from a proxy, a load balancer's text
  }
  // Not an API answer (a proxy's or a wrong endpoint's page). A 404 here means no such
  // route, never "no such secret": it must not read as an absent remote (UNIMPLEMENTED,
  // as gRPC says of an unknown method).
  return new GsmRestError(
    httpStatus === 404 ? CODES.UNIMPLEMENTED! : codeOfHttp(httpStatus),
    `HTTP ${httpStatus}, not a Secret Manager answer (check endpoint=): ${body.replace(/\s+/g, " ").slice(0, 200)}`,
    httpStatus,
  );
}

/** A network failure (no answer) as the gRPC transport reports it: UNAVAILABLE. */
function networkError(e: unknown, where: string): GsmRestError {
  const err = e as { code?: unknown; message?: unknown };
  const why = typeof err.code === "string" ? err.code : String(err.message ?? e);
  return new GsmRestError(CODES.UNAVAILABLE!, `No connection established to ${where} (${why})`, 0, {
    cause: e,
  });
}

/** Socket errors (Node's codes) that mean no answer came. */
const NO_ANSWER = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
]);

/** The first socket error code in an error's cause chain. */
function socketCode(e: unknown, depth = 0): string | undefined {
  if (e === null || typeof e !== "object" || depth > 5) return undefined;
  const { code, cause } = e as { code?: unknown; cause?: unknown };
  if (typeof code === "string" && NO_ANSWER.has(code)) return code;
  return socketCode(cause, depth + 1);
}

/**
 * A step of getting a token (google-auth-library): a token endpoint or metadata server
 * that does not answer is UNAVAILABLE, as on the gRPC transport; other failures
 * (no credentials, a refused grant) stay as they are for errors.ts.
 */
async function tokenStep<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    const code = socketCode(e);
    if (code === undefined) throw e;
    throw new GsmRestError(
      CODES.UNAVAILABLE!,
      `Could not get an access token: no answer from Google's token service (${code})`,
      0,
      { cause: e },
    );
  }
}

interface RestSecret {
  name?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  etag?: string;
}
interface RestVersion {
  name?: string;
  state?: string;
  createTime?: string;
}

function listed(s: RestSecret, name = ""): ListedSecret {
  return {
    name: s.name ?? name,
    labels: { ...s.labels },
    annotations: { ...s.annotations },
    ...(s.etag ? { etag: s.etag } : {}),
  };
}

function toDate(text: string | undefined): Date | null {
  if (!text) return null;
  const d = new Date(text);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** A resource name as a URL path (each segment escaped; `:verb` appended as is). */
function pathOf(name: string, verb = ""): string {
  return `/v1/${name.split("/").map(encodeURIComponent).join("/")}${verb}`;
}

/** google-auth-library's client, as far as this file uses it. */
interface AuthClient {
  universeDomain?: string;
  getRequestHeaders(url?: string): Promise<Headers>;
}

/**
 * Builds the API over REST. `extra` (StoreContext.clientOptions["gcp-sm"]) goes to
 * GoogleAuth (e.g. `keyFilename`, `credentials`, `authClient`, `projectId`);
 * `timeoutMs` bounds each call (DEADLINE_EXCEEDED when it runs out).
 */
export function createRestGsmApi(
  endpoint: GcpEndpoint | undefined,
  extra: Record<string, unknown>,
  timeoutMs?: number,
): GsmApi {
  const secure = !endpoint?.insecure;
  const pools = new Map<string, Http1Pool>();
  let auth: Promise<AuthClient> | undefined;
  // The project is in every resource name, so GoogleAuth need not look it up (a Cloud
  // Resource Manager call for federated identities, a metadata-server call on GCE).
  const authClient = (projectId: string | undefined): Promise<AuthClient> =>
    (auth ??= import("google-auth-library")
      .then(async ({ GoogleAuth }) => {
        const ga = new GoogleAuth({
          scopes: [SCOPE],
          ...(projectId ? { projectId } : {}),
          ...extra,
        });
        return ga.getClient();
      })
      .catch((e: unknown) => {
        auth = undefined; // a retry asks again (the metadata server may answer now)
        throw e;
      }));

  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    // A plain-text endpoint is an emulator: no credentials asked, none sent.
    const client = secure
      ? await tokenStep(() => authClient(/^\/v1\/projects\/([^/]+)/.exec(path)?.[1]))
      : undefined;
    const host = endpoint?.host ?? `secretmanager.${client?.universeDomain ?? "googleapis.com"}`;
    const port = endpoint?.port ?? 443;
    const bracketed = host.includes(":") ? `[${host}]` : host;
    const base = `${secure ? "https" : "http"}://${bracketed}:${port}`;
    const headers: Record<string, string> = { accept: "application/json" };
    if (client)
      (await tokenStep(() => client.getRequestHeaders(base + path))).forEach(
        (v, k) => (headers[k] = v),
      );
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body), "utf8");
    if (data) {
      headers["content-type"] = "application/json; charset=utf-8";
      headers["content-length"] = String(data.length);
    }
    headers.host = port === (secure ? 443 : 80) ? bracketed : `${bracketed}:${port}`;
    let pool = pools.get(base);
    if (!pool) pools.set(base, (pool = new Http1Pool(new URL(base))));
    const call = pool.request(
      method,
      path,
      headers,
      data ?? "",
      timeoutMs === undefined
        ? undefined
        : {
            ms: timeoutMs,
            error: () =>
              new GsmRestError(CODES.DEADLINE_EXCEEDED!, `Deadline of ${timeoutMs} ms exceeded`, 0),
          },
    );
    let text: { status: number; body: string };
    try {
      const r = await call.response;
      text = { status: r.status, body: r.body.toString("utf8") };
    } catch (e) {
      throw e instanceof GsmRestError ? e : networkError(e, base);
    }
    if (text.status < 200 || text.status > 299) throw restError(text.status, text.body);
    return (text.body === "" ? {} : JSON.parse(text.body)) as T;
  }

  const page = (pageToken: string, pageSize = PAGE_SIZE): string =>
    `?pageSize=${pageSize}${pageToken ? `&pageToken=${encodeURIComponent(pageToken)}` : ""}`;

  return {
    async accessSecretVersion(name) {
      const r = await call<{ name?: string; payload?: { data?: string } }>(
        "GET",
        pathOf(name, ":access"),
      );
      return { name: r.name ?? name, data: Buffer.from(r.payload?.data ?? "", "base64") };
    },
    async getSecretVersion(name) {
      const v = await call<RestVersion>("GET", pathOf(name));
      return { name: v.name ?? name, state: v.state ?? "STATE_UNSPECIFIED" };
    },
    async listSecretVersions(parent, pageToken, pageSize = PAGE_SIZE) {
      const r = await call<{ versions?: RestVersion[]; nextPageToken?: string }>(
        "GET",
        pathOf(parent, "/versions") + page(pageToken, pageSize),
      );
      return {
        versions: (r.versions ?? []).map((v) => ({
          id: /\/versions\/([^/]+)$/.exec(v.name ?? "")?.[1] ?? "",
          state: v.state ?? "STATE_UNSPECIFIED",
          createTime: toDate(v.createTime),
        })),
        next: r.nextPageToken ?? "",
      };
    },
    async listSecrets(parent, pageToken) {
      const r = await call<{ secrets?: RestSecret[]; nextPageToken?: string }>(
        "GET",
        pathOf(parent, "/secrets") + page(pageToken),
      );
      return { secrets: (r.secrets ?? []).map((s) => listed(s)), next: r.nextPageToken ?? "" };
    },
    async getSecret(name) {
      return listed(await call<RestSecret>("GET", pathOf(name)), name);
    },
    async updateSecretLabels(name, labels, etag) {
      await call("PATCH", `${pathOf(name)}?updateMask=labels`, {
        labels,
        ...(etag ? { etag } : {}),
      });
    },
    async createSecret(parent, secretId, labels, annotations) {
      await call("POST", `${pathOf(parent, "/secrets")}?secretId=${encodeURIComponent(secretId)}`, {
        replication: { automatic: {} },
        labels,
        annotations,
      });
    },
    async addSecretVersion(parent, data) {
      const v = await call<RestVersion>("POST", pathOf(parent, ":addVersion"), {
        payload: { data: data.toString("base64") },
      });
      return v.name ?? "";
    },
    async disableSecretVersion(name) {
      await call("POST", pathOf(name, ":disable"), {});
    },
    async deleteSecret(name) {
      await call("DELETE", pathOf(name));
    },
    close() {
      // Idle keep-alive sockets would hold the process open.
      for (const p of pools.values()) p.destroy();
      return Promise.resolve();
    },
  };
}
