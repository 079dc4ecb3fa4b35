/**
 * Azure Key Vault per-key layout on the Key Vault emulator (started here through the
 * harness module: lowkey-vault where it can be installed, else envsync's own): a
 * 1,000-key pull through envsync (paged listing, then bounded-parallel getSecret,
 * concurrency 16) against a sequential loop with the same SDK client (the same
 * listing, then one getSecret after the other), and the write calls of a push of
 * 1,000 keys of which 10 changed.
 *
 * On loopback a call costs well under a millisecond of network, so most of the
 * time is CPU on two cores shared by client and emulator; a real vault is one
 * region away. The second row therefore adds 10 ms to every emulator response
 * (envsync's emulator only), the round trip to a nearby Azure region, which is what
 * parallel reads hide. Both rows run the same code; the note says which emulator.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { DefaultAzureCredential } from "@azure/identity";
import { SecretClient } from "@azure/keyvault-secrets";
import { silentLogger } from "../src/logger.js";
import { openStore } from "../src/providers/registry.js";
import type { StoreContext } from "../src/providers/types.js";
import { emulator } from "../test/harness/emulators/lowkey.js";
import { fmt, timeAsync, type Stats } from "./measure.js";
import type { BenchRow } from "./types.js";

const KEYS = 1000;
const CHANGED = 10;
const CONCURRENCY = 16;
const LATENCY_MS = 10;

/** Runs the Azure rows. */
export async function run(): Promise<BenchRow[]> {
  await emulator.install();
  const kv = await emulator.start();
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(kv.env)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  try {
    // NODE_EXTRA_CA_CERTS is read at process start only: trust the emulator in-process.
    const ca = readFileSync(kv.env.ENVSYNC_TEST_LOWKEY_CA!, "utf8");
    const context: StoreContext = {
      cwd: process.cwd(),
      env: process.env,
      logger: silentLogger,
      concurrency: CONCURRENCY,
      clientOptions: { "azure-kv": { tlsOptions: { ca } } },
    };
    const kind = kv.env.ENVSYNC_TEST_AZURE_EMULATOR!;
    const setLatency = async (ms: number): Promise<void> => {
      const res = await fetch(`${kv.env.ENVSYNC_TEST_KV_CONTROL_URL}/latency?ms=${ms}`, {
        method: "PUT",
      });
      if (!res.ok) throw new Error(`could not set the emulator latency (HTTP ${res.status})`);
    };

    /** Seeds 1,000 keys under a fresh prefix of `vault`; returns its URI and prefix. */
    const seed = async (vault: string): Promise<{ uri: string; prefix: string }> => {
      const prefix = `bench${randomUUID().slice(0, 8)}-`;
      const uri = `azure-kv://${vault}/${prefix}*`;
      const values = new Map<string, string>();
      for (let i = 0; i < KEYS; i++)
        values.set(`KEY_${String(i).padStart(4, "0")}`, `value-${i}-${"x".repeat(24)}`);
      const s = await openStore(uri, context);
      await s.write({ set: values, delete: [] }, await s.read());
      return { uri, prefix };
    };

    const pull = async (
      vault: string,
      uri: string,
      prefix: string,
      runs: { ours: number; base: number },
    ): Promise<{ ours: Stats; base: Stats }> => {
      // envsync pull: a fresh store per run, as a CLI process would have.
      const ours = await timeAsync(
        async () => {
          const s = await openStore(uri, context);
          const snap = await s.read();
          if (snap.values.size !== KEYS)
            throw new Error(`read ${snap.values.size} keys, expected ${KEYS}`);
        },
        runs.ours,
        1,
      );
      // Baseline: the same SDK and options, a fresh client per run as well, listing
      // then one getSecret at a time.
      const base = await timeAsync(
        async () => {
          const client = new SecretClient(vault, new DefaultAzureCredential(), {
            disableChallengeResourceVerification: true,
            serviceVersion: "7.6",
            retryOptions: { maxRetries: 0 },
            tlsOptions: { ca },
          });
          let n = 0;
          for await (const page of client.listPropertiesOfSecrets().byPage({ maxPageSize: 25 })) {
            for (const p of page) {
              if (!p.name.startsWith(prefix)) continue;
              await client.getSecret(p.name);
              n++;
            }
          }
          if (n !== KEYS) throw new Error(`baseline read ${n} keys, expected ${KEYS}`);
        },
        runs.base,
        1,
      );
      return { ours, base };
    };

    const rows: BenchRow[] = [];
    const goal = "≥ 6× faster";

    // Row 1: loopback as it is.
    const vault = kv.env.ENVSYNC_TEST_LOWKEY_URL!;
    const a = await seed(vault);
    const r1 = await pull(vault, a.uri, a.prefix, { ours: 5, base: 3 });
    const speed1 = r1.base.median / r1.ours.median;
    rows.push({
      name: `Azure KV per-key pull, ${KEYS} keys (${kind} emulator, loopback): envsync vs sequential getSecret loop`,
      ours: fmt(r1.ours),
      baseline: fmt(r1.base),
      ratio: `${speed1.toFixed(2)}×`,
      goal: "none: loopback has no round trip to hide",
      note: `concurrency ${CONCURRENCY}; each call is client and emulator CPU on 2 shared cores, so parallel reads cannot gain here`,
    });

    // Row 2: every response 10 ms later (a nearby region's round trip).
    const own = kv.env.ENVSYNC_TEST_KV_EMULATOR_URL!;
    const b = await seed(own);
    await setLatency(LATENCY_MS);
    try {
      const r2 = await pull(own, b.uri, b.prefix, { ours: 3, base: 2 });
      const speed2 = r2.base.median / r2.ours.median;
      rows.push({
        name: `Azure KV per-key pull, ${KEYS} keys (envsync emulator, +${LATENCY_MS} ms per response, a nearby region): envsync vs sequential getSecret loop`,
        ours: fmt(r2.ours),
        baseline: fmt(r2.base),
        ratio: `${speed2.toFixed(2)}× faster`,
        goal,
        met: speed2 >= 6,
        note: `concurrency ${CONCURRENCY}; ${Math.ceil(KEYS / 25)} list pages are sequential in both`,
      });
    } finally {
      await setLatency(0);
    }

    // Push of 1,000 keys with 10 changed: envsync writes only the changed keys.
    const s = await openStore(a.uri, context);
    const snap = await s.read();
    const set = new Map<string, string>();
    for (let i = 0; i < KEYS; i += KEYS / CHANGED)
      set.set(`KEY_${String(i).padStart(4, "0")}`, `changed-${i}`);
    const written = await s.write({ set, delete: [] }, snap);
    rows.push({
      name: `Azure KV per-key push, ${KEYS} keys with ${CHANGED} changed (${kind} emulator): write calls`,
      ours: `${written.writeCalls} write calls (+${CHANGED} getSecret for the version guard)`,
      baseline: `${KEYS} (writing every key)`,
      ratio: `${(KEYS / Math.max(1, written.writeCalls ?? KEYS)).toFixed(0)}× fewer writes`,
      goal: `= ${CHANGED} writes`,
      met: written.writeCalls === CHANGED,
    });
    return rows;
  } finally {
    await kv.stop();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}
