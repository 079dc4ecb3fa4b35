/**
 * {@link GsmApi} over the official `@google-cloud/secret-manager` client (gRPC), the
 * transport chosen with `transport=grpc` (api.ts). Only api.ts's lazy import reaches
 * this file, so the gRPC and protobuf stack loads only for a gRPC remote.
 */
import { SecretManagerServiceClient } from "@google-cloud/secret-manager";
import * as grpc from "@grpc/grpc-js";
import type { GsmApi } from "./api.js";
import type { GcpEndpoint } from "./target.js";

const STATES = ["STATE_UNSPECIFIED", "ENABLED", "DISABLED", "DESTROYED"];

function stateName(state: unknown): string {
  if (typeof state === "number") return STATES[state] ?? String(state);
  return typeof state === "string" ? state : "STATE_UNSPECIFIED";
}

function toDate(ts: { seconds?: unknown; nanos?: unknown } | null | undefined): Date | null {
  if (!ts || ts.seconds === undefined || ts.seconds === null) return null;
  const seconds = Number(ts.seconds);
  const nanos = typeof ts.nanos === "number" ? ts.nanos : 0;
  return Number.isFinite(seconds) ? new Date(seconds * 1000 + Math.floor(nanos / 1e6)) : null;
}

function toBuffer(data: unknown): Buffer {
  if (data === null || data === undefined) return Buffer.alloc(0);
  if (typeof data === "string") return Buffer.from(data, "base64");
  return Buffer.from(data as Uint8Array);
}

/** Largest page the API serves (ListSecrets and ListSecretVersions). */
const PAGE_SIZE = 25_000;

/**
 * Client options for an endpoint. An insecure (emulator) endpoint gets plain-text
 * channel credentials: google-gax then uses them as they are and never asks Google
 * ADC for a token or a universe domain, so no credentials and no metadata server are
 * needed. Any other endpoint (or none) uses TLS with ADC.
 */
export function clientOptionsFor(endpoint: GcpEndpoint | undefined): Record<string, unknown> {
  if (!endpoint) return {};
  return {
    apiEndpoint: endpoint.host,
    port: endpoint.port,
    // With an explicit universe domain google-gax does not ask ADC for one (which
    // would look for credentials and probe the metadata server first).
    ...(endpoint.insecure
      ? { sslCreds: grpc.credentials.createInsecure(), universeDomain: "googleapis.com" }
      : {}),
  };
}

/**
 * Builds the API over the official client (gRPC). `extra` is merged into the client's
 * options (StoreContext.clientOptions["gcp-sm"]); `timeoutMs` bounds each call.
 * The client's own retries are turned off: envsync's `withRetry` is the one policy.
 */
export function createGrpcGsmApi(
  endpoint: GcpEndpoint | undefined,
  extra: Record<string, unknown>,
  timeoutMs?: number,
): GsmApi {
  const client = new SecretManagerServiceClient({
    ...clientOptionsFor(endpoint),
    ...extra,
  } as ConstructorParameters<typeof SecretManagerServiceClient>[0]);
  const opts = { retry: null, ...(timeoutMs === undefined ? {} : { timeout: timeoutMs }) } as const;
  // Each client method calls `initialize().catch((err) => { throw err; })`, which turns
  // a failed start (no ADC credentials) into an unhandled rejection that kills the
  // process. Starting the client here first, and never calling a method once that
  // failed, keeps the failure a normal error envsync can explain.
  let ready: Promise<unknown> | undefined;
  const start = (): Promise<unknown> => (ready ??= client.initialize());
  return {
    async accessSecretVersion(name) {
      await start();
      const [res] = await client.accessSecretVersion({ name }, opts);
      return { name: res.name ?? name, data: toBuffer(res.payload?.data) };
    },
    async getSecretVersion(name) {
      await start();
      const [v] = await client.getSecretVersion({ name }, opts);
      return { name: v.name ?? name, state: stateName(v.state) };
    },
    async listSecretVersions(parent, pageToken, pageSize = PAGE_SIZE) {
      await start();
      const [versions, , res] = await client.listSecretVersions(
        { parent, pageSize, pageToken },
        { ...opts, autoPaginate: false },
      );
      return {
        versions: versions.map((v) => ({
          id: /\/versions\/([^/]+)$/.exec(v.name ?? "")?.[1] ?? "",
          state: stateName(v.state),
          createTime: toDate(v.createTime),
        })),
        next: res?.nextPageToken ?? "",
      };
    },
    async listSecrets(parent, pageToken) {
      await start();
      const [secrets, , res] = await client.listSecrets(
        { parent, pageSize: PAGE_SIZE, pageToken },
        { ...opts, autoPaginate: false },
      );
      return {
        secrets: secrets.map((s) => ({
          name: s.name ?? "",
          labels: { ...s.labels },
          annotations: { ...s.annotations },
          ...(s.etag ? { etag: s.etag } : {}),
        })),
        next: res?.nextPageToken ?? "",
      };
    },
    async getSecret(name) {
      await start();
      const [s] = await client.getSecret({ name }, opts);
      return {
        name: s.name ?? name,
        labels: { ...s.labels },
        annotations: { ...s.annotations },
        ...(s.etag ? { etag: s.etag } : {}),
      };
    },
    async updateSecretLabels(name, labels, etag) {
      await start();
      await client.updateSecret(
        {
          secret: { name, labels, ...(etag ? { etag } : {}) },
          updateMask: { paths: ["labels"] },
        },
        opts,
      );
    },
    async createSecret(parent, secretId, labels, annotations) {
      await start();
      await client.createSecret(
        { parent, secretId, secret: { replication: { automatic: {} }, labels, annotations } },
        opts,
      );
    },
    async addSecretVersion(parent, data) {
      await start();
      const [v] = await client.addSecretVersion({ parent, payload: { data } }, opts);
      return v.name ?? "";
    },
    async disableSecretVersion(name) {
      await start();
      await client.disableSecretVersion({ name }, opts);
    },
    async deleteSecret(name) {
      await start();
      await client.deleteSecret({ name }, opts);
    },
    async close() {
      // close() waits for the channel, which rejects again when it never opened
      // (no credentials): closing must not raise a second, unhandled error.
      await client.close().catch(() => undefined);
    },
  };
}
