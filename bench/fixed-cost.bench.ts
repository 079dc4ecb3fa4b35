/**
 * Fixed cost of a cloud command (issue 15, item 2; issue 29, item 1): `envsync diff`
 * and `envsync run` on a 1-key remote of each provider on its emulator, in CPU time
 * (user + sys: waiting on the round trips costs none), paired run by run with
 * `node -e 0`. Goal (issue 29): each ≤ 1.5× `node -e 0`. In the same rounds, for the
 * note: the former layout (SDKs resolved from node_modules at run time, built here into
 * dist/cli-external by `ENVSYNC_BUNDLE_EXTERNAL_SDKS=1 node scripts/bundle.mjs`) and,
 * on AWS, the official SDK's path (`ENVSYNC_AWS_SDK=1`: what a profile, SSO or
 * instance credentials cost; static keys in the environment use the small client), on
 * Azure the official SecretClient's (`ENVSYNC_AZURE_SDK=1`; the App Service identity
 * the stand-in gives uses the small client). `ENVSYNC_BENCH_PROVIDERS=azure-kv,vault`
 * runs only those providers' rows.
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
  /** The environment that forces the official SDK (a third `diff` variant), and what it stands for. */
  forceSdk?: { env: Record<string, string>; note: string };
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
    forceSdk: {
      env: { ENVSYNC_AZURE_SDK: "1" },
      note: "the App Service identity (the small client); with the official SecretClient (ENVSYNC_AZURE_SDK=1)",
    },
  },
  { name: "vault", emulator: openbao, uri: () => `vault:///secret/fixed-${tag()}`, sdk: false },
];
const tag = (): string => Math.random().toString(36).slice(2, 10);
const AWS_SDK = {
  env: { ENVSYNC_AWS_SDK: "1" },
  note: "static keys in the environment (the small client); with the official SDK (ENVSYNC_AWS_SDK=1, as for profiles, SSO, instance roles)",
};
/** The providers whose rows run: all, or those ENVSYNC_BENCH_PROVIDERS names. */
const chosen = (): typeof PROVIDERS => {
  const only = process.env.ENVSYNC_BENCH_PROVIDERS?.split(",").map((s) => s.trim());
  return only ? PROVIDERS.filter((p) => only.includes(p.name)) : PROVIDERS;
};

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
  const providers = chosen();
  const emus = [...new Set(providers.map((p) => p.emulator))];
  for (const e of emus) await e.install();
  const running = new Map<Emulator, RunningEmulator>();
  try {
    for (const e of emus) running.set(e, await e.start());
    const env: Record<string, string> = { NO_COLOR: "1" };
    for (const r of running.values()) Object.assign(env, r.env);
    const cmds = [{ name: "node", argv: [node, "-e", "0"], env }];
    const forced = (p: (typeof PROVIDERS)[number]) =>
      p.forceSdk ?? (p.name.startsWith("aws-") ? AWS_SDK : undefined);
    for (const p of providers) {
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
      const variants: [string, string, Record<string, string>][] = [
        ["bundled", bundled, env],
        ["external", external, env],
        ...(forced(p)
          ? [
              ["sdk", bundled, { ...env, ...forced(p)!.env }] as [
                string,
                string,
                Record<string, string>,
              ],
            ]
          : []),
      ];
      for (const [variant, bin, venv] of variants)
        cmds.push({
          name: `${p.name} diff ${variant}`,
          argv: [node, bin, "diff", "-r", uri],
          env: venv,
          cwd: dir,
        } as never);
      // `run` as a dev server's start pays it: read the remote, start a child (here one
      // that does nothing, so the row is envsync's own cost).
      cmds.push({
        name: `${p.name} run bundled`,
        argv: [node, bundled, "run", "-r", uri, "--", "/bin/true"],
        env,
        cwd: dir,
      } as never);
    }
    const r = pairedCpu(cmds, RUNS);
    const rows: BenchRow[] = [];
    const above = (s: CpuSample[]) => stats(s.map((v, i) => v.cpu_ms - r.node![i]!.cpu_ms));
    const vsNode = (s: CpuSample[]) =>
      `${cpu(s)}; ${fmt(above(s))} above \`node -e 0\` (${fmtRatio(pairedRatio(s, r.node!, "cpu_ms"))})`;
    for (const p of providers) {
      for (const command of ["diff", "run"] as const) {
        const b = r[`${p.name} ${command} bundled`]!;
        const ratio = pairedRatio(b, r.node!, "cpu_ms");
        const notes: string[] = [];
        if (command === "diff") {
          const x = r[`${p.name} diff external`]!;
          const saved = stats(x.map((v, i) => v.cpu_ms - b[i]!.cpu_ms));
          notes.push(
            p.sdk === false
              ? "no SDK: the external-SDK build runs the same code"
              : `SDK resolved from node_modules instead: ${vsNode(x)}, bundling saves ${fmt(saved)}`,
          );
          const sdk = r[`${p.name} diff sdk`];
          if (sdk) notes.push(`${forced(p)!.note}: ${vsNode(sdk)}`);
        }
        notes.push(`\`node -e 0\`: ${cpu(r.node!)}`);
        rows.push({
          name: `fixed cost of \`envsync ${command}\` on a 1-key ${p.name} remote (emulator) vs \`node -e 0\`: CPU`,
          ours: vsNode(b),
          baseline: cpu(r.node!),
          ratio: fmtRatio(ratio),
          // A row shown for comparison only (Google over gRPC) has no goal of its own.
          ...(p.goal === false
            ? { goal: "– (for comparison: the default transport has the goal)" }
            : { goal: "≤ 1.5× `node -e 0`", met: ratio.median <= 1.5 }),
          note: notes.join("; "),
        });
      }
    }
    return rows;
  } finally {
    for (const r of running.values()) await r.stop();
  }
}
