/**
 * Google Cloud Secret Manager against the emulator started by the harness
 * (test/harness/emulators/gsm.ts): the shared store contract on both layouts, then
 * what only this store has: disabled/destroyed latest versions, secrets without the
 * envsync label, paging and client-side filtering, and errors users meet.
 *
 * The emulator keeps state for the whole run and has no reset: every remote gets a
 * fresh project id.
 */
import { randomBytes } from "node:crypto";
import type { SecretManagerServiceClient } from "@google-cloud/secret-manager";
import { afterAll, describe, expect, it } from "vitest";
import { isEnvsyncError } from "../../src/errors.js";
import { silentLogger } from "../../src/logger.js";
import { createStore } from "../../src/providers/gcp/secret-manager.js";
import type { ChangeSet, Store, StoreContext } from "../../src/providers/types.js";
import { parseRemoteUri } from "../../src/providers/uri.js";
import { runStoreContract } from "./store-contract.js";
import { gsmAdmin, gsmEndpoint } from "../support/gsm-admin.js";

const endpoint = gsmEndpoint;
const ctx: StoreContext = { cwd: process.cwd(), env: {}, logger: silentLogger, concurrency: 8 };
const freshProject = (): string => `envsync-t-${randomBytes(5).toString("hex")}`;
const open = (target: string): Store =>
  createStore(parseRemoteUri(`gcp-sm://${target}?endpoint=http://${endpoint()}`), ctx);

/** A raw client on the emulator, to act as "someone else" (console, gcloud). */
const gsm = gsmAdmin();
const admin = (): SecretManagerServiceClient => gsm.client();
afterAll(() => gsm.close());

const targets = new WeakMap<Store, string>();
function fresh(target: (project: string) => string): () => Promise<Store> {
  return () => {
    const t = target(freshProject());
    const s = open(t);
    targets.set(s, t);
    return Promise.resolve(s);
  };
}
const twin = (s: Store): Promise<Store> => Promise.resolve(open(targets.get(s)!));

runStoreContract("gcp-sm bundle", { fresh: fresh((p) => `${p}/app_env`), twin });

runStoreContract("gcp-sm per-key", {
  fresh: fresh((p) => `${p}/app_dev_*`),
  twin,
  badKey: "DB.URL",
  // Not an emulator difference: the real Secret Manager refuses empty versions
  // ("Field [payload] is required"), so envsync refuses empty values in per-key
  // layout before writing (exit 2, tested below); the emulator does the same.
  emptyValuesUnsupportedByEmulator: true,
});

const changes = (set: Record<string, string>, del: string[] = []): ChangeSet => ({
  set: new Map(Object.entries(set)),
  delete: del,
});

async function thrown(p: Promise<unknown> | (() => unknown)): Promise<unknown> {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    return e;
  }
  throw new Error("expected an error");
}

describe("gcp-sm bundle layout", () => {
  it("stores one JSON object per version and adds a version per write", async () => {
    const project = freshProject();
    const s = open(`${project}/web`);
    await s.write(changes({ A: "1" }), await s.read());
    await s.write(changes({ B: "2" }), await s.read());
    const [access] = await admin().accessSecretVersion({
      name: `projects/${project}/secrets/web/versions/latest`,
    });
    expect(JSON.parse(access.payload!.data!.toString())).toEqual({ A: "1", B: "2" });
    expect((await s.read()).version).toBe("2");
    const [secret] = await admin().getSecret({ name: `projects/${project}/secrets/web` });
    expect(secret.labels).toEqual({ "managed-by": "envsync" });
    expect((await s.listVersions!()).map((v) => v.id)).toEqual(["2", "1"]);
    expect(Object.fromEntries((await s.readVersion!("1")).values)).toEqual({ A: "1" });
    await s.close?.();
  });

  it("falls back to the newest enabled version when the latest is disabled, with a note, and guards writes by the newest", async () => {
    const project = freshProject();
    const s = open(`${project}/web`);
    await s.write(changes({ A: "one" }), await s.read());
    await s.write(changes({ A: "two" }), await s.read());
    await s.write(changes({ A: "three" }), await s.read());
    await admin().disableSecretVersion({ name: `projects/${project}/secrets/web/versions/3` });
    await admin().destroySecretVersion({ name: `projects/${project}/secrets/web/versions/2` });
    const snap = await s.read();
    expect(Object.fromEntries(snap.values)).toEqual({ A: "one" });
    expect(snap.version).toBe("3");
    expect(snap.notes?.join("\n")).toMatch(/latest version 3 is disabled; read version 1/);
    const res = await s.write(changes({ B: "b" }), snap);
    expect(res.version).toBe("4");
    expect(Object.fromEntries((await s.read()).values)).toEqual({ A: "one", B: "b" });
    await s.close?.();
  });

  it("refuses to read a bundle whose every version is disabled (never an empty bundle)", async () => {
    const project = freshProject();
    const s = open(`${project}/web`);
    await s.write(changes({ A: "1" }), await s.read());
    await admin().disableSecretVersion({ name: `projects/${project}/secrets/web/versions/1` });
    const err = await thrown(s.read());
    expect(isEnvsyncError(err, "NOT_FOUND")).toBe(true);
    expect((err as { hint: string }).hint).toContain("gcloud secrets versions enable");
    await s.close?.();
  });

  it("reads a secret that is not a JSON object as a PARSE error that shows no content", async () => {
    const project = freshProject();
    await admin().createSecret({
      parent: `projects/${project}`,
      secretId: "plain",
      secret: { replication: { automatic: {} } },
    });
    await admin().addSecretVersion({
      parent: `projects/${project}/secrets/plain`,
      payload: { data: Buffer.from("hunter2-not-json") },
    });
    const err = await thrown(open(`${project}/plain`).read());
    expect(isEnvsyncError(err, "PARSE")).toBe(true);
    expect(String(err)).not.toContain("hunter2");
  });
});

describe("gcp-sm per-key layout", () => {
  it("keeps the key in an annotation and the managed-by label; writes only changed keys", async () => {
    const project = freshProject();
    const s = open(`${project}/app_`.concat("*"));
    await s.write(changes({ A: "1", B: "2" }), await s.read());
    const [secret] = await admin().getSecret({ name: `projects/${project}/secrets/app_A` });
    expect(secret.labels).toEqual({ "managed-by": "envsync" });
    expect(secret.annotations).toEqual({ "envsync-key": "A" });
    const snap = await s.read();
    const res = await s.write(changes({ A: "1", B: "22" }), snap);
    expect([...(res.keyVersions ?? new Map()).keys()]).toEqual(["B"]);
    const after = await s.read();
    expect(after.keyVersions.get("A")).toBe("1");
    expect(after.keyVersions.get("B")).toBe("2");
    await s.close?.();
  });

  it("never reads or touches a secret under the prefix without the managed-by label", async () => {
    const project = freshProject();
    await admin().createSecret({
      parent: `projects/${project}`,
      secretId: "app_FOREIGN",
      secret: { replication: { automatic: {} } },
    });
    await admin().addSecretVersion({
      parent: `projects/${project}/secrets/app_FOREIGN`,
      payload: { data: Buffer.from("theirs") },
    });
    const s = open(`${project}/app_*`);
    await s.write(changes({ MINE: "m" }), await s.read());
    const snap = await s.read();
    expect(Object.fromEntries(snap.values)).toEqual({ MINE: "m" });
    const err = await thrown(s.write(changes({ FOREIGN: "ours", MINE: "m2" }), snap));
    expect(isEnvsyncError(err, "NAME")).toBe(true);
    expect((err as { exitCode: number }).exitCode).toBe(2);
    const [v] = await admin().accessSecretVersion({
      name: `projects/${project}/secrets/app_FOREIGN/versions/latest`,
    });
    expect(v.payload!.data!.toString()).toBe("theirs");
    expect(Object.fromEntries((await s.read()).values)).toEqual({ MINE: "m" });
    await s.close?.();
  });

  // Depends on the emulators ignoring ListSecrets' `filter` (Google applies it): envsync
  // filters on prefix and label itself, and this shows it does.
  it("ignores other prefixes and secrets of other tools in the same project", async () => {
    const project = freshProject();
    const a = open(`${project}/a_*`);
    const ab = open(`${project}/ab_*`);
    await a.write(changes({ X: "1" }), await a.read());
    await ab.write(changes({ Y: "2" }), await ab.read());
    // `a_*` must not see `ab_Y`, whose id does not start with `a_`; `ab_*` must not see `a_X`.
    expect(Object.fromEntries((await a.read()).values)).toEqual({ X: "1" });
    expect(Object.fromEntries((await ab.read()).values)).toEqual({ Y: "2" });
    await a.close?.();
    await ab.close?.();
  });

  it("falls back when a key's latest version is disabled or destroyed (none enabled: see gcp-absent.test.ts)", async () => {
    const project = freshProject();
    const s = open(`${project}/k_*`);
    await s.write(changes({ A: "a1", B: "b1", C: "c1" }), await s.read());
    await s.write(changes({ A: "a2", B: "b2" }), await s.read());
    await admin().disableSecretVersion({ name: `projects/${project}/secrets/k_A/versions/2` });
    await admin().destroySecretVersion({ name: `projects/${project}/secrets/k_B/versions/2` });
    const snap = await s.read();
    expect(Object.fromEntries(snap.values)).toEqual({ A: "a1", B: "b1", C: "c1" });
    expect(snap.keyVersions.get("A")).toBe("2");
    const notes = snap.notes?.join("\n") ?? "";
    expect(notes).toMatch(/k_A: the latest version 2 is disabled; read version 1/);
    expect(notes).toMatch(/k_B: the latest version 2 is destroyed; read version 1/);
    // A write to such keys is guarded by the newest version (2), not the one read (1).
    await s.write(changes({ A: "a3", C: "c2" }), snap);
    const after = await s.read();
    expect(Object.fromEntries(after.values)).toEqual({ A: "a3", B: "b1", C: "c2" });
    await s.close?.();
  });

  it("refuses names the store cannot hold and empty values before writing (exit 2)", async () => {
    const s = open(`${freshProject()}/p_*`);
    const long = "K".repeat(254);
    for (const bad of [
      changes({ "DB.URL": "x" }),
      changes({ [long]: "x" }),
      changes({ EMPTY: "" }),
    ]) {
      const err = await thrown(() => s.validate(bad.set, bad));
      expect((err as { exitCode: number }).exitCode).toBe(2);
    }
    const err = await thrown(s.write(changes({ OK: "1", EMPTY: "" }), await s.read()));
    expect(isEnvsyncError(err, "LIMIT")).toBe(true);
    expect((await s.read()).exists).toBe(false);
    await s.close?.();
  });

  // Pages as large as Google serves (25,000) are paged through in gcp-fidelity.test.ts;
  // here the Go emulator ignores `filter` and shuffles pages, which the client-side
  // prefix/label filter must survive.
  it("lists past one page and reads many keys with bounded parallelism", async () => {
    const project = freshProject();
    const s = open(`${project}/m_*`);
    const many = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`K${i}`, `v${i}`]));
    await s.write(changes(many), await s.read());
    // Unlabelled noise in the same project, listed and filtered out client-side.
    await admin().createSecret({
      parent: `projects/${project}`,
      secretId: "m_noise",
      secret: { replication: { automatic: {} } },
    });
    expect(Object.fromEntries((await s.read()).values)).toEqual(many);
    await s.close?.();
  });

  it("refuses to overwrite a key another writer changed (exit 5), naming no value", async () => {
    const project = freshProject();
    const s = open(`${project}/c_*`);
    await s.write(changes({ A: "1", B: "2" }), await s.read());
    const stale = await s.read();
    await admin().addSecretVersion({
      parent: `projects/${project}/secrets/c_B`,
      payload: { data: Buffer.from("console-edit") },
    });
    const err = await thrown(s.write(changes({ A: "mine", B: "mine" }), stale));
    expect(isEnvsyncError(err, "REMOTE_CHANGED")).toBe(true);
    expect(String((err as Error).message)).not.toContain("console-edit");
    expect(Object.fromEntries((await s.read()).values)).toEqual({ A: "1", B: "console-edit" });
    await s.close?.();
  });
});

describe("gcp-sm errors users meet", () => {
  it("an unreachable endpoint is a NETWORK error (exit 1) after bounded retries", async () => {
    const s = createStore(parseRemoteUri("gcp-sm://p/s?endpoint=http://127.0.0.1:1"), {
      ...ctx,
      retry: { maxAttempts: 2, maxDelayMs: 10 },
    });
    const err = await thrown(s.read());
    expect(isEnvsyncError(err, "NETWORK")).toBe(true);
    expect((err as { exitCode: number }).exitCode).toBe(1);
    await s.close?.();
  });

  it("malformed URIs and endpoints are exit 2 before any call", async () => {
    for (const uri of [
      "gcp-sm://proj",
      "gcp-sm://proj/bad.name",
      "gcp-sm://proj/a b*",
      "gcp-sm://p/s?endpoint=ftp://x",
    ]) {
      const err = await thrown(() => createStore(parseRemoteUri(uri), ctx));
      expect((err as { exitCode: number }).exitCode, uri).toBe(2);
    }
  });
});
