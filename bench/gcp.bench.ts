/**
 * Google Secret Manager per-key layout: a 1,000-key pull through envsync (one
 * ListSecrets page, then AccessSecretVersion with bounded parallelism) against a
 * sequential one-AccessSecretVersion-per-key loop over the same client, and the
 * write calls of a push of 1,000 keys with 10 changed.
 *
 * Secret Manager has no batch read, so the gain is parallelism, which only shows
 * when a call costs a round trip. Two emulators run side by side (envsync's own,
 * test/harness/emulators/gsm.ts, which can add latency): one on bare loopback, one
 * adding 20 ms to every call to model a cloud round trip. The goal (≥ 6×) is for
 * the second; both rows are printed.
 */
import { randomBytes } from "node:crypto";
import { silentLogger } from "../src/logger.js";
import { createGsmApi, type GsmApi } from "../src/providers/gcp/api.js";
import { createGsmStore } from "../src/providers/gcp/secret-manager.js";
import { parseEndpoint } from "../src/providers/gcp/target.js";
import type { StoreContext } from "../src/providers/types.js";
import { parseRemoteUri } from "../src/providers/uri.js";
import { emulator, startGsm } from "../test/harness/emulators/gsm.js";
import { fmt, timeAsync } from "./measure.js";
import type { BenchRow } from "./types.js";

const KEYS = 1000;
const CHANGED = 10;
const CONCURRENCY = 16;
const LATENCY_MS = 20;

/** A GsmApi that counts calls per method. */
function counting(api: GsmApi): {
  api: GsmApi;
  counts: Map<string, number>;
  total(): number;
  reset(): void;
} {
  const counts = new Map<string, number>();
  const wrapped = Object.fromEntries(
    Object.entries(api).map(([name, fn]) => [
      name,
      (...args: unknown[]) => {
        if (name !== "close") counts.set(name, (counts.get(name) ?? 0) + 1);
        return (fn as (...a: unknown[]) => unknown)(...args);
      },
    ]),
  ) as unknown as GsmApi;
  return {
    api: wrapped,
    counts,
    total: () => [...counts.values()].reduce((a, b) => a + b, 0),
    reset: () => counts.clear(),
  };
}

async function measure(latencyMs: number): Promise<BenchRow[]> {
  // Pages as large as the real service's (25,000), so a listing is one call as in Google Cloud.
  const emu = await startGsm({ own: true, latencyMs, maxPage: 25_000 });
  try {
    const endpoint = parseEndpoint(`http://${emu.env.ENVSYNC_TEST_GSM_ENDPOINT}`);
    const client = counting(createGsmApi(endpoint, {}));
    const project = `envsync-bench-${randomBytes(4).toString("hex")}`;
    const ctx: StoreContext = {
      cwd: process.cwd(),
      env: {},
      logger: silentLogger,
      concurrency: CONCURRENCY,
    };
    const store = createGsmStore(parseRemoteUri(`gcp-sm://${project}/bench_*`), ctx, client.api);
    const values = new Map<string, string>();
    for (let i = 0; i < KEYS; i++)
      values.set(`KEY_${String(i).padStart(4, "0")}`, `value-${i}-${"x".repeat(24)}`);
    await store.write({ set: values, delete: [] }, await store.read());

    let ourCalls = 0;
    const ours = await timeAsync(
      async () => {
        client.reset();
        const snap = await store.read();
        if (snap.values.size !== KEYS)
          throw new Error(`read ${snap.values.size} keys, expected ${KEYS}`);
        ourCalls = client.total();
      },
      3,
      1,
    );

    // Baseline: the same client; list, then one AccessSecretVersion per key, one after the other.
    let baseCalls = 0;
    const base = await timeAsync(
      async () => {
        client.reset();
        const ids: string[] = [];
        let token = "";
        do {
          const page = await client.api.listSecrets(`projects/${project}`, token);
          ids.push(...page.secrets.map((s) => s.name));
          token = page.next;
        } while (token !== "");
        for (const name of ids) await client.api.accessSecretVersion(`${name}/versions/latest`);
        if (ids.length !== KEYS) throw new Error(`listed ${ids.length} secrets, expected ${KEYS}`);
        baseCalls = client.total();
      },
      latencyMs > 0 ? 2 : 3,
      latencyMs > 0 ? 0 : 1,
    );

    const snap = await store.read();
    const set = new Map<string, string>();
    for (let i = 0; i < KEYS; i += KEYS / CHANGED)
      set.set(`KEY_${String(i).padStart(4, "0")}`, `changed-${i}`);
    for (const [k, v] of values) if (!set.has(k)) set.set(k, v); // a push sends every key; only 10 differ
    client.reset();
    await store.write({ set, delete: [] }, snap);
    const writes =
      (client.counts.get("addSecretVersion") ?? 0) + (client.counts.get("createSecret") ?? 0);
    const guards =
      (client.counts.get("getSecret") ?? 0) + (client.counts.get("getSecretVersion") ?? 0);
    await store.close();

    const where = latencyMs > 0 ? `emulator + ${latencyMs} ms per call` : "emulator on loopback";
    const speed = base.median / ours.median;
    const rows: BenchRow[] = [
      {
        name: `GCP SM per-key pull, ${KEYS} keys (${where}): envsync (concurrency ${CONCURRENCY}) vs sequential AccessSecretVersion loop`,
        ours: `${fmt(ours)}; ${ourCalls} calls`,
        baseline: `${fmt(base)}; ${baseCalls} calls`,
        ratio: `${speed.toFixed(2)}× faster`,
        goal: latencyMs > 0 ? "≥ 6× faster" : "(informational: no round-trip cost)",
        ...(latencyMs > 0 ? { met: speed >= 6 } : {}),
        note: "no batch read in Secret Manager: 1 ListSecrets page + 1 AccessSecretVersion per key, same client",
      },
    ];
    if (latencyMs === 0) {
      rows.push({
        name: `GCP SM per-key push, ${KEYS} keys with ${CHANGED} changed (${where}): write calls`,
        ours: `${writes} write calls (+${guards} guard reads)`,
        baseline: `${KEYS} (writing every key)`,
        ratio: `${(KEYS / Math.max(1, writes)).toFixed(0)}× fewer writes`,
        goal: `= ${CHANGED} writes`,
        met: writes === CHANGED,
      });
    }
    return rows;
  } finally {
    await emu.stop();
  }
}

/** Runs the GCP rows. */
export async function run(): Promise<BenchRow[]> {
  await emulator.install();
  return [...(await measure(0)), ...(await measure(LATENCY_MS))];
}
