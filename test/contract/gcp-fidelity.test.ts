/**
 * Secret Manager as it documents itself, checked against envsync's stand-in
 * (test/harness/emulators/gsm.ts) with the raw official client, so a stand-in that
 * resolved `latest` to the newest enabled version, listed versions in insertion order
 * or paged unstably fails here; then envsync paging through a listing longer than one
 * page of the size the real service serves (25,000).
 */
import { randomBytes } from "node:crypto";
import type { SecretManagerServiceClient } from "@google-cloud/secret-manager";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../src/logger.js";
import {
  createGsmApi,
  parseTransport,
  TRANSPORT_ENV,
  type GsmApi,
} from "../../src/providers/gcp/api.js";
import { createGsmStore } from "../../src/providers/gcp/secret-manager.js";
import { parseEndpoint } from "../../src/providers/gcp/target.js";
import type { StoreContext } from "../../src/providers/types.js";
import { parseRemoteUri } from "../../src/providers/uri.js";
import type { RunningEmulator } from "../harness/common.js";
import { REAL_MAX_PAGE, startGsm } from "../harness/emulators/gsm.js";
import { gsmClientOn } from "../support/gsm-admin.js";

const freshProject = (): string => `envsync-f-${randomBytes(5).toString("hex")}`;
const clientOn = gsmClientOn;
const versionIdOf = (name: string | null | undefined): string => name?.split("/").pop() ?? "";

// Always envsync's own stand-in (even where the Go emulator is installed): it is what
// is checked here. One instance for the file, holding 25,000 unlabelled secrets in
// `seeded` from the start (created one by one, they would take minutes).
const seeded = freshProject();
let emu: RunningEmulator;
let endpoint: string;
let client: SecretManagerServiceClient;
beforeAll(async () => {
  emu = await startGsm({
    own: true,
    seed: { project: seeded, prefix: "aaa_", count: REAL_MAX_PAGE },
  });
  endpoint = emu.env.ENVSYNC_TEST_GSM_ENDPOINT!;
  client = clientOn(endpoint);
});
afterAll(async () => {
  await client?.close();
  await emu?.stop();
});

describe("Secret Manager stand-in: documented orders", () => {
  async function secretWithVersions(n: number): Promise<string> {
    const parent = `projects/${freshProject()}`;
    const [s] = await client.createSecret({
      parent,
      secretId: "s",
      secret: { replication: { automatic: {} } },
    });
    for (let i = 1; i <= n; i++)
      await client.addSecretVersion({ parent: s.name!, payload: { data: Buffer.from(`v${i}`) } });
    return s.name!;
  }

  it("versions/latest is the newest version whatever its state", async () => {
    const name = await secretWithVersions(3);
    await client.disableSecretVersion({ name: `${name}/versions/3` });
    const [latest] = await client.getSecretVersion({ name: `${name}/versions/latest` });
    expect(versionIdOf(latest.name)).toBe("3");
    expect(latest.state).toBe("DISABLED");
    await expect(
      client.accessSecretVersion({ name: `${name}/versions/latest` }),
    ).rejects.toMatchObject({ code: grpc.status.FAILED_PRECONDITION });
  });

  it("ListSecretVersions comes newest first", async () => {
    const name = await secretWithVersions(4);
    const [versions] = await client.listSecretVersions({ parent: name });
    expect(versions.map((v) => versionIdOf(v.name))).toEqual(["4", "3", "2", "1"]);
  });

  it("ListSecrets pages are stable under pageToken: every secret once, the same page again", async () => {
    const parent = `projects/${freshProject()}`;
    const ids = Array.from({ length: 7 }, (_, i) => `s${i}`);
    for (const secretId of ids)
      await client.createSecret({ parent, secretId, secret: { replication: { automatic: {} } } });
    const seen: string[] = [];
    const tokens: string[] = [];
    let token = "";
    do {
      const [page, , res] = await client.listSecrets(
        { parent, pageSize: 3, pageToken: token },
        { autoPaginate: false },
      );
      expect(page.length).toBeLessThanOrEqual(3);
      seen.push(...page.map((s) => versionIdOf(s.name)));
      tokens.push(token);
      token = res?.nextPageToken ?? "";
    } while (token !== "");
    expect(tokens.length).toBe(3);
    expect([...seen].sort()).toEqual(ids);
    // Asking for a page again gives the same secrets (in any order).
    const names = async (pageToken: string): Promise<string[]> => {
      const [page] = await client.listSecrets(
        { parent, pageSize: 3, pageToken },
        { autoPaginate: false },
      );
      return page.map((s) => versionIdOf(s.name)).sort();
    };
    expect(await names(tokens[1]!)).toEqual(await names(tokens[1]!));
  });
});

describe("envsync pages through listings longer than the real page size", () => {
  const project = seeded;
  it("per-key read finds keys listed only on the second 25,000-secret page", async () => {
    const listCalls: string[] = [];
    const api = createGsmApi(
      parseEndpoint(`http://${endpoint}`),
      {},
      undefined,
      parseTransport(process.env[TRANSPORT_ENV]),
    );
    const counting: GsmApi = {
      ...api,
      listSecrets: (parent, token) => {
        listCalls.push(token);
        return api.listSecrets(parent, token);
      },
    };
    const ctx: StoreContext = { cwd: process.cwd(), env: {}, logger: silentLogger, concurrency: 4 };
    const uri = parseRemoteUri(`gcp-sm://${project}/zz_*`);
    const writer = createGsmStore(uri, ctx, counting);
    const keys = { A: "1", B: "2", C: "3" };
    await writer.write({ set: new Map(Object.entries(keys)), delete: [] }, await writer.read());
    // The stand-in serves the real page size: one full page, then more.
    const [first, , res] = await client.listSecrets(
      { parent: `projects/${project}`, pageSize: REAL_MAX_PAGE + 1 },
      { autoPaginate: false },
    );
    expect(first.length).toBe(REAL_MAX_PAGE);
    expect(res?.nextPageToken).toBeTruthy();
    listCalls.length = 0;
    const reader = createGsmStore(uri, ctx, counting);
    expect(Object.fromEntries((await reader.read()).values)).toEqual(keys);
    expect(listCalls).toHaveLength(2);
    expect(listCalls[1]).not.toBe("");
    await api.close();
  });
});
