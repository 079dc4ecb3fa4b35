/**
 * One client per store per command (issue 24, item 5): the Google per-key store lists,
 * reads and adopts the secrets other tools made over its own client. Its API is
 * wrapped to count calls and closes: every call of the foreign access goes through the
 * store's client, closing the access leaves it open, and only the store closes it.
 * Official client on the harness's emulator.
 */
import { afterAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../src/logger.js";
import { createGsmApi, type GsmApi } from "../../src/providers/gcp/api.js";
import { createGsmStore, GsmPerKeyStore } from "../../src/providers/gcp/secret-manager.js";
import { parseEndpoint } from "../../src/providers/gcp/target.js";
import { parseRemoteUri } from "../../src/providers/uri.js";
import { freshGsmProject, gsmAdmin, gsmEndpoint } from "../support/gsm-admin.js";

const gsm = gsmAdmin();
afterAll(() => gsm.close());

describe("Google per-key: foreign entries over the store's own client", () => {
  it("lists, reads and adopts through the store's client and never closes it", async () => {
    const project = freshGsmProject("oneclient");
    const parent = `projects/${project}`;
    for (const [id, labels] of [
      ["app_MINE", { "managed-by": "envsync" }],
      ["app_THEIRS", {}],
    ] as const) {
      const [s] = await gsm
        .client()
        .createSecret({ parent, secretId: id, secret: { replication: { automatic: {} }, labels } });
      await gsm
        .client()
        .addSecretVersion({ parent: s.name!, payload: { data: Buffer.from(id.toLowerCase()) } });
    }
    const api = createGsmApi(parseEndpoint(`http://${gsmEndpoint()}`), {});
    const calls: string[] = [];
    const wrapped: GsmApi = {
      ...api,
      listSecrets: (p, t) => (calls.push("list"), api.listSecrets(p, t)),
      accessSecretVersion: (n) => (calls.push("access"), api.accessSecretVersion(n)),
      updateSecretLabels: (n, l, e) => (calls.push("label"), api.updateSecretLabels(n, l, e)),
      close: () => (calls.push("close"), api.close()),
    };
    const store = createGsmStore(
      parseRemoteUri(`gcp-sm://${project}/app_*`),
      { cwd: process.cwd(), env: {}, logger: silentLogger, concurrency: 2 },
      wrapped,
    );
    expect(store).toBeInstanceOf(GsmPerKeyStore);
    const access = await (store as GsmPerKeyStore).foreign();
    expect(access).not.toBeNull();
    const found = await access.list();
    expect(found).toEqual([{ name: "app_THEIRS", key: "THEIRS" }]);
    expect(Object.fromEntries(await access.read(found))).toEqual({ THEIRS: "app_theirs" });
    await access.adopt(found);
    await access.close?.();
    expect(calls).toEqual(["list", "access", "label"]);
    // The store's client is still open, and its read now includes what was adopted.
    const read = await store.read();
    expect(Object.fromEntries(read.values)).toEqual({ MINE: "app_mine", THEIRS: "app_theirs" });
    await store.close();
    expect(calls.filter((c) => c === "close")).toEqual(["close"]);
  });
});
