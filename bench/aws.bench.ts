/**
 * AWS per-key layout on moto (started here, installed on first use): a 1,000-key
 * pull through envsync (ListSecrets by prefix, then BatchGetSecretValue by id, 20 per
 * call) against a sequential one-`GetSecretValue`-per-key loop with the same SDK, and
 * the write calls of a push of 1,000 keys of which 10 changed. The read's calls are all
 * the calls a command's read makes: the entries other tools made under the prefix come
 * with it (`snapshot.foreign`; the bench fails if they do not, as a command would then
 * list the prefix again on a client of its own, uncounted here).
 */
import { randomUUID } from "node:crypto";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { silentLogger } from "../src/logger.js";
import type { CountsCalls } from "../src/providers/aws/common.js";
import { openStore } from "../src/providers/registry.js";
import type { Store, StoreContext } from "../src/providers/types.js";
import { emulator, MOTO_ENDPOINT_VAR } from "../test/harness/emulators/moto.js";
import { fmt, timeAsync } from "./measure.js";
import type { BenchRow } from "./types.js";

const KEYS = 1000;
const CHANGED = 10;

/** Runs the AWS rows. */
export async function run(): Promise<BenchRow[]> {
  await emulator.install();
  const moto = await emulator.start();
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(moto.env)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  try {
    const endpoint = moto.env[MOTO_ENDPOINT_VAR]!;
    const prefix = `envsync-bench/${randomUUID().slice(0, 8)}`;
    const uri = `aws-sm://${prefix}/*?region=us-east-1&endpoint=${encodeURIComponent(endpoint)}`;
    const context: StoreContext = {
      cwd: process.cwd(),
      env: process.env,
      logger: silentLogger,
      concurrency: 16,
    };
    const open = async (): Promise<Store & CountsCalls> =>
      (await openStore(uri, context)) as Store & CountsCalls;

    const values = new Map<string, string>();
    for (let i = 0; i < KEYS; i++)
      values.set(`KEY_${String(i).padStart(4, "0")}`, `value-${i}-${"x".repeat(24)}`);
    const seed = await open();
    await seed.write({ set: values, delete: [] }, await seed.read());
    await seed.close?.();

    // envsync pull: a fresh store per run (as a CLI process would), counting its calls.
    let ourCalls = 0;
    const ours = await timeAsync(
      async () => {
        const s = await open();
        const snap = await s.read();
        if (snap.values.size !== KEYS)
          throw new Error(`read ${snap.values.size} keys, expected ${KEYS}`);
        // Without them a command would list the prefix again on a client of its own.
        if (!snap.foreign) throw new Error("the read did not bring the foreign entries");
        ourCalls = s.calls.made();
        await s.close?.();
      },
      5,
      1,
    );

    // Baseline: the same SDK, one GetSecretValue per key, one after the other.
    const names = [...values.keys()].map((k) => `${prefix}/${k}`);
    const client = new SecretsManagerClient({ endpoint, region: "us-east-1", maxAttempts: 1 });
    let baseCalls = 0;
    const base = await timeAsync(
      async () => {
        baseCalls = 0;
        for (const SecretId of names) {
          await client.send(new GetSecretValueCommand({ SecretId }));
          baseCalls++;
        }
      },
      3,
      1,
    );
    client.destroy();

    // Push of 1,000 keys with 10 changed: envsync writes only the changed keys.
    const s = await open();
    const snap = await s.read();
    const set = new Map<string, string>();
    for (let i = 0; i < KEYS; i += KEYS / CHANGED)
      set.set(`KEY_${String(i).padStart(4, "0")}`, `changed-${i}`);
    s.calls.reset();
    await s.write({ set, delete: [] }, snap);
    const writes = s.calls.made("PutSecretValue", "CreateSecret", "DeleteSecret", "RestoreSecret");
    const guardReads = s.calls.made("ListSecrets");
    await s.close?.();

    const speed = base.median / ours.median;
    return [
      {
        name: `AWS SM per-key pull, ${KEYS} keys (moto): envsync vs sequential GetSecretValue loop`,
        ours: `${fmt(ours)}; ${ourCalls} calls`,
        baseline: `${fmt(base)}; ${baseCalls} calls`,
        ratio: `${speed.toFixed(2)}× faster, ${(baseCalls / ourCalls).toFixed(1)}× fewer calls`,
        goal: `≤ ${Math.ceil(KEYS / 100) + Math.ceil(KEYS / 20)} read calls (⌈n/100⌉ ListSecrets + ⌈n/20⌉ BatchGetSecretValue)`,
        met: ourCalls <= Math.ceil(KEYS / 100) + Math.ceil(KEYS / 20),
        note: "every call of the read, the notices' listing included (it comes with the read: 0 calls)",
      },
      {
        name: `AWS SM per-key push, ${KEYS} keys with ${CHANGED} changed (moto): write calls`,
        ours: `${writes} write calls (+${guardReads} ListSecrets for the version guard)`,
        baseline: `${KEYS} (writing every key)`,
        ratio: `${(KEYS / Math.max(1, writes)).toFixed(0)}× fewer writes`,
        goal: `= ${CHANGED} writes`,
        met: writes === CHANGED,
      },
    ];
  } finally {
    await moto.stop();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}
