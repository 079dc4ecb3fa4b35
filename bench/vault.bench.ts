/**
 * Vault / OpenBao on the real server (bao 2.7.2 dev mode): a 1,000-key per-key pull
 * through envsync (one LIST, then one read per key with bounded parallelism on
 * keep-alive sockets) against a sequential one-read-per-key loop over the same
 * client, and a bundle read (one call) of 400 keys: OpenBao's default listener limit
 * (max_request_json_strings = 1000) lets one write hold at most 498 keys.
 *
 * On bare loopback a call costs well under a millisecond, so parallelism shows only
 * when a call costs a round trip: the rows are measured twice, directly and through
 * toxiproxy adding 20 ms to every response (a cloud-like round trip). The goal
 * (≥ 6× faster with concurrency 16) is for the second.
 */
import { randomBytes } from "node:crypto";
import { silentLogger } from "../src/logger.js";
import type { StoreContext } from "../src/providers/types.js";
import { parseRemoteUri } from "../src/providers/uri.js";
import { createVaultClient, createVaultStore } from "../src/providers/vault/kv-store.js";
import { emulator as bao, startBao } from "../test/harness/emulators/openbao.js";
import { emulator as toxi } from "../test/harness/emulators/toxiproxy.js";
import { Toxiproxy } from "../test/harness/toxiproxy-client.js";
import { fmt, timeAsync } from "./measure.js";
import type { BenchRow } from "./types.js";

const KEYS = 1000;
/** OpenBao's listener allows 1,000 JSON strings per request by default: a bundle holds ≤ 498 keys. */
const BUNDLE_KEYS = 400;
const CONCURRENCY = 16;
const LATENCY_MS = 20;

async function measure(address: string, token: string, latencyMs: number): Promise<BenchRow[]> {
  const ctx: StoreContext = {
    cwd: process.cwd(),
    env: { VAULT_TOKEN: token, HOME: "/nonexistent" },
    logger: silentLogger,
    concurrency: CONCURRENCY,
  };
  const prefix = `bench-${randomBytes(4).toString("hex")}`;
  const uri = (t: string) =>
    parseRemoteUri(`vault://x/${t}?endpoint=${encodeURIComponent(address)}&kv=2`);
  const perKeyUri = uri(`secret/${prefix}/keys/*`);
  const bundleUri = uri(`secret/${prefix}/bundle`);
  const client = createVaultClient(perKeyUri, ctx);
  const perKey = createVaultStore(perKeyUri, ctx, client);
  const bundleClient = createVaultClient(bundleUri, ctx);
  const bundle = createVaultStore(bundleUri, ctx, bundleClient);
  const values = new Map<string, string>();
  for (let i = 0; i < KEYS; i++)
    values.set(`KEY_${String(i).padStart(4, "0")}`, `value-${i}-${"x".repeat(24)}`);
  await perKey.write({ set: values, delete: [] }, await perKey.read());
  const bundleValues = new Map([...values].slice(0, BUNDLE_KEYS));
  await bundle.write({ set: bundleValues, delete: [] }, await bundle.read());

  const slow = latencyMs > 0;
  let ourCalls = 0;
  const ours = await timeAsync(
    async () => {
      const before = client.calls;
      const snap = await perKey.read();
      if (snap.values.size !== KEYS)
        throw new Error(`read ${snap.values.size} keys, expected ${KEYS}`);
      ourCalls = client.calls - before;
    },
    3,
    1,
  );
  // Baseline: the same client; list, then one read per key, one after the other.
  let baseCalls = 0;
  const base = await timeAsync(
    async () => {
      const before = client.calls;
      const res = await client.request("GET", `secret/metadata/${prefix}/keys/?list=true`);
      const keys = (res.body?.data as { keys: string[] }).keys;
      for (const k of keys) await client.request("GET", `secret/data/${prefix}/keys/${k}`);
      if (keys.length !== KEYS) throw new Error(`listed ${keys.length}, expected ${KEYS}`);
      baseCalls = client.calls - before;
    },
    slow ? 2 : 3,
    slow ? 0 : 1,
  );
  let bundleCalls = 0;
  const bundleRead = await timeAsync(
    async () => {
      const before = bundleClient.calls;
      const snap = await bundle.read();
      if (snap.values.size !== BUNDLE_KEYS) throw new Error(`bundle read ${snap.values.size} keys`);
      bundleCalls = bundleClient.calls - before;
    },
    slow ? 5 : 10,
    1,
  );
  await perKey.close();
  await bundle.close();

  const where = slow ? `OpenBao + ${latencyMs} ms per call via toxiproxy` : "OpenBao on loopback";
  const speed = base.median / ours.median;
  return [
    {
      name: `Vault per-key pull, ${KEYS} keys (${where}): envsync (concurrency ${CONCURRENCY}) vs sequential read loop`,
      ours: `${fmt(ours)}; ${ourCalls} calls`,
      baseline: `${fmt(base)}; ${baseCalls} calls`,
      ratio: `${speed.toFixed(2)}× faster`,
      goal: slow ? "≥ 6× faster" : "(informational: no round-trip cost)",
      ...(slow ? { met: speed >= 6 } : {}),
      note: "KV v2 has no batch read: 1 LIST + 1 read per key, same keep-alive client",
    },
    {
      name: `Vault bundle read, ${BUNDLE_KEYS} keys in one secret (${where}) vs the ${KEYS}-key per-key pull`,
      ours: `${fmt(bundleRead)}; ${bundleCalls} call(s)`,
      baseline: `${fmt(ours)}; ${ourCalls} calls`,
      ratio: `${(ours.median / bundleRead.median).toFixed(1)}× faster`,
      goal: "(informational)",
      note: "the mount lookup (sys/internal/ui/mounts) is skipped with kv=2",
    },
  ];
}

/** Runs the Vault rows. */
export async function run(): Promise<BenchRow[]> {
  await bao.install();
  await toxi.install();
  const server = await startBao();
  const proxyServer = await toxi.start();
  try {
    const rows = await measure(server.address, server.token, 0);
    const tp = new Toxiproxy(proxyServer.env.ENVSYNC_TEST_TOXIPROXY_API);
    const proxy = await tp.createProxy(
      `vault-bench-${randomBytes(3).toString("hex")}`,
      server.address.replace(/^http:\/\//, ""),
    );
    await tp.addToxic(proxy.name, "latency", {
      type: "latency",
      attributes: { latency: LATENCY_MS },
    });
    rows.push(...(await measure(`http://${proxy.listen}`, server.token, LATENCY_MS)));
    return rows;
  } finally {
    await proxyServer.stop();
    await server.stop();
  }
}
