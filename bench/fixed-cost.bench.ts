/**
 * Fixed cost of a cloud command (issue 15, item 2): `envsync diff` on a 1-key remote
 * of each provider on its emulator, in CPU time (user + sys: waiting on the round
 * trips costs none), paired run by run with `node -e 0`. Two builds in the same rounds:
 * the shipped one (each provider's SDK bundled into its lazy chunk, dist/cli) and the
 * former layout (SDKs resolved from node_modules at run time), built here into
 * dist/cli-external by `ENVSYNC_BUNDLE_EXTERNAL_SDKS=1 node scripts/bundle.mjs`.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Emulator, RunningEmulator } from "../test/harness/common.js";
import { emulator as gsm } from "../test/harness/emulators/gsm.js";
import { emulator as lowkey } from "../test/harness/emulators/lowkey.js";
import { emulator as moto, MOTO_ENDPOINT_VAR } from "../test/harness/emulators/moto.js";
import { emulator as openbao } from "../test/harness/emulators/openbao.js";
import { fmt, fmtRatio, pairedCpu, pairedRatio, stats, type CpuSample } from "./measure.js";
import type { BenchRow } from "./types.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const RUNS = Number(process.env.ENVSYNC_BENCH_RUNS ?? 15);

/** The provider remotes, one fresh name per run, from the emulator's variables. */
const PROVIDERS: {
  name: string;
  emulator: Emulator;
  uri: (env: Record<string, string>) => string;
  /** False for a store with no SDK (Vault speaks HTTP with fetch): both builds are the same code. */
  sdk?: false;
  /** False for a row shown for comparison only (no ≤ 1.5× goal). */
  goal?: false;
}[] = [
  {
    name: "aws-sm",
    emulator: moto,
    uri: (e) =>
      `aws-sm://envsync-bench/fixed-${tag()}?region=us-east-1&endpoint=${encodeURIComponent(e[MOTO_ENDPOINT_VAR]!)}`,
  },
  {
    name: "aws-ssm",
    emulator: moto,
    uri: (e) =>
      `aws-ssm://envsync-bench/fixed-${tag()}/*?region=us-east-1&endpoint=${encodeURIComponent(e[MOTO_ENDPOINT_VAR]!)}`,
  },
  {
    name: "gcp-sm",
    emulator: gsm,
    uri: (e) =>
      `gcp-sm://envsync-bench/fixed-${tag()}?endpoint=http://${e.ENVSYNC_TEST_GSM_ENDPOINT}`,
  },
  // Google over gRPC (transport=grpc, the official client): kept as a choice, shown
  // beside the default REST transport; the goal is the default's.
  {
    name: "gcp-sm grpc",
    emulator: gsm,
    uri: (e) =>
      `gcp-sm://envsync-bench/fixed-${tag()}?endpoint=http://${e.ENVSYNC_TEST_GSM_ENDPOINT}&transport=grpc`,
    goal: false,
  },
  {
    name: "azure-kv",
    emulator: lowkey,
    uri: (e) => `azure-kv://${e.ENVSYNC_TEST_LOWKEY_URL}/fixed-${tag()}`,
  },
  { name: "vault", emulator: openbao, uri: () => `vault:///secret/fixed-${tag()}`, sdk: false },
];
const tag = (): string => Math.random().toString(36).slice(2, 10);

const cpu = (s: CpuSample[]): string => `${fmt(stats(s.map((x) => x.cpu_ms)))} CPU`;

/** Builds the former layout (SDKs external) beside dist/cli; returns its bin.js. */
export function buildExternal(): string {
  const outDir = join("dist", "cli-external");
  const r = spawnSync(process.execPath, [join(root, "scripts", "bundle.mjs")], {
    cwd: root,
    env: { ...process.env, ENVSYNC_BUNDLE_OUT: outDir, ENVSYNC_BUNDLE_EXTERNAL_SDKS: "1" },
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`external-SDK build failed: ${r.stderr}`);
  return join(root, outDir, "bin.js");
}

/** Runs the fixed-cost rows. */
export async function run(): Promise<BenchRow[]> {
  const bundled = join(root, "dist", "cli", "bin.js");
  const external = buildExternal();
  const node = process.execPath;
  const emus = [...new Set(PROVIDERS.map((p) => p.emulator))];
  for (const e of emus) await e.install();
  const running = new Map<Emulator, RunningEmulator>();
  try {
    for (const e of emus) running.set(e, await e.start());
    const env: Record<string, string> = { NO_COLOR: "1" };
    for (const r of running.values()) Object.assign(env, r.env);
    const cmds = [{ name: "node", argv: [node, "-e", "0"], env }];
    for (const p of PROVIDERS) {
      const dir = mkdtempSync(join(tmpdir(), `envsync-fixed-${p.name}-`));
      writeFileSync(join(dir, ".env"), "ONE_KEY=bench-value\n");
      const uri = p.uri(env);
      // The remote holds the one key after a first sync; diff then finds nothing to do.
      const first = spawnSync(node, [bundled, "sync", "-r", uri], {
        cwd: dir,
        env: { ...process.env, ...env },
        encoding: "utf8",
      });
      if (first.status !== 0) throw new Error(`${p.name}: first sync failed: ${first.stderr}`);
      for (const [variant, bin] of [
        ["bundled", bundled],
        ["external", external],
      ] as const)
        cmds.push({
          name: `${p.name} ${variant}`,
          argv: [node, bin, "diff", "-r", uri],
          env,
          cwd: dir,
        } as never);
    }
    const r = pairedCpu(cmds, RUNS);
    const rows: BenchRow[] = [];
    for (const p of PROVIDERS) {
      const b = r[`${p.name} bundled`]!;
      const x = r[`${p.name} external`]!;
      const above = (s: CpuSample[]) => stats(s.map((v, i) => v.cpu_ms - r.node![i]!.cpu_ms));
      const saved = stats(x.map((v, i) => v.cpu_ms - b[i]!.cpu_ms));
      rows.push({
        name: `fixed cost of \`envsync diff\` on a 1-key ${p.name} remote (emulator), SDK bundled in its chunk vs resolved from node_modules: CPU`,
        ours: `${cpu(b)}; ${fmt(above(b))} above \`node -e 0\` (${fmtRatio(pairedRatio(b, r.node!, "cpu_ms"))})`,
        baseline: `${cpu(x)}; ${fmt(above(x))} above \`node -e 0\` (${fmtRatio(pairedRatio(x, r.node!, "cpu_ms"))})`,
        ratio: `${fmtRatio(pairedRatio(x, b, "cpu_ms"))} less`,
        // Issue 29: the fixed cost of a cloud command at the Node floor, ≤ 1.5× `node -e 0`
        // (the shipped build). A store with no SDK has nothing to bundle: its two builds
        // run the same code, so their pair can only tie.
        ...(p.goal === false
          ? { goal: "– (for comparison: the default transport has the goal)" }
          : {
              goal: "bundled ≤ 1.5× `node -e 0`",
              met: pairedRatio(b, r.node!, "cpu_ms").median <= 1.5,
            }),
        note: `${p.sdk === false ? "no SDK: the same code in both builds" : `bundling saved ${fmt(saved)} per command (paired)`}; \`node -e 0\`: ${cpu(r.node!)}`,
      });
    }
    return rows;
  } finally {
    for (const r of running.values()) await r.stop();
  }
}
