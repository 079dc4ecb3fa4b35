/**
 * Install size and start-up of what users get (issue 18): the packed package (all
 * bundled, no runtime dependencies) against the former layout (the same CLI with the
 * SDKs and the other runtime packages as dependencies), and the standalone binary.
 *
 * Both tarballs are made here: "after" is `npm pack` of this tree; "before" is dist/cli
 * built with the SDKs external (bench/fixed-cost.bench.ts's build) in a package whose
 * `dependencies` are the packages the bundle holds (as package.json had them before).
 * Each is installed with `npm install --prefer-offline` into empty folders (before: its
 * dependencies' tarballs come from the local npm cache, which `npm ci` filled, their
 * metadata from the registry; after: an empty cache, and nothing else is fetched). Start-up rows are paired CPU and wall time with
 * `node -e 0` (bench/cpu-time.py).
 */
import { spawnSync } from "node:child_process";
import {
  cpSync,
  rmSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buildExternal } from "./fixed-cost.bench.js";
import { fmt, fmtRatio, pairedCpu, pairedRatio, stats, type CpuSample } from "./measure.js";
import type { BenchRow } from "./types.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const RUNS = Number(process.env.ENVSYNC_BENCH_RUNS ?? 15);
const INSTALLS = Number(process.env.ENVSYNC_BENCH_INSTALLS ?? 3);
/** The runtime dependencies package.json had before everything was bundled. */
const FORMER_DEPENDENCIES = [
  "@aws-sdk/client-secrets-manager",
  "@aws-sdk/client-ssm",
  "@azure/identity",
  "@azure/keyvault-secrets",
  "@google-cloud/secret-manager",
  "@grpc/grpc-js",
  "@inquirer/prompts",
  "@scure/base",
  "age-encryption",
  "commander",
  "eciesjs",
  "ora",
  "picocolors",
  "yaml",
  "zod",
];

function npm(args: string[], cwd: string, env: Record<string, string> = {}): string {
  const r = spawnSync("npm", args, {
    cwd,
    encoding: "utf8",
    env: { ...process.env, npm_config_update_notifier: "false", ...env },
  });
  if (r.status !== 0) throw new Error(`npm ${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout;
}

/** Bytes and files under a folder. */
function usage(dir: string): { bytes: number; files: number } {
  let bytes = 0;
  let files = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      const u = usage(p);
      bytes += u.bytes;
      files += u.files;
    } else if (e.isFile()) {
      bytes += statSync(p).size;
      files++;
    }
  }
  return { bytes, files };
}

const mib = (b: number): string => `${(b / 2 ** 20).toFixed(1)} MiB`;

/** The "before" package: the external-SDK CLI with its former dependencies. */
function formerPackage(work: string): string {
  const external = buildExternal();
  const dir = join(work, "former");
  mkdirSync(join(dir, "dist"), { recursive: true });
  cpSync(dirname(external), join(dir, "dist", "cli"), { recursive: true });
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
    name: string;
    version: string;
    devDependencies: Record<string, string>;
  };
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({
      name: pkg.name,
      version: pkg.version,
      bin: { envsync: "dist/cli/bin.js" },
      files: ["dist"],
      dependencies: Object.fromEntries(
        FORMER_DEPENDENCIES.map((d) => [d, pkg.devDependencies[d]!]),
      ),
    }),
  );
  for (const f of ["README.md", "CHANGELOG.md"]) cpSync(join(root, f), join(dir, f));
  return dir;
}

/** Packs `dir` into a new folder under `work` (both tarballs have the same name); returns its path. */
function pack(dir: string, work: string): string {
  const dest = mkdtempSync(join(work, "pack-"));
  const out = JSON.parse(
    npm(["pack", "--ignore-scripts", "--json", "--pack-destination", dest], dir),
  ) as { filename: string }[];
  return join(dest, out[0]!.filename);
}

/** Installs `tarball` into a fresh folder `INSTALLS` times; returns the last folder and the wall times. */
function installs(
  tarball: string,
  work: string,
  cache: string | null,
): { app: string; ms: number[] } {
  const ms: number[] = [];
  let app = "";
  for (let i = 0; i < INSTALLS; i++) {
    app = mkdtempSync(join(work, "app-"));
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", version: "1.0.0" }));
    const env = cache ? { npm_config_cache: mkdtempSync(join(work, "cache-")) } : {};
    const t0 = process.hrtime.bigint();
    npm(
      ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts", tarball],
      app,
      env,
    );
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return { app, ms };
}

const packages = (app: string): number =>
  Object.keys(
    (
      JSON.parse(readFileSync(join(app, "node_modules", ".package-lock.json"), "utf8")) as {
        packages: object;
      }
    ).packages,
  ).length;

/** Runs the install rows. */
export function run(): Promise<BenchRow[]> {
  const work = mkdtempSync(join(tmpdir(), "envsync-bench-install-"));
  try {
    return Promise.resolve(measure(work));
  } finally {
    // Several installs of the former layout (about 100 MB each) and a 160 MB binary.
    rmSync(work, { recursive: true, force: true });
  }
}

function measure(work: string): BenchRow[] {
  const afterTgz = pack(root, work);
  const beforeTgz = pack(formerPackage(work), work);
  const after = installs(afterTgz, work, "empty");
  // The former dependencies need the registry's metadata (npm ci cached only their
  // tarballs): offline, the baseline falls back to issue 18's figures.
  let before: { app: string; ms: number[] } | null = null;
  let beforeError = "";
  try {
    before = installs(beforeTgz, work, null);
  } catch (e) {
    beforeError = ((e as Error).message.split("\n")[1] ?? (e as Error).message).slice(0, 160);
  }
  const unmeasured = `not measured (${beforeError}); issue 18: 141 packages, 135 MB`;
  const binary = join(work, "envsync");
  const b = spawnSync(process.execPath, [join(root, "scripts", "build-binary.mjs"), binary], {
    encoding: "utf8",
  });
  if (b.status !== 0) throw new Error(`build-binary failed: ${b.stderr}`);

  const rows: BenchRow[] = [];
  const aUse = usage(join(after.app, "node_modules"));
  const bUse = before ? usage(join(before.app, "node_modules")) : null;
  rows.push({
    name: "`npm install` of the packed tarball into an empty folder: packages, size, files",
    ours: `${packages(after.app)} package, ${mib(aUse.bytes)}, ${aUse.files} files (tarball ${mib(statSync(afterTgz).size)})`,
    baseline:
      before && bUse
        ? `${packages(before.app)} packages, ${mib(bUse.bytes)}, ${bUse.files} files (tarball ${mib(statSync(beforeTgz).size)})`
        : unmeasured,
    ratio: bUse ? `${(bUse.bytes / aUse.bytes).toFixed(1)}× smaller` : "–",
    goal: "1 package, ≤ 20 MiB",
    met: packages(after.app) === 1 && aUse.bytes <= 20 * 2 ** 20,
    note: "baseline: the same CLI with its SDKs and other runtime packages as dependencies (issue 18 measured 141 packages, 135 MB)",
  });
  const aMs = stats(after.ms);
  const bMs = before ? stats(before.ms) : null;
  rows.push({
    name: "`npm install --prefer-offline` of the tarball into an empty folder: wall time",
    ours: fmt(aMs),
    baseline: bMs ? fmt(bMs) : unmeasured,
    ratio: bMs ? `${(bMs.median / aMs.median).toFixed(1)}× faster` : "–",
    goal: "–",
    note: "after: empty npm cache, nothing fetched; before: dependency tarballs from the local npm cache, their metadata from the registry",
  });

  const node = process.execPath;
  const env = { NO_COLOR: "1" };
  const cwd = mkdtempSync(join(work, "cwd-"));
  const packedBin = (app: string) => join(app, "node_modules", "envsync", "dist", "cli", "bin.js");
  const cmds = [
    { name: "node", argv: [node, "-e", "0"], env, cwd },
    { name: "after --version", argv: [node, packedBin(after.app), "--version"], env, cwd },

    { name: "after --help", argv: [node, packedBin(after.app), "--help"], env, cwd },

    { name: "binary --version", argv: [binary, "--version"], env, cwd },
    { name: "binary --help", argv: [binary, "--help"], env, cwd },
    {
      name: "npx --version",
      argv: ["/usr/bin/env", "npx", "--offline", "envsync", "--version"],
      env,
      cwd: after.app,
    },
    ...(before
      ? ["--version", "--help"].map((c) => ({
          name: `before ${c}`,
          argv: [node, packedBin(before.app), c],
          env,
          cwd,
        }))
      : []),
  ];
  const r = pairedCpu(cmds, RUNS);
  const show = (s: CpuSample[]): string =>
    `${fmt(stats(s.map((x) => x.cpu_ms)))} CPU, ${fmt(stats(s.map((x) => x.wall_ms)))} wall`;
  const vsNode = (name: string, label: string, note?: string): BenchRow => ({
    name: `${label} vs \`node -e 0\`: CPU`,
    ours: show(r[name]!),
    baseline: show(r.node!),
    ratio: fmtRatio(pairedRatio(r[name]!, r.node!, "cpu_ms")),
    goal: "–",
    ...(note ? { note } : {}),
  });
  for (const c of ["--version", "--help"]) {
    rows.push({
      ...vsNode(`after ${c}`, `\`envsync ${c}\` from the installed tarball`),
      note: r[`before ${c}`]
        ? `former layout (node_modules SDKs): ${show(r[`before ${c}`]!)}, ${fmtRatio(pairedRatio(r[`before ${c}`]!, r.node!, "cpu_ms"))} of \`node -e 0\``
        : `former layout: ${unmeasured}`,
    });
    rows.push(
      vsNode(
        `binary ${c}`,
        `\`envsync ${c}\`, standalone binary (${mib(statSync(binary).size)})`,
        "the binary is a copy of node with the bundle embedded; its chunks load from SEA assets",
      ),
    );
  }
  // Cold `npx` from the tarball itself: an empty npm cache each run, so npx unpacks the
  // package before it runs it (what a first `npx ./envsync-X.tgz` costs a user).
  const fromTarball: number[] = [];
  for (let i = 0; i < INSTALLS + 2; i++) {
    const cache = mkdtempSync(join(work, "npx-cache-"));
    const t0 = process.hrtime.bigint();
    npm(["exec", "--yes", "--offline", "--package", afterTgz, "--", "envsync", "--version"], cwd, {
      npm_config_cache: cache,
    });
    fromTarball.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const cold = stats(fromTarball);
  rows.push({
    name: "cold `npx --package ./envsync-X.tgz envsync --version`, empty npm cache: wall time",
    ours: fmt(cold),
    baseline: "–",
    ratio: "–",
    goal: "≤ 5 s",
    met: cold.median <= 5000,
    note: "npx unpacks the tarball into its cache first; npx's own start-up included",
  });
  const npx = stats(r["npx --version"]!.map((s) => s.wall_ms));
  rows.push({
    name: "`npx envsync --version` in the folder the tarball was installed into: wall time",
    ours: fmt(npx),
    baseline: "–",
    ratio: "–",
    goal: "≤ 5 s",
    met: npx.max <= 5000,
    note: "npx's own start-up included",
  });
  return rows;
}
