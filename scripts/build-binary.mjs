// `npm run build:binary`: a standalone envsync executable for the platform it runs on
// (linux-x64 here), built with the single executable application support of a supported
// Node.js LTS (BINARY_LINE in scripts/node-runtimes.mjs, installed by the project from the
// npm registry, whatever `node` runs this script): `node --build-sea` writes the
// executable, a copy of that runtime with the blob inside. The build refuses a runtime
// past its end of life or not an LTS (below 22, or an odd line).
//
// The SEA's main script can require only Node built-ins, so the bundle of dist/cli
// (bin.js, core.cjs, the lazy chunks and their V8 code caches) is embedded as SEA
// assets under the same relative paths, and the main script below serves reads of
// those paths from the assets: the launcher and the chunk loader read their files with
// fs.readFileSync (src/cli/code-cache.ts) and never require a file, so the lazy
// loading of the script build works unchanged: a `file:` command still loads no SDK.
// The bundle is built again by the binary's own runtime (scripts/bundle.mjs), so the
// code caches of its training run are the ones that runtime's V8 accepts; the main
// script itself has its code cache in the blob (`useCodeCache`). There is no V8 start-up
// snapshot (`useSnapshot`) yet: V8 rejects the chunks' code caches in a process started
// from a user-land snapshot unless a second build embeds caches trained by the first,
// and `--version` starts slower from one (docs/DESIGN.md, "Start-up", has the figures).
//
// The binary takes no Node options from its users: `execArgv` disables the SIGUSR1
// inspector activation (`--disable-sigusr1`) and `execArgvExtension: "none"` ignores
// NODE_OPTIONS, so nothing can open a debugger into a process that holds secrets.
//
//   node scripts/build-binary.mjs [OUTPUT]   (after `npm run build`) → dist/envsync
//   ENVSYNC_BINARY_NODE=/path/to/node        builds from that runtime instead (checked)
import {
  existsSync,
  mkdirSync,
  renameSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { spawnSync } from "node:child_process";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { BINARY_LINE, nodeRuntime } from "./node-runtimes.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const work = join(root, "dist", `sea-${process.pid}`);
/** The executable: the first argument, else dist/envsync. */
const output = resolve(
  process.argv[2] ?? join(root, "dist", process.platform === "win32" ? "envsync.exe" : "envsync"),
);
/** Where the embedded files appear to be (never a real folder). */
const ROOT = "/$envsync-sea/";

/** The runtime the binary is made of, and its version. */
const node = process.env.ENVSYNC_BINARY_NODE || nodeRuntime(BINARY_LINE);
const version = spawnSync(node, ["--version"], { encoding: "utf8" }).stdout?.trim() ?? "";
const major = Number(/^v(\d+)\./.exec(version)?.[1]);
if (!(major >= 22) || major % 2 === 1)
  throw new Error(
    `Refusing to build the binary from Node ${version || `at ${node}`}: only a supported LTS line (22, 24, 26…) ` +
      "may be shipped. Unset ENVSYNC_BINARY_NODE to use the project's runtime.",
  );
if (!spawnSync(node, ["--help"], { encoding: "utf8" }).stdout.includes("--build-sea"))
  throw new Error(
    `Node ${version} has no \`--build-sea\` (Node 25.5 and later): build from Node ${BINARY_LINE}.`,
  );

if (!existsSync(join(root, "dist", "cli", "bin.js")))
  throw new Error("dist/cli is missing: run `npm run build` first.");
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
// `--version` reads the version from package.json beside dist/.
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
writeFileSync(join(work, "package.json"), JSON.stringify({ name: pkg.name, version: pkg.version }));
// The bundle again, by the binary's runtime: its code caches must come from that V8.
const cli = join(work, "dist", "cli");
const bundled = spawnSync(node, [join(root, "scripts", "bundle.mjs")], {
  cwd: root,
  env: { ...process.env, ENVSYNC_BUNDLE_OUT: relative(root, cli) },
  encoding: "utf8",
});
if (bundled.status !== 0)
  throw new Error(`bundling with Node ${version} failed: ${bundled.stderr || bundled.stdout}`);

/** Every shipped file of dist/cli (not the source maps), by package-relative path. */
function files(dir) {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return files(p);
    return f.endsWith(".map") ? [] : [p];
  });
}
const assets = Object.fromEntries(
  files(cli).map((p) => [relative(work, p).split(sep).join("/"), p]),
);
assets["package.json"] = join(work, "package.json");

const main = `"use strict";
// envsync standalone binary: serves reads under ${ROOT} from the SEA assets, then runs dist/cli/bin.js.
const sea = require("node:sea");
const fs = require("node:fs");
const { fileURLToPath } = require("node:url");
const { createRequire } = require("node:module");
const vm = require("node:vm");
const ROOT = ${JSON.stringify(ROOT)};
/** The asset at an embedded path, or null for any other path. */
function asset(file) {
  const p = file instanceof URL ? (file.protocol === "file:" ? fileURLToPath(file) : "") : file;
  if (typeof p !== "string" || !p.startsWith(ROOT)) return null;
  try {
    return Buffer.from(sea.getAsset(p.slice(ROOT.length)));
  } catch {
    const e = new Error("ENOENT: no such file or directory, open '" + p + "'");
    Object.assign(e, { code: "ENOENT", errno: -2, syscall: "open", path: p });
    throw e;
  }
}
const decode = (data, options) => {
  const encoding = typeof options === "string" ? options : options && options.encoding;
  return encoding ? data.toString(encoding) : data;
};
const readFileSync = fs.readFileSync;
fs.readFileSync = function (file, options) {
  const data = asset(file);
  return data ? decode(data, options) : readFileSync.apply(this, arguments);
};
const readFile = fs.promises.readFile;
fs.promises.readFile = async function (file, options) {
  const data = asset(file);
  return data ? decode(data, options) : readFile.apply(this, arguments);
};
const bin = ROOT + "dist/cli/bin.js";
const source = fs.readFileSync(bin, "utf8").replace(/^#!.*/, "");
const run = vm.compileFunction(source, ["exports", "require", "module", "__filename", "__dirname"], {
  filename: bin,
});
const mod = { exports: {} };
run(mod.exports, createRequire(bin), mod, bin, ROOT + "dist/cli");
`;
writeFileSync(join(work, "main.cjs"), main);
const tmp = `${output}.tmp-${process.pid}`;
const config = {
  main: join(work, "main.cjs"),
  executable: node,
  output: tmp,
  disableExperimentalSEAWarning: true,
  useCodeCache: true,
  execArgv: ["--disable-sigusr1"],
  execArgvExtension: "none",
  assets,
};
writeFileSync(join(work, "sea-config.json"), JSON.stringify(config, null, 2));
const r = spawnSync(node, ["--build-sea", join(work, "sea-config.json")], { encoding: "utf8" });
if (r.status !== 0) throw new Error(`node --build-sea failed: ${r.stderr || r.stdout}`);
renameSync(tmp, output);
rmSync(work, { recursive: true, force: true });
const v = spawnSync(output, ["--version"], { encoding: "utf8" });
if (v.status !== 0 || v.stdout.trim() !== pkg.version)
  throw new Error(`the built binary does not run: ${v.status} ${v.stderr}`);
process.stdout.write(
  `${relative(root, output)}: ${(statSync(output).size / 2 ** 20).toFixed(1)} MiB, envsync ${pkg.version} on Node ${version} (${process.platform}-${process.arch})\n`,
);
