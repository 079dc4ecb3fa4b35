/**
 * `adopt` on Google keeps a label someone sets at the same moment: the official client
 * on the harness's emulator, with UpdateSecret wrapped so that a concurrent label edit
 * lands between envsync's GetSecret and its UpdateSecret. The stale etag is refused
 * (FAILED_PRECONDITION, as Google does), envsync re-reads and retries, and both labels
 * end up on the secret: nothing is overwritten.
 */
import { afterAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../src/logger.js";
import {
  createGsmApi,
  parseTransport,
  TRANSPORT_ENV,
  type GsmApi,
} from "../../src/providers/gcp/api.js";
import { openForeignWith } from "../../src/providers/gcp/foreign.js";
import { parseEndpoint } from "../../src/providers/gcp/target.js";
import { parseRemoteUri } from "../../src/providers/uri.js";
import { freshGsmProject, gsmAdmin, gsmEndpoint } from "../support/gsm-admin.js";

const gsm = gsmAdmin();
afterAll(() => gsm.close());

describe("adopt on Google under a concurrent label edit", () => {
  it("retries on the fresh etag and keeps the other writer's label", async () => {
    const project = freshGsmProject("etag");
    const name = `projects/${project}/secrets/app_TOKEN`;
    await gsm.client().createSecret({
      parent: `projects/${project}`,
      secretId: "app_TOKEN",
      secret: { replication: { automatic: {} }, labels: { team: "a" } },
    });
    const api = createGsmApi(
      parseEndpoint(`http://${gsmEndpoint()}`),
      {},
      undefined,
      parseTransport(process.env[TRANSPORT_ENV]),
    );
    const tries: string[] = [];
    const wrapped: GsmApi = {
      ...api,
      async updateSecretLabels(n, labels, etag) {
        if (tries.length === 0) {
          // Someone else relabels the secret right after envsync's GetSecret.
          await gsm.client().updateSecret({
            secret: { name: n, labels: { team: "a", owner: "ops" } },
            updateMask: { paths: ["labels"] },
          });
        }
        try {
          await api.updateSecretLabels(n, labels, etag);
          tries.push("ok");
        } catch (e) {
          tries.push(String((e as { code?: number }).code));
          throw e;
        }
      },
    };
    const access = openForeignWith(
      parseRemoteUri(`gcp-sm://${project}/app_*`),
      { cwd: process.cwd(), env: {}, logger: silentLogger, concurrency: 2 },
      wrapped,
    );
    try {
      const found = await access!.list();
      expect(found.map((e) => e.name)).toEqual(["app_TOKEN"]);
      await access!.adopt(found);
    } finally {
      await access!.close?.();
    }
    expect(tries).toEqual(["9", "ok"]); // FAILED_PRECONDITION, then the retry on the fresh etag
    const [s] = await gsm.client().getSecret({ name });
    expect({ ...s.labels }).toEqual({ team: "a", owner: "ops", "managed-by": "envsync" });
  });
});
