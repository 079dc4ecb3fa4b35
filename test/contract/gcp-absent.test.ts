/**
 * Google Secret Manager: a read says "absent" only when it is (issue 12). NOT_FOUND
 * on `versions/latest` is confirmed with ListSecretVersions before the remote counts
 * as absent, and a secret whose versions are all disabled or destroyed is an error
 * with a hint (exit 1) on both layouts: read as absent, a sync would delete the
 * keys locally. Against the gsm emulator; "NOT_FOUND on latest while versions exist"
 * is injected over the real client, the rest is the emulator's own behaviour.
 */
import { randomBytes } from "node:crypto";
import type { SecretManagerServiceClient } from "@google-cloud/secret-manager";
import * as grpc from "@grpc/grpc-js";
import { afterAll, describe, expect, it } from "vitest";
import { isEnvsyncError } from "../../src/errors.js";
import { silentLogger } from "../../src/logger.js";
import {
  createGsmApi,
  parseTransport,
  TRANSPORT_ENV,
  type GsmApi,
} from "../../src/providers/gcp/api.js";
import { createGsmStore } from "../../src/providers/gcp/secret-manager.js";
import { parseEndpoint } from "../../src/providers/gcp/target.js";
import type { ChangeSet, Store, StoreContext } from "../../src/providers/types.js";
import { parseRemoteUri } from "../../src/providers/uri.js";
import { gsmAdmin, gsmEndpoint } from "../support/gsm-admin.js";

const endpoint = gsmEndpoint;
const ctx: StoreContext = { cwd: process.cwd(), env: {}, logger: silentLogger, concurrency: 4 };
const project = (): string => `envsync-abs-${randomBytes(5).toString("hex")}`;
const set = (o: Record<string, string>): ChangeSet => ({
  set: new Map(Object.entries(o)),
  delete: [],
});

const gsm = gsmAdmin();
const admin = (): SecretManagerServiceClient => gsm.client();
afterAll(() => gsm.close());

/** The real client; `latestNotFound` makes `versions/latest` answer NOT_FOUND. */
function open(target: string, latestNotFound = false): Store {
  const api = createGsmApi(
    parseEndpoint(`http://${endpoint()}`),
    {},
    undefined,
    parseTransport(process.env[TRANSPORT_ENV]),
  );
  const wrapped: GsmApi = {
    ...api,
    accessSecretVersion: (name) =>
      latestNotFound && name.endsWith("/versions/latest")
        ? Promise.reject(
            Object.assign(
              new Error(`5 NOT_FOUND: Secret [${name}] not found or has no versions.`),
              {
                code: grpc.status.NOT_FOUND,
              },
            ),
          )
        : api.accessSecretVersion(name),
  };
  return createGsmStore(parseRemoteUri(`gcp-sm://${target}`), ctx, wrapped);
}

async function thrown(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error("expected an error");
}

describe("gcp-sm: absent only when confirmed", () => {
  it("bundle: NOT_FOUND on latest while every version is destroyed is an error with a hint, not absent", async () => {
    const p = project();
    const s = open(`${p}/web`);
    await s.write(set({ A: "1" }), await s.read());
    await admin().destroySecretVersion({ name: `projects/${p}/secrets/web/versions/1` });
    const err = await thrown(open(`${p}/web`, true).read());
    expect(isEnvsyncError(err, "NOT_FOUND")).toBe(true);
    expect((err as { exitCode: number }).exitCode).toBe(1);
    expect((err as { hint: string }).hint).toMatch(/gcloud secrets versions/);
    await s.close?.();
  });

  it("bundle: NOT_FOUND on latest while an enabled version exists reads that version", async () => {
    const p = project();
    const s = open(`${p}/web`);
    await s.write(set({ A: "1" }), await s.read());
    const snap = await open(`${p}/web`, true).read();
    expect(snap.exists).toBe(true);
    expect(Object.fromEntries(snap.values)).toEqual({ A: "1" });
    await s.close?.();
  });

  it("bundle: a secret that does not exist, or has no version yet, reads as absent", async () => {
    const p = project();
    expect((await open(`${p}/web`, true).read()).exists).toBe(false);
    await admin().createSecret({
      parent: `projects/${p}`,
      secretId: "web",
      secret: { replication: { automatic: {} } },
    });
    expect((await open(`${p}/web`).read()).exists).toBe(false);
  });

  it("per-key: a key whose every version is disabled is an error with a hint, not an absent key", async () => {
    const p = project();
    const s = open(`${p}/k_*`);
    await s.write(set({ A: "a1", C: "c1" }), await s.read());
    await admin().disableSecretVersion({ name: `projects/${p}/secrets/k_C/versions/1` });
    const err = await thrown(s.read());
    expect(isEnvsyncError(err, "NOT_FOUND")).toBe(true);
    expect((err as { exitCode: number }).exitCode).toBe(1);
    expect(String((err as Error).message)).toContain("k_C");
    expect((err as { hint: string }).hint).toMatch(/enable/);
    await s.close?.();
  });

  it("per-key: NOT_FOUND on a key's latest while every version is destroyed is an error too", async () => {
    const p = project();
    const s = open(`${p}/k_*`);
    await s.write(set({ A: "a1", C: "c1" }), await s.read());
    await admin().destroySecretVersion({ name: `projects/${p}/secrets/k_C/versions/1` });
    const err = await thrown(open(`${p}/k_*`, true).read());
    expect(isEnvsyncError(err, "NOT_FOUND")).toBe(true);
    await s.close?.();
  });
});
