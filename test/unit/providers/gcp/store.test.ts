/**
 * Store logic that needs no server: call counts, bounded parallelism and retries,
 * with a small in-memory GsmApi. The real client against the emulator is tested in
 * test/contract/gcp.test.ts.
 */
import { describe, expect, it } from "vitest";
import { isEnvsyncError } from "../../../../src/errors.js";
import { silentLogger } from "../../../../src/logger.js";
import type { GsmApi } from "../../../../src/providers/gcp/api.js";
import { createGsmStore } from "../../../../src/providers/gcp/secret-manager.js";
import type { Store, StoreContext } from "../../../../src/providers/types.js";
import { parseRemoteUri } from "../../../../src/providers/uri.js";

interface Secret {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  versions: Buffer[];
}

function memoryApi(): GsmApi & {
  calls: Record<string, number>;
  inFlight: number;
  maxInFlight: number;
  failNext: number[];
} {
  const secrets = new Map<string, Secret>();
  const status = (code: number, details: string) =>
    Object.assign(new Error(details), { code, details });
  const api = {
    calls: {} as Record<string, number>,
    inFlight: 0,
    maxInFlight: 0,
    failNext: [] as number[],
  };
  const wrap =
    <A extends unknown[], R>(name: string, fn: (...a: A) => R) =>
    async (...a: A): Promise<Awaited<R>> => {
      api.calls[name] = (api.calls[name] ?? 0) + 1;
      api.inFlight++;
      api.maxInFlight = Math.max(api.maxInFlight, api.inFlight);
      try {
        await new Promise((r) => setTimeout(r, 1));
        const code = api.failNext.shift();
        if (code !== undefined) throw status(code, "injected");
        return await fn(...a);
      } finally {
        api.inFlight--;
      }
    };
  const get = (name: string): Secret => {
    const s = secrets.get(name);
    if (!s) throw status(5, `Secret [${name}] not found`);
    return s;
  };
  const version = (name: string): { s: Secret; id: number } => {
    const [secret, id] = name.split("/versions/") as [string, string];
    const s = get(secret);
    const n = id === "latest" ? s.versions.length : Number(id);
    if (!s.versions[n - 1]) throw status(5, "no version");
    return { s, id: n };
  };
  return Object.assign(api, {
    accessSecretVersion: wrap("access", (name: string) => {
      const { s, id } = version(name);
      return { name: `${name.split("/versions/")[0]}/versions/${id}`, data: s.versions[id - 1]! };
    }),
    getSecretVersion: wrap("getVersion", (name: string) => {
      const { id } = version(name);
      return { name: `${name.split("/versions/")[0]}/versions/${id}`, state: "ENABLED" };
    }),
    // As Google: newest first, at most `pageSize` a page.
    listSecretVersions: wrap("listVersions", (parent: string, token: string, pageSize?: number) => {
      const all = get(parent)
        .versions.map((_, i) => ({ id: String(i + 1), state: "ENABLED", createTime: null }))
        .reverse();
      const start = Number(token || 0);
      const end = start + (pageSize ?? all.length);
      return { versions: all.slice(start, end), next: end < all.length ? String(end) : "" };
    }),
    listSecrets: wrap("list", (parent: string) => ({
      secrets: [...secrets]
        .filter(([n]) => n.startsWith(`${parent}/`))
        .map(([name, s]) => ({ name, labels: s.labels, annotations: s.annotations })),
      next: "",
    })),
    getSecret: wrap("getSecret", (name: string) => {
      const s = get(name);
      return { name, labels: s.labels, annotations: s.annotations };
    }),
    createSecret: wrap(
      "create",
      (
        parent: string,
        id: string,
        labels: Record<string, string>,
        annotations: Record<string, string>,
      ) => {
        const name = `${parent}/secrets/${id}`;
        if (secrets.has(name)) throw status(6, "exists");
        secrets.set(name, { labels, annotations, versions: [] });
      },
    ),
    addSecretVersion: wrap("add", (parent: string, data: Buffer) => {
      const s = get(parent);
      s.versions.push(data);
      return `${parent}/versions/${s.versions.length}`;
    }),
    updateSecretLabels: wrap("updateLabels", (name: string, labels: Record<string, string>) => {
      get(name).labels = labels;
    }),
    disableSecretVersion: wrap("disable", () => undefined),
    deleteSecret: wrap("delete", (name: string) => {
      get(name);
      secrets.delete(name);
    }),
    close: () => Promise.resolve(),
  });
}

const ctx = (concurrency: number): StoreContext => ({
  cwd: "/",
  env: {},
  logger: silentLogger,
  concurrency,
  retry: { maxAttempts: 3, maxDelayMs: 1 },
});
const uri = (t: string) => parseRemoteUri(`gcp-sm://${t}`);
const set = (o: Record<string, string>) => ({
  set: new Map(Object.entries(o)),
  delete: [] as string[],
});

describe("gcp-sm store logic", () => {
  it("per-key read: one list call, one access per key, never more in flight than the concurrency", async () => {
    const api = memoryApi();
    const s = createGsmStore(uri("p/x_*"), ctx(4), api);
    await s.write(
      set(Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`K${i}`, `v${i}`]))),
      await s.read(),
    );
    api.calls = {};
    api.maxInFlight = 0;
    const snap = await s.read();
    expect(snap.values.size).toBe(40);
    expect(api.calls).toEqual({ list: 1, access: 40 });
    expect(api.maxInFlight).toBeLessThanOrEqual(4);
    expect(api.maxInFlight).toBeGreaterThan(1);
  });

  it("per-key probe: one list call and one version page of size 1 per key, no access, bounded", async () => {
    const api = memoryApi();
    const s: Store = createGsmStore(uri("p/x_*"), ctx(4), api);
    await s.write(
      set(Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`K${i}`, `v${i}`]))),
      await s.read(),
    );
    api.calls = {};
    api.maxInFlight = 0;
    const p1 = await s.probeVersion!();
    expect(api.calls).toEqual({ list: 1, listVersions: 40 });
    expect(api.maxInFlight).toBeLessThanOrEqual(4);
    expect(api.maxInFlight).toBeGreaterThan(1);
    await s.write(set({ K7: "changed" }), await s.read());
    expect(await s.probeVersion!()).not.toBe(p1);
  });

  it("per-key write touches only changed keys", async () => {
    const api = memoryApi();
    const s = createGsmStore(uri("p/x_*"), ctx(4), api);
    await s.write(set({ A: "1", B: "2", C: "3" }), await s.read());
    const snap = await s.read();
    api.calls = {};
    const res = await s.write(set({ A: "1", B: "2", C: "33" }), snap);
    expect(api.calls.add).toBe(1);
    expect(api.calls.create ?? 0).toBe(0);
    expect([...(res.keyVersions ?? new Map()).keys()]).toEqual(["C"]);
  });

  it("retries transient failures (UNAVAILABLE) and gives up on permanent ones", async () => {
    const api = memoryApi();
    const s = createGsmStore(uri("p/bundle"), ctx(4), api);
    api.failNext.push(14, 14);
    expect((await s.read()).exists).toBe(false);
    expect(api.calls.access).toBe(3);
    api.failNext.push(7);
    let err: unknown;
    try {
      await s.read();
    } catch (e) {
      err = e;
    }
    expect(isEnvsyncError(err, "AUTH")).toBe(true);
    expect(api.calls.access).toBe(4);
  });

  it("bundle write: one guard call, one add and one version list to confirm the order (create instead of the list the first time)", async () => {
    const api = memoryApi();
    const s = createGsmStore(uri("p/bundle"), ctx(4), api);
    const first = await s.write(set({ A: "1" }), await s.read());
    expect(first.writeCalls).toBe(3);
    const snap = await s.read();
    api.calls = {};
    const second = await s.write(set({ A: "2" }), snap);
    expect(second).toEqual({ version: "2", writeCalls: 3 });
    expect(api.calls.listVersions).toBe(1);
    expect((await s.write(set({}), await s.read())).writeCalls).toBe(0);
  });
});
