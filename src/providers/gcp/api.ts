/**
 * The few Secret Manager calls the store makes, behind a small promise interface, and
 * the transport that carries them: REST (rest-api.ts: JSON over HTTPS, credentials from
 * google-auth-library) by default, or gRPC (grpc-api.ts: the official
 * `@google-cloud/secret-manager` client) with `transport=grpc` in the URI or
 * ENVSYNC_GCP_SM_TRANSPORT=grpc. The gRPC client is imported on its first call, so a
 * REST command never loads grpc-js or protobufjs. Tests and the bench wrap a GsmApi to
 * count calls.
 */
import { EnvsyncError } from "../../errors.js";
import { createRestGsmApi } from "./rest-api.js";
import type { GcpEndpoint, ListedSecret, VersionState } from "./target.js";

/** The Secret Manager operations envsync uses (one method = one API call). */
export interface GsmApi {
  /** AccessSecretVersion: the payload and the resolved version name. */
  accessSecretVersion(name: string): Promise<{ name: string; data: Buffer }>;
  /** GetSecretVersion: metadata only (works on disabled and destroyed versions). */
  getSecretVersion(name: string): Promise<{ name: string; state: string }>;
  /**
   * One page of ListSecretVersions, newest first (the API sorts versions by create
   * time, newest first); `pageSize` defaults to the largest page.
   */
  listSecretVersions(
    parent: string,
    pageToken: string,
    pageSize?: number,
  ): Promise<{ versions: (VersionState & { createTime: Date | null })[]; next: string }>;
  /** One page of ListSecrets (the largest page size the API allows). */
  listSecrets(
    parent: string,
    pageToken: string,
  ): Promise<{ secrets: ListedSecret[]; next: string }>;
  /** GetSecret: labels, annotations and etag. */
  getSecret(name: string): Promise<ListedSecret>;
  /**
   * UpdateSecret with `update_mask: labels`: replaces the secret's labels with `labels`,
   * only if its etag is still `etag` (FAILED_PRECONDITION otherwise). Versions are untouched.
   */
  updateSecretLabels(name: string, labels: Record<string, string>, etag: string): Promise<void>;
  /** CreateSecret with automatic replication. */
  createSecret(
    parent: string,
    secretId: string,
    labels: Record<string, string>,
    annotations: Record<string, string>,
  ): Promise<void>;
  /** AddSecretVersion: returns the new version's name. */
  addSecretVersion(parent: string, data: Buffer): Promise<string>;
  /** DisableSecretVersion: the version stays listed but can no longer be accessed. */
  disableSecretVersion(name: string): Promise<void>;
  /** DeleteSecret (the secret and all its versions). */
  deleteSecret(name: string): Promise<void>;
  /** Closes the connection (gRPC channel, HTTP keep-alive sockets). */
  close(): Promise<void>;
}

/** The wire protocols a {@link GsmApi} can speak. */
export type GsmTransport = "rest" | "grpc";

/** Environment variable read when the URI has no `transport=`. */
export const TRANSPORT_ENV = "ENVSYNC_GCP_SM_TRANSPORT";

/**
 * The transport asked for: the URI's `transport=` first, then {@link TRANSPORT_ENV},
 * else REST. Anything else is a URI error (exit 2).
 */
export function parseTransport(raw: string | undefined): GsmTransport {
  const t = (raw ?? "").trim().toLowerCase();
  if (t === "" || t === "rest") return "rest";
  if (t === "grpc") return "grpc";
  throw new EnvsyncError("URI", `gcp-sm: unknown transport "${raw}".`, {
    hint: "Use transport=rest (the default) or transport=grpc.",
  });
}

const METHODS = [
  "accessSecretVersion",
  "getSecretVersion",
  "listSecretVersions",
  "listSecrets",
  "getSecret",
  "updateSecretLabels",
  "createSecret",
  "addSecretVersion",
  "disableSecretVersion",
  "deleteSecret",
] as const;

/** A GsmApi built on its first call (`close()` before that builds nothing). */
function deferred(load: () => Promise<GsmApi>): GsmApi {
  let api: Promise<GsmApi> | undefined;
  const out: Record<string, unknown> = {
    close: () =>
      api?.then(
        (a) => a.close(),
        () => undefined,
      ) ?? Promise.resolve(),
  };
  for (const m of METHODS)
    out[m] = async (...args: unknown[]) =>
      ((await (api ??= load()))[m] as (...a: unknown[]) => Promise<unknown>)(...args);
  return out as unknown as GsmApi;
}

/**
 * The API for an endpoint (none: Google's own) over `transport`. `extra`
 * (StoreContext.clientOptions["gcp-sm"]) goes to the gRPC client's options or to
 * GoogleAuth; `timeoutMs` bounds each call. Retries are envsync's (`withRetry`), never
 * the client's.
 */
export function createGsmApi(
  endpoint: GcpEndpoint | undefined,
  extra: Record<string, unknown>,
  timeoutMs?: number,
  transport: GsmTransport = "rest",
): GsmApi {
  if (transport === "rest") return createRestGsmApi(endpoint, extra, timeoutMs);
  return deferred(async () =>
    (await import("./grpc-api.js")).createGrpcGsmApi(endpoint, extra, timeoutMs),
  );
}
