/**
 * Reads near the Rust peers (issue 29, item 2), as whole processes on the emulators:
 *
 * - a 1,000-key bundle (one secret holding every key) read by `envsync export --format
 *   json` on each store, in CPU time paired run by run with `node -e 0` (goal ≤ 2×);
 *   Vault's bundle holds 498 keys, the most OpenBao's default listener takes in one
 *   request (1,000 JSON strings);
 * - the AWS bundle read beside teller's (`teller export json`, same secret, same rounds);
 * - a 1,000-key per-key pull on moto (`envsync pull` after a sync) beside fnox's
 *   `export --format json` of the same names under the same prefix (goal: no slower, wall).
 *
 * teller and fnox are built from crates.io by bench/peers/build.sh (`npm run
 * bench:peers`, or ENVSYNC_BENCH_PEERS=1 here, which runs it first); without them their
 * rows say "absent". Every command's output is checked against the values written
 * before anything is timed, so each side does the same work.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
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
const BIN = join(root, "dist", "cli", "bin.js");
const KEYS = 1000;
/** OpenBao's listener takes 1,000 JSON strings a request by default: 498 keys + 2 markers. */
const VAULT_KEYS = 498;
const RUNS = Number(process.env.ENVSYNC_BENCH_RUNS ?? 15);

/** The peers' builds (bench/peers/build.sh), or null when absent. */
const PEERS_DIR =
  process.env.ENVSYNC_PEERS_DIR ?? join(homedir(), ".cache", "envsync-emulators", "peers");
const TELLER_VERSION = process.env.ENVSYNC_TELLER_VERSION ?? "2.0.7";
const FNOX_VERSION = process.env.ENVSYNC_FNOX_VERSION ?? "1.46.0";
function peer(name: "teller" | "fnox", version: string): string | null {
  const bin = join(PEERS_DIR, `${name}-${version}`, "bin", name);
  return existsSync(bin) ? bin : null;
}

const tag = (): string => Math.random().toString(36).slice(2, 8);
const values = (n: number, pad = 32): Map<string, string> =>
  new Map(Array.from({ length: n }, (_, i) => [`KEY_${i}`, `value-${i}-${"x".repeat(pad)}`]));
const dotenv = (m: Map<string, string>): string =>
  [...m].map(([k, v]) => `${k}=${v}`).join("\n") + "\n";

/** The bundle remotes, from the emulators' variables. */
const BUNDLES: {
  name: string;
  emulator: Emulator;
  keys: number;
  /** Characters added to each value (Key Vault takes 25 KiB a secret: short values there). */
  pad?: number;
  uri: (env: Record<string, string>, id: string) => string;
}[] = [
  {
    name: "AWS Secrets Manager",
    emulator: moto,
    keys: KEYS,
    uri: (e, id) =>
      `aws-sm://envsync-bench/read-${id}?region=us-east-1&endpoint=${encodeURIComponent(e[MOTO_ENDPOINT_VAR]!)}`,
  },
  {
    name: "Google Secret Manager",
    emulator: gsm,
    keys: KEYS,
    uri: (e, id) =>
      `gcp-sm://envsync-bench/read-${id}?endpoint=http://${e.ENVSYNC_TEST_GSM_ENDPOINT}`,
  },
  {
    name: "Azure Key Vault",
    emulator: lowkey,
    keys: KEYS,
    pad: 0,
    uri: (e, id) => `azure-kv://${e.ENVSYNC_TEST_LOWKEY_URL}/read-${id}`,
  },
  {
    name: "Vault",
    emulator: openbao,
    keys: VAULT_KEYS,
    uri: (_e, id) => `vault:///secret/read-${id}`,
  },
];

/** Runs `argv` once and returns its stdout parsed as JSON (throws on failure). */
function json(argv: string[], cwd: string, env: NodeJS.ProcessEnv): unknown {
  const r = spawnSync(argv[0]!, argv.slice(1), { cwd, env, encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.status !== 0)
    throw new Error(`${argv.join(" ")} exited ${r.status}: ${r.stderr.slice(-400)}`);
  return JSON.parse(r.stdout);
}

/** Throws unless `got` holds exactly `want`'s entries (the other side must read what we wrote). */
function same(what: string, got: unknown, want: Map<string, string>): void {
  const o = got as Record<string, unknown>;
  const bad = [...want].find(([k, v]) => o[k] !== v);
  if (Object.keys(o).length !== want.size || bad)
    throw new Error(`${what} read ${Object.keys(o).length} keys (${bad?.[0] ?? "all match"})`);
}

const cpu = (s: CpuSample[]): string => `${fmt(stats(s.map((x) => x.cpu_ms)))} CPU`;
const wall = (s: CpuSample[]): string => `${fmt(stats(s.map((x) => x.wall_ms)))} wall`;

/** Builds the peers first when asked (ENVSYNC_BENCH_PEERS=1). */
function buildPeersIfAsked(): void {
  if (process.env.ENVSYNC_BENCH_PEERS !== "1") return;
  process.stderr.write("bench: building teller and fnox (bench/peers/build.sh)…\n");
  spawnSync("bash", [join(root, "bench", "peers", "build.sh")], { stdio: "inherit" });
}

/** Runs the read rows. */
export async function run(): Promise<BenchRow[]> {
  buildPeersIfAsked();
  const teller = peer("teller", TELLER_VERSION);
  const fnox = peer("fnox", FNOX_VERSION);
  const node = process.execPath;
  const emus = [...new Set(BUNDLES.map((b) => b.emulator))];
  for (const e of emus) await e.install();
  const running = new Map<Emulator, RunningEmulator>();
  try {
    for (const e of emus) running.set(e, await e.start());
    const top = mkdtempSync(join(tmpdir(), "envsync-bench-read-"));
    // HOME: the peers read no configuration of the user's.
    const env: Record<string, string> = { NO_COLOR: "1", HOME: top };
    for (const r of running.values()) Object.assign(env, r.env);
    const childEnv = { ...process.env, ...env };
    const sync = (uri: string, dir: string, m: Map<string, string>): void => {
      writeFileSync(join(dir, ".env"), dotenv(m));
      const r = spawnSync(node, [BIN, "sync", "-r", uri], {
        cwd: dir,
        env: childEnv,
        encoding: "utf8",
      });
      if (r.status !== 0) throw new Error(`sync -r ${uri}: ${r.stderr.slice(-400)}`);
    };
    const cmds = [{ name: "node", argv: [node, "-e", "0"], env, cwd: top }];
    const rows: BenchRow[] = [];

    // 1. Bundles: one secret per store, written by a sync, read by `export` from a folder
    //    with no envsync state (what `envsync run` does at a dev server's start).
    const awsBundle = { id: tag(), values: values(KEYS) };
    for (const b of BUNDLES) {
      const id = b.emulator === moto ? awsBundle.id : tag();
      const m = b.emulator === moto ? awsBundle.values : values(b.keys, b.pad);
      const uri = b.uri(env, id);
      const writer = mkdtempSync(join(top, "w-"));
      sync(uri, writer, m);
      const argv = [node, BIN, "export", "--format", "json", "-r", uri];
      same(`envsync export (${b.name})`, json(argv, top, childEnv), m);
      cmds.push({ name: b.name, argv, env, cwd: top });
    }

    // teller reads the same AWS secret (a JSON object of the keys) with `export json`.
    let tellerDir: string | null = null;
    if (teller) {
      tellerDir = mkdtempSync(join(top, "teller-"));
      writeFileSync(
        join(tellerDir, ".teller.yml"),
        [
          "providers:",
          "  sm:",
          "    kind: aws_secretsmanager",
          "    options:",
          "      region: us-east-1",
          `      access_key_id: ${env.AWS_ACCESS_KEY_ID ?? "testing"}`,
          `      secret_access_key: ${env.AWS_SECRET_ACCESS_KEY ?? "testing"}`,
          `      endpoint_url: ${env[MOTO_ENDPOINT_VAR]}`,
          "    maps:",
          "      - id: bundle",
          `        path: envsync-bench/read-${awsBundle.id}`,
          "",
        ].join("\n"),
      );
      const argv = [teller, "export", "json"];
      same("teller export json", json(argv, tellerDir, childEnv), awsBundle.values);
      cmds.push({ name: "teller", argv, env, cwd: tellerDir });
    }

    // 2. Per-key: 1,000 secrets under one prefix on moto.
    const prefix = `envsync-bench/perkey-${tag()}`;
    const perKey = values(KEYS);
    const perKeyUri = `aws-sm://${prefix}/*?region=us-east-1&endpoint=${encodeURIComponent(env[MOTO_ENDPOINT_VAR]!)}`;
    const synced = mkdtempSync(join(top, "perkey-"));
    sync(perKeyUri, synced, perKey);
    cmds.push({ name: "pull", argv: [node, BIN, "pull", "-r", perKeyUri], env, cwd: synced });
    let fnoxDir: string | null = null;
    if (fnox) {
      fnoxDir = mkdtempSync(join(top, "fnox-"));
      writeFileSync(
        join(fnoxDir, "fnox.toml"),
        [
          "[providers.sm]",
          'type = "aws-sm"',
          'region = "us-east-1"',
          `prefix = "${prefix}/"`,
          `endpoint = "${env[MOTO_ENDPOINT_VAR]}"`,
          "",
          "[secrets]",
          ...[...perKey.keys()].map((k) => `${k} = { provider = "sm", value = "${k}" }`),
          "",
        ].join("\n"),
      );
      const argv = [fnox, "export", "--format", "json"];
      const out = json(argv, fnoxDir, childEnv) as { secrets?: unknown };
      same("fnox export", out.secrets ?? out, perKey);
      cmds.push({ name: "fnox", argv, env, cwd: fnoxDir });
    }

    const r = pairedCpu(cmds, RUNS);
    const floor = r.node!;
    for (const b of BUNDLES) {
      const s = r[b.name]!;
      const ratio = pairedRatio(s, floor, "cpu_ms");
      rows.push({
        name: `read a ${b.keys}-key ${b.name} bundle (emulator): \`envsync export\` vs \`node -e 0\`, CPU`,
        ours: `${cpu(s)}; ${wall(s)}`,
        baseline: cpu(floor),
        ratio: fmtRatio(ratio),
        goal: "≤ 2× `node -e 0` CPU",
        met: ratio.median <= 2,
        ...(b.keys < KEYS
          ? { note: `${b.keys} keys: the most OpenBao's default listener takes in one request` }
          : b.pad === 0
            ? { note: "values of 8–10 characters: Key Vault takes 25 KiB a secret" }
            : {}),
      });
    }
    const aws = r["AWS Secrets Manager"]!;
    rows.push(
      r.teller
        ? {
            name: `read a ${KEYS}-key AWS Secrets Manager bundle (moto): \`envsync export\` vs teller ${TELLER_VERSION} \`export json\``,
            ours: `${cpu(aws)}; ${wall(aws)}`,
            baseline: `${cpu(r.teller)}; ${wall(r.teller)}`,
            ratio: `CPU ${fmtRatio(pairedRatio(aws, r.teller, "cpu_ms"))}; wall ${fmtRatio(pairedRatio(aws, r.teller, "wall_ms"))}`,
            goal: "(informational: the 2× `node -e 0` row above is the goal)",
            note: "same secret, same rounds; teller is a Rust binary with no runtime start-up",
          }
        : {
            name: `read a ${KEYS}-key AWS Secrets Manager bundle (moto): \`envsync export\` vs teller`,
            ours: `${cpu(aws)}; ${wall(aws)}`,
            baseline: "absent",
            ratio: "–",
            goal: "(informational)",
            note: `teller ${TELLER_VERSION} is not built: \`npm run bench:peers\` builds it`,
          },
    );
    const pull = r.pull!;
    if (r.fnox) {
      const w = pairedRatio(pull, r.fnox, "wall_ms");
      rows.push({
        name: `${KEYS}-key per-key pull on moto: \`envsync pull\` (after a sync) vs fnox ${FNOX_VERSION} \`export --format json\` of the same prefix`,
        ours: `${wall(pull)}; ${cpu(pull)}`,
        baseline: `${wall(r.fnox)}; ${cpu(r.fnox)}`,
        ratio: `wall ${fmtRatio(w)}; CPU ${fmtRatio(pairedRatio(pull, r.fnox, "cpu_ms"))}`,
        goal: "wall ≤ 1.0× fnox",
        met: w.median <= 1,
        note: "both read every value under the prefix; fnox lists each name in fnox.toml",
      });
    } else {
      rows.push({
        name: `${KEYS}-key per-key pull on moto: \`envsync pull\` vs fnox \`export\``,
        ours: `${wall(pull)}; ${cpu(pull)}`,
        baseline: "absent",
        ratio: "–",
        goal: "wall ≤ 1.0× fnox (unmeasured)",
        note: `fnox ${FNOX_VERSION} is not built: \`npm run bench:peers\` builds it`,
      });
    }
    return rows;
  } finally {
    for (const r of running.values()) await r.stop();
  }
}
