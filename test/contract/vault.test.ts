/**
 * HashiCorp Vault / OpenBao against the real OpenBao server started by the harness
 * (test/harness/emulators/openbao.ts): the shared store contract on both layouts of
 * KV v2 and KV v1, then what only this store has — check-and-set, soft delete and
 * purge, versions, the managed-by marker — and the errors users meet: no token, a
 * revoked token, a read-only policy, a wrong mount, a sealed server. Every test uses
 * a fresh path or mount.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, request, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { isEnvsyncError } from "../../src/errors.js";
import { silentLogger } from "../../src/logger.js";
import { createStore } from "../../src/providers/vault/kv-store.js";
import type { ChangeSet, Store, StoreContext } from "../../src/providers/types.js";
import { parseRemoteUri } from "../../src/providers/uri.js";
import { baoApi, startBao, VAULT_ADDR_VAR, VAULT_TOKEN_VAR } from "../harness/emulators/openbao.js";
import { requireEnv } from "../harness/require-env.js";
import { runStoreContract } from "./store-contract.js";

const addr = (): string => requireEnv(VAULT_ADDR_VAR, "openbao");
const root = (): string => requireEnv(VAULT_TOKEN_VAR, "openbao");
/** An empty HOME, so the tests never read the ~/.vault-token of whoever runs them. */
const emptyHome = mkdtempSync(join(tmpdir(), "envsync-vault-home-"));
const rand = (): string => randomBytes(5).toString("hex");
const api = (method: string, path: string, body?: unknown) =>
  baoApi(addr(), root(), method, path, body);

function ctxWith(env: Record<string, string>): StoreContext {
  return {
    cwd: process.cwd(),
    env: { VAULT_ADDR: addr(), HOME: emptyHome, ...env },
    logger: silentLogger,
    concurrency: 8,
    retry: { maxAttempts: 2, maxDelayMs: 10 },
  };
}
const open = (target: string, env: Record<string, string> = { VAULT_TOKEN: root() }): Store =>
  createStore(parseRemoteUri(`vault:///${target}`), ctxWith(env));

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

async function mount(path: string, version: "1" | "2", config?: Record<string, unknown>) {
  const r = await api("POST", `sys/mounts/${path}`, { type: "kv", options: { version } });
  expect(r.status).toBe(204);
  if (config) expect((await api("POST", `${path}/config`, config)).status).toBe(204);
}

async function tokenWithPolicy(hcl: string): Promise<string> {
  const name = `p-${rand()}`;
  expect((await api("POST", `sys/policies/acl/${name}`, { policy: hcl })).status).toBe(204);
  const r = await api("POST", "auth/token/create", { policies: [name], ttl: "1h" });
  return (r.body?.auth as { client_token: string }).client_token;
}

const kv1 = `kv1-${rand()}`;
const casMount = `cas-${rand()}`;
beforeAll(async () => {
  await mount(kv1, "1");
  await mount(casMount, "2", { cas_required: true });
});

const targets = new WeakMap<Store, string>();
function fresh(target: () => string): () => Promise<Store> {
  return () => {
    const t = target();
    const s = open(t);
    targets.set(s, t);
    return Promise.resolve(s);
  };
}
const twin = (s: Store): Promise<Store> => Promise.resolve(open(targets.get(s)!));

runStoreContract("vault kv2 bundle", { fresh: fresh(() => `secret/t-${rand()}/app`), twin });
runStoreContract("vault kv2 per-key", {
  fresh: fresh(() => `secret/t-${rand()}/*`),
  twin,
  badKey: "DB/URL",
});
runStoreContract("vault kv2 bundle, cas_required mount", {
  fresh: fresh(() => `${casMount}/t-${rand()}/app`),
  twin,
});
// KV v1 has no check-and-set: a re-read before and a read-back after each write
// guard it, which leaves a window (docs/providers/vault.md, "KV v1 mounts").
runStoreContract("vault kv1 bundle", {
  fresh: fresh(() => `${kv1}/t-${rand()}/app`),
  twin,
  noConditionalWrite: true,
});
runStoreContract("vault kv1 per-key", {
  fresh: fresh(() => `${kv1}/t-${rand()}/*`),
  twin,
  badKey: "..",
});

describe("vault bundle layout (KV v2)", () => {
  it("stores one data map per version, created with cas 0, each write on top of the version read", async () => {
    const p = `t-${rand()}/web`;
    const s = open(`secret/${p}`);
    const r1 = await s.write(changes({ A: "1" }), await s.read());
    expect(r1.version).toBe("1");
    await s.write(changes({ B: "2" }), await s.read());
    const got = await api("GET", `secret/data/${p}`);
    const data = got.body?.data as { data: unknown; metadata: { version: number } };
    expect(data.data).toEqual({ A: "1", B: "2" });
    expect(data.metadata.version).toBe(2);
    // A stale snapshot (version 1) is refused by the server's check-and-set: nothing written.
    const stale = {
      exists: true,
      values: new Map([["A", "1"]]),
      version: "1",
      keyVersions: new Map(),
    };
    const err = await thrown(s.write(changes({ C: "3" }), stale));
    expect(isEnvsyncError(err, "REMOTE_CHANGED")).toBe(true);
    expect((err as { exitCode: number }).exitCode).toBe(5);
    expect(Object.fromEntries((await s.read()).values)).toEqual({ A: "1", B: "2" });
    // Creating over a secret someone else created meanwhile (cas 0) is refused too.
    const q = `t-${rand()}/web`;
    const mine = open(`secret/${q}`);
    const empty = await mine.read();
    await api("POST", `secret/data/${q}`, { data: { THEIRS: "t" } });
    expect(
      isEnvsyncError(await thrown(mine.write(changes({ MINE: "m" }), empty)), "REMOTE_CHANGED"),
    ).toBe(true);
    expect((await api("GET", `secret/data/${q}`)).body?.data).toMatchObject({
      data: { THEIRS: "t" },
    });
    await s.close?.();
    await mine.close?.();
  });

  it("lists versions from the metadata and reads an older one; a deleted current version reads as absent and a write builds on it", async () => {
    const p = `t-${rand()}/hist`;
    const s = open(`secret/${p}`);
    await s.write(changes({ A: "one" }), await s.read());
    await s.write(changes({ A: "two" }), await s.read());
    await s.write(changes({ A: "three" }), await s.read());
    expect((await api("POST", `secret/delete/${p}`, { versions: [2] })).status).toBe(204);
    const versions = await s.listVersions!();
    expect(versions.map((v) => [v.id, v.current, v.state])).toEqual([
      ["3", true, undefined],
      ["2", false, "deleted"],
      ["1", false, undefined],
    ]);
    expect(Object.fromEntries((await s.readVersion!("1")).values)).toEqual({ A: "one" });
    expect(isEnvsyncError(await thrown(s.readVersion!("2")), "NOT_FOUND")).toBe(true);
    expect(isEnvsyncError(await thrown(s.readVersion!("9")), "NOT_FOUND")).toBe(true);
    // The current version soft-deleted by an operator: absent, and the next write is version 4.
    await api("DELETE", `secret/data/${p}`);
    const snap = await s.read();
    expect(snap.exists).toBe(false);
    expect(snap.version).toBe("3");
    expect((await s.write(changes({ A: "four" }), snap)).version).toBe("4");
    await s.close?.();
  });

  it("a bundle over the server's JSON limit (OpenBao: 1,000 strings a request) is exit 2, nothing written", async () => {
    const p = `t-${rand()}/many`;
    const s = open(`secret/${p}`);
    const many = Object.fromEntries(Array.from({ length: 600 }, (_, i) => [`K${i}`, "v"]));
    const err = await thrown(s.write(changes(many), await s.read()));
    expect(isEnvsyncError(err, "LIMIT")).toBe(true);
    expect((err as { exitCode: number }).exitCode).toBe(2);
    expect((err as { hint: string }).hint).toMatch(/per-key/);
    expect((await s.read()).exists).toBe(false);
    // The per-key layout holds them (one request per key).
    const pk = open(`secret/${p}-pk/*`);
    await pk.write(changes(many), await pk.read());
    expect((await pk.read()).values.size).toBe(600);
  });

  it("reads non-string JSON values another tool wrote, as text", async () => {
    const p = `t-${rand()}/typed`;
    await api("POST", `secret/data/${p}`, { data: { PORT: 8080, ON: true, NONE: null } });
    expect(Object.fromEntries((await open(`secret/${p}`).read()).values)).toEqual({
      PORT: "8080",
      ON: "true",
      NONE: "null",
    });
  });
});

describe("vault per-key layout (KV v2)", () => {
  it("one secret per key, field value, custom_metadata managed-by=envsync; writes only changed keys", async () => {
    const p = `t-${rand()}`;
    const s = open(`secret/${p}/*`);
    await s.write(changes({ A: "1", B: "2" }), await s.read());
    const a = await api("GET", `secret/data/${p}/A`);
    expect(a.body?.data).toMatchObject({
      data: { value: "1" },
      metadata: { version: 1, custom_metadata: { "managed-by": "envsync" } },
    });
    const res = await s.write(changes({ A: "1", B: "22" }), await s.read());
    expect([...(res.keyVersions ?? new Map()).keys()]).toEqual(["B"]);
    const after = await s.read();
    expect(Object.fromEntries(after.keyVersions)).toEqual({ A: "1", B: "2" });
    await s.close?.();
  });

  it("never reads or touches a secret under the prefix without the marker, nor a sub-folder", async () => {
    const p = `t-${rand()}`;
    await api("POST", `secret/data/${p}/FOREIGN`, { data: { value: "theirs" } });
    await api("POST", `secret/data/${p}/sub/DEEP`, { data: { value: "deep" } });
    const s = open(`secret/${p}/*`);
    await s.write(changes({ MINE: "m" }), await s.read());
    const snap = await s.read();
    expect(Object.fromEntries(snap.values)).toEqual({ MINE: "m" });
    expect(snap.notes?.join("\n")).toMatch(/1 secret\(s\) .* left alone: FOREIGN/);
    const err = await thrown(s.write(changes({ FOREIGN: "ours", MINE: "m2" }), snap));
    expect(isEnvsyncError(err, "NAME")).toBe(true);
    expect((await api("GET", `secret/data/${p}/FOREIGN`)).body?.data).toMatchObject({
      data: { value: "theirs" },
    });
    expect(Object.fromEntries((await s.read()).values)).toEqual({ MINE: "m" });
    await s.close?.();
  });

  it("deletes softly (versions kept, undeletable), re-adds after a soft delete, and --purge destroys the metadata", async () => {
    const p = `t-${rand()}`;
    const s = open(`secret/${p}/*`);
    await s.write(changes({ A: "a1", B: "b1" }), await s.read());
    await s.write(changes({}, ["A"]), await s.read());
    const meta = await api("GET", `secret/metadata/${p}/A`);
    expect(meta.status).toBe(200);
    expect(
      (meta.body?.data as { versions: Record<string, { deletion_time: string }> }).versions["1"]!
        .deletion_time,
    ).not.toBe("");
    const snap = await s.read();
    expect(Object.fromEntries(snap.values)).toEqual({ B: "b1" });
    expect(snap.keyVersions.get("A")).toBe("1");
    // Re-adding the key builds on the deleted version (cas 1 → version 2).
    const res = await s.write(changes({ A: "a2" }), snap);
    expect(res.keyVersions?.get("A")).toBe("2");
    expect(Object.fromEntries((await s.read()).values)).toEqual({ A: "a2", B: "b1" });
    // Purge: every version and the metadata are gone.
    await s.write(changes({}, ["B"]), await s.read(), { purge: true });
    expect((await api("GET", `secret/metadata/${p}/B`)).status).toBe(404);
    await s.write(changes({ B: "again" }), await s.read());
    expect(Object.fromEntries((await s.read()).values)).toEqual({ A: "a2", B: "again" });
    await s.close?.();
  });

  it("a soft delete of the version read leaves a version written meanwhile current (nothing lost)", async () => {
    const p = `t-${rand()}`;
    const s = open(`secret/${p}/*`);
    await s.write(changes({ A: "a1" }), await s.read());
    const stale = await s.read();
    await api("POST", `secret/data/${p}/A`, { data: { value: "theirs" }, options: { cas: 1 } });
    const err = await thrown(s.write(changes({}, ["A"]), stale));
    expect(isEnvsyncError(err, "REMOTE_CHANGED")).toBe(true);
    expect(Object.fromEntries((await s.read()).values)).toEqual({ A: "theirs" });
    await s.close?.();
  });

  it("refuses names that would nest or escape, and values over the limit, before writing (exit 2)", async () => {
    const s = open(`secret/t-${rand()}/*`);
    for (const bad of [
      changes({ "a/b": "x" }),
      changes({ "..": "x" }),
      changes({ "sp ace": "x" }),
      changes({ ["K".repeat(257)]: "x" }),
      changes({ BIG: "x".repeat(1_000_001) }),
    ]) {
      const err = await thrown(s.write(bad, await s.read()));
      expect((err as { exitCode: number }).exitCode).toBe(2);
    }
    expect((await s.read()).exists).toBe(false);
    await s.close?.();
  });
});

describe("vault KV v1 (no versions: a re-read guards each write)", () => {
  it("detects the v1 mount, writes plain data, and refuses when the content moved (exit 5)", async () => {
    const p = `t-${rand()}/app`;
    const s = open(`${kv1}/${p}`);
    await s.write(changes({ A: "1" }), await s.read());
    expect((await api("GET", `${kv1}/${p}`)).body?.data).toEqual({ A: "1" });
    const stale = await s.read();
    await api("POST", `${kv1}/${p}`, { A: "theirs" });
    expect(
      isEnvsyncError(await thrown(s.write(changes({ B: "2" }), stale)), "REMOTE_CHANGED"),
    ).toBe(true);
    expect(isEnvsyncError(await thrown(s.listVersions!()), "USAGE")).toBe(true);
    await s.close?.();
  });
});

/**
 * A loopback proxy in front of the server that runs `before(method, path)` when a
 * request arrives and before forwarding it: "someone else" writes at an exact moment
 * of envsync's sequence of calls, deterministically.
 */
async function interceptor(
  before: (method: string, path: string) => Promise<void>,
): Promise<{ url: string; close(): Promise<void> }> {
  const upstream = new URL(addr());
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void before(req.method ?? "GET", req.url ?? "").then(() => {
        const out = request(
          {
            host: upstream.hostname,
            port: upstream.port,
            method: req.method,
            path: req.url,
            headers: req.headers,
          },
          (r) => {
            res.writeHead(r.statusCode ?? 502, r.headers);
            r.pipe(res);
          },
        );
        out.end(Buffer.concat(chunks));
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe("vault writes racing another writer at an exact moment", () => {
  it("KV v1 bundle: a write that replaces envsync's at once is caught by the read-back (exit 5)", async () => {
    const p = `t-${rand()}/app`;
    let armed = false;
    const proxy = await interceptor(async (method, path) => {
      // Right before envsync's read-back, the other writer (who read the old content) writes.
      if (armed && method === "GET" && path.startsWith(`/v1/${kv1}/${p}`)) {
        armed = false;
        await api("POST", `${kv1}/${p}`, { OTHER: "theirs" });
      }
      if (method === "POST" && path === `/v1/${kv1}/${p}`) armed = true;
    });
    try {
      const s = createStore(
        parseRemoteUri(`vault:///${kv1}/${p}?endpoint=${encodeURIComponent(proxy.url)}&kv=1`),
        ctxWith({ VAULT_TOKEN: root() }),
      );
      const err = await thrown(s.write(changes({ MINE: "m" }), await s.read()));
      expect(isEnvsyncError(err, "REMOTE_CHANGED")).toBe(true);
      expect(String((err as Error).message)).toMatch(/replaced/);
      await s.close?.();
    } finally {
      await proxy.close();
    }
  });

  it("KV v2 per-key: a key changed after the version check fails its cas; exit 5 names the keys already written", async () => {
    const p = `t-${rand()}`;
    const s0 = open(`secret/${p}/*`);
    await s0.write(changes({ A: "a1", B: "b1" }), await s0.read());
    let done = false;
    const proxy = await interceptor(async (method, path) => {
      // When envsync writes A (its checks passed), someone updates B.
      if (!done && method === "POST" && path === `/v1/secret/data/${p}/A`) {
        done = true;
        await api("POST", `secret/data/${p}/B`, { data: { value: "theirs" } });
      }
    });
    try {
      const s = createStore(
        parseRemoteUri(`vault:///secret/${p}/*?endpoint=${encodeURIComponent(proxy.url)}`),
        { ...ctxWith({ VAULT_TOKEN: root() }), concurrency: 1 },
      );
      const err = await thrown(s.write(changes({ A: "a2", B: "b2" }), await s.read()));
      expect(isEnvsyncError(err, "REMOTE_CHANGED")).toBe(true);
      expect(String((err as Error).message)).toMatch(/B changed .* A had been written already/);
      // Nothing lost: their B stands, our A landed on the version we read.
      expect(Object.fromEntries((await s0.read()).values)).toEqual({ A: "a2", B: "theirs" });
      await s.close?.();
    } finally {
      await proxy.close();
    }
  });
});

describe("vault auth as the vault CLI does it", () => {
  it("reads the token from ~/.vault-token when VAULT_TOKEN is unset", async () => {
    const home = mkdtempSync(join(tmpdir(), "envsync-vault-home-"));
    writeFileSync(join(home, ".vault-token"), `${root()}\n`, { mode: 0o600 });
    const p = `t-${rand()}/app`;
    const s = createStore(parseRemoteUri(`vault:///secret/${p}`), {
      ...ctxWith({}),
      env: { VAULT_ADDR: addr(), HOME: home },
    });
    await s.write(changes({ A: "1" }), await s.read());
    expect(Object.fromEntries((await s.read()).values)).toEqual({ A: "1" });
    expect(readFileSync(join(home, ".vault-token"), "utf8")).toBe(`${root()}\n`);
  });

  it("no token anywhere is an AUTH error (exit 1) saying how to log in", async () => {
    const err = await thrown(open(`secret/t-${rand()}/app`, {}).read());
    expect(isEnvsyncError(err, "AUTH")).toBe(true);
    expect((err as { exitCode: number }).exitCode).toBe(1);
    expect((err as { hint: string }).hint).toMatch(/vault login/);
  });

  it("a revoked (or expired) token is an AUTH error that says so and never shows the token", async () => {
    const token = await tokenWithPolicy(`path "secret/*" { capabilities = ["read", "list"] }`);
    expect((await baoApi(addr(), token, "POST", "auth/token/revoke-self")).status).toBe(204);
    const err = await thrown(open(`secret/t-${rand()}/app`, { VAULT_TOKEN: token }).read());
    expect(isEnvsyncError(err, "AUTH")).toBe(true);
    expect(String((err as Error).message)).toMatch(/rejected the token/);
    expect(`${(err as Error).message} ${(err as { hint: string }).hint}`).not.toContain(token);
  });

  it("a policy that allows read but not write: reads work, the write is permission denied (exit 1), nothing written", async () => {
    const p = `t-${rand()}`;
    const rw = open(`secret/${p}/app`);
    await rw.write(changes({ A: "1" }), await rw.read());
    const token = await tokenWithPolicy(
      `path "secret/data/${p}/*" { capabilities = ["read"] }\npath "secret/metadata/${p}/*" { capabilities = ["read", "list"] }`,
    );
    const ro = open(`secret/${p}/app`, { VAULT_TOKEN: token });
    const snap = await ro.read();
    expect(Object.fromEntries(snap.values)).toEqual({ A: "1" });
    const err = await thrown(ro.write(changes({ A: "2" }), snap));
    expect(isEnvsyncError(err, "AUTH")).toBe(true);
    expect((err as { exitCode: number }).exitCode).toBe(1);
    expect(String((err as Error).message)).toMatch(/permission denied on secret\/data\//);
    expect((err as { hint: string }).hint).toMatch(/capabilities/);
    expect(Object.fromEntries((await rw.read()).values)).toEqual({ A: "1" });
  });

  it("logs in with AppRole (VAULT_ROLE_ID / VAULT_SECRET_ID) and refuses a wrong secret id (exit 1)", async () => {
    const m = `approle-${rand()}`;
    expect((await api("POST", `sys/auth/${m}`, { type: "approle" })).status).toBe(204);
    const policy = `ar-${rand()}`;
    await api("POST", `sys/policies/acl/${policy}`, {
      policy: `path "secret/data/ar/*" { capabilities = ["create", "read", "update"] }`,
    });
    await api("POST", `auth/${m}/role/ci`, { token_policies: [policy] });
    const roleId = (
      (await api("GET", `auth/${m}/role/ci/role-id`)).body?.data as { role_id: string }
    ).role_id;
    const secretId = (
      (await api("POST", `auth/${m}/role/ci/secret-id`)).body?.data as { secret_id: string }
    ).secret_id;
    const env = { VAULT_ROLE_ID: roleId, VAULT_SECRET_ID: secretId, VAULT_APPROLE_MOUNT: m };
    const s = open(`secret/ar/${rand()}?kv=2`, env);
    await s.write(changes({ A: "1" }), await s.read());
    expect(Object.fromEntries((await s.read()).values)).toEqual({ A: "1" });
    const bad = await thrown(
      open(`secret/ar/${rand()}?kv=2`, { ...env, VAULT_SECRET_ID: "wrong" }).read(),
    );
    expect(isEnvsyncError(bad, "AUTH")).toBe(true);
    expect(`${(bad as Error).message}`).not.toContain(secretId);
  });

  it("a wrong mount is exit 1 with a hint to check the mount", async () => {
    const err = await thrown(open(`no-such-mount-${rand()}/app`).read());
    expect((err as { exitCode: number }).exitCode).toBe(1);
    expect(String((err as Error).message)).toMatch(/no KV mount "no-such-mount-/);
    expect((err as { hint: string }).hint).toMatch(/vault secrets list/);
  });

  it("a sealed server is exit 1 saying to unseal, without retrying for long", async () => {
    const server = await startBao();
    try {
      const r = await baoApi(server.address, server.token, "PUT", "sys/seal");
      expect(r.status).toBe(204);
      const s = createStore(parseRemoteUri(`vault:///secret/app`), {
        ...ctxWith({}),
        env: { VAULT_ADDR: server.address, VAULT_TOKEN: server.token, HOME: emptyHome },
      });
      const err = await thrown(s.read());
      expect(isEnvsyncError(err, "PROVIDER")).toBe(true);
      expect(String((err as Error).message)).toMatch(/sealed/);
      expect((err as { hint: string }).hint).toMatch(/operator unseal/);
    } finally {
      await server.stop();
    }
  });

  it("TLS as the vault CLI: VAULT_CACERT trusts the server's CA, without it a TLS error says what to do, VAULT_SKIP_VERIFY skips the check", async () => {
    const dir = mkdtempSync(join(tmpdir(), "envsync-bao-tls-"));
    const server = await startBao({ tlsDir: dir });
    try {
      const ca = join(dir, "vault-ca.pem");
      const at = (env: Record<string, string>): Store =>
        createStore(parseRemoteUri(`vault:///secret/tls-${rand()}`), {
          ...ctxWith({}),
          env: { VAULT_ADDR: server.address, VAULT_TOKEN: server.token, HOME: emptyHome, ...env },
        });
      const s = at({ VAULT_CACERT: ca });
      await s.write(changes({ A: "1" }), await s.read());
      expect(Object.fromEntries((await s.read()).values)).toEqual({ A: "1" });
      await s.close?.();
      const err = await thrown(at({}).read());
      expect(isEnvsyncError(err, "NETWORK")).toBe(true);
      expect(String((err as Error).message)).toMatch(/TLS/);
      expect((err as { hint: string }).hint).toMatch(/VAULT_CACERT/);
      expect((await at({ VAULT_SKIP_VERIFY: "true" }).read()).exists).toBe(false);
    } finally {
      await server.stop();
    }
  });

  it("VAULT_NAMESPACE sends every call into that namespace", async () => {
    const ns = `ns-${rand()}`;
    expect((await api("POST", `sys/namespaces/${ns}`)).status).toBe(200);
    const inNs = (m: string, p: string, b?: unknown) => baoApi(addr(), root(), m, p, b, ns);
    expect(
      (await inNs("POST", "sys/mounts/secret", { type: "kv", options: { version: "2" } })).status,
    ).toBe(204);
    const p = `t-${rand()}/app`;
    const s = open(`secret/${p}`, { VAULT_TOKEN: root(), VAULT_NAMESPACE: ns });
    await s.write(changes({ A: "in-ns" }), await s.read());
    expect((await inNs("GET", `secret/data/${p}`)).body?.data).toMatchObject({
      data: { A: "in-ns" },
    });
    expect((await api("GET", `secret/data/${p}`)).status).toBe(404);
  });

  it("an unreachable server is a NETWORK error (exit 1) after bounded retries", async () => {
    const s = createStore(
      parseRemoteUri("vault://127.0.0.1:1/secret/app?tls=false"),
      ctxWith({ VAULT_TOKEN: "x" }),
    );
    const err = await thrown(s.read());
    expect(isEnvsyncError(err, "NETWORK")).toBe(true);
  });
});
