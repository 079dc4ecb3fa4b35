// `npm run build:binary`: a standalone envsync executable for the platform it runs on
// (linux-x64 here) with Node's single executable applications (Node 20
// `--experimental-sea-config`, the blob injected into a copy of this node with postject).
//
// The SEA's main script can require only Node built-ins, so the bundle of dist/cli
// (bin.js, core.cjs, the lazy chunks and their V8 code caches) is embedded as SEA
// assets under the same relative paths, and the main script below serves reads of
// those paths from the assets: the launcher and the chunk loader read their files with
// fs.readFileSync (src/cli/code-cache.ts) and never require a file, so the lazy
// loading of the script build works unchanged: a `file:` command still loads no SDK.
//
//   node scripts/build-binary.mjs   (after `npm run build`) → dist/envsync
import {
  chmodSync,
  renameSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { spawnSync } from "node:child_process";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { inject } from "postject";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const cli = join(root, "dist", "cli");
const work = join(root, "dist", `sea-${process.pid}`);
/** The executable: the first argument, else dist/envsync. */
const output = resolve(
  process.argv[2] ?? join(root, "dist", process.platform === "win32" ? "envsync.exe" : "envsync"),
);
/** Where the embedded files appear to be (never a real folder). */
const ROOT = "/$envsync-sea/";

if (!existsSync(join(cli, "bin.js")))
  throw new Error("dist/cli is missing: run `npm run build` first.");
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });

/** Every shipped file of dist/cli (not the source maps), by package-relative path. */
function files(dir) {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return files(p);
    return f.endsWith(".map") ? [] : [p];
  });
}
const assets = Object.fromEntries(
  files(cli).map((p) => [relative(root, p).split(sep).join("/"), p]),
);
// `--version` reads the version from package.json beside dist/.
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
writeFileSync(join(work, "package.json"), JSON.stringify({ name: pkg.name, version: pkg.version }));
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
const config = {
  main: join(work, "main.cjs"),
  output: join(work, "sea-prep.blob"),
  disableExperimentalSEAWarning: true,
  assets,
};
writeFileSync(join(work, "sea-config.json"), JSON.stringify(config, null, 2));
const r = spawnSync(
  process.execPath,
  ["--experimental-sea-config", join(work, "sea-config.json")],
  {
    encoding: "utf8",
  },
);
if (r.status !== 0) throw new Error(`node --experimental-sea-config failed: ${r.stderr}`);

const tmp = `${output}.tmp-${process.pid}`;
copyFileSync(process.execPath, tmp);
chmodSync(tmp, 0o755);
await inject(tmp, "NODE_SEA_BLOB", readFileSync(config.output), {
  sentinelFuse: "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2",
  ...(process.platform === "darwin" ? { machoSegmentName: "NODE_SEA" } : {}),
});
renameSync(tmp, output);
rmSync(work, { recursive: true, force: true });
const v = spawnSync(output, ["--version"], { encoding: "utf8" });
if (v.status !== 0 || v.stdout.trim() !== pkg.version)
  throw new Error(`the built binary does not run: ${v.status} ${v.stderr}`);
process.stdout.write(
  `${relative(root, output)}: ${(statSync(output).size / 2 ** 20).toFixed(1)} MiB, envsync ${pkg.version} on Node ${process.version} (${process.platform}-${process.arch})\n`,
);
