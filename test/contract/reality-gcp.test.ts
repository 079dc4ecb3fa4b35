/**
 * Google Secret Manager per-key through the reality mode of envsync's gRPC stand-in
 * (test/harness/emulators/gsm.ts, docs/CLOUD-BEHAVIOUR.md): Google documents every
 * operation but "add a version, then access it by number" as eventually consistent, so
 * ListSecrets may not show a secret just made or may still show one just deleted. The
 * lag is switched by the stand-in's control port, never by a clock. A known key the
 * listing leaves out is asked for by name; a deletion it still shows is confirmed by
 * the read of the secret itself.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../src/logger.js";
import { createStore } from "../../src/providers/gcp/secret-manager.js";
import type { ChangeSet, StoreContext } from "../../src/providers/types.js";
import { parseRemoteUri } from "../../src/providers/uri.js";
import type { RunningEmulator } from "../harness/common.js";
import { startGsm } from "../harness/emulators/gsm.js";

let gsm: RunningEmulator;
beforeAll(async () => {
  gsm = await startGsm({ own: true, control: true });
});
afterAll(async () => {
  await gsm.stop();
});

const ctx: StoreContext = { cwd: process.cwd(), env: {}, logger: silentLogger, concurrency: 4 };
const changes = (set: Record<string, string>, del: string[] = []): ChangeSet => ({
  set: new Map(Object.entries(set)),
  delete: del,
});
const ctl = async (path: string, method: "PUT" | "POST"): Promise<void> => {
  const r = await fetch(`${gsm.env.ENVSYNC_TEST_GSM_CONTROL_URL!}${path}`, { method });
  expect(r.status).toBe(200);
};
const open = (target: string) =>
  createStore(
    parseRemoteUri(`gcp-sm://${target}?endpoint=http://${gsm.env.ENVSYNC_TEST_GSM_ENDPOINT!}`),
    ctx,
  );

describe("reality layer: Google Secret Manager per-key", () => {
  it("a key the listing does not show yet is found by name; a deletion it still shows is confirmed absent", async () => {
    const project = `envsync-lag-${randomBytes(5).toString("hex")}`;
    const s = open(`${project}/app_*`);
    await s.write(changes({ OLD: "1", GONE: "x" }), await s.read());
    await ctl(`/listing-lag?on=1&scope=projects/${project}/`, "PUT");
    await s.write(changes({ NEW: "2" }, ["GONE"]), await s.read());
    // Without a base, the read sees only what the listing shows (GONE is read and found gone).
    expect(Object.fromEntries((await s.read()).values)).toEqual({ OLD: "1" });
    const snap = await s.read({ knownKeys: new Set(["OLD", "NEW", "GONE"]) });
    expect(Object.fromEntries(snap.values)).toEqual({ OLD: "1", NEW: "2" });
    expect(snap.unconfirmed ?? []).toEqual([]);
    expect(snap.warnings).toEqual([
      "listing incomplete: NEW was missing from the listing but found by name",
    ]);
    await ctl(`/listing-settle?scope=projects/${project}/`, "POST");
    await ctl(`/listing-lag?on=0&scope=projects/${project}/`, "PUT");
    expect(Object.fromEntries((await s.read()).values)).toEqual({ OLD: "1", NEW: "2" });
    await s.close?.();
  });
});
