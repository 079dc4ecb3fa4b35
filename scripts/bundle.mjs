// Builds the CLI into dist/cli/ as CommonJS (no ESM loader at start-up, one file to
// compile), in three kinds of files:
//
//   bin.js          the launcher: answers --version alone, else requires core.cjs
//   core.cjs        everything `--help` and the file: commands run
//   lib.cjs         the library (`import { sync } from "envsync"`), same chunks
//   chunks/*.cjs    loaded on first use: the YAML + schema parser of envsync.yaml
//                   (config), `yaml` itself, the prompts and spinner (ui), one per
//                   store with its provider code and its SDK bundled in (aws, gcp,
//                   azure, vault, dotenvx, sops)
//   *.cache         V8 code caches of the above, from a training run at the end
//
// Every package is bundled: the published package has no runtime dependencies
// (scripts/third-party-notices.mjs lists the licences of what is bundled, from the
// list of bundled files this script writes to dist/cli.inputs.json).
//
// A module that belongs to a chunk is replaced in core.cjs by a small proxy whose
// exports are getters: the first property read requires the chunk (the "lazy require"
// of Babel's CommonJS transform, applied to named modules). The chunk's own imports of
// envsync modules outside it (errors, retry, rules…) are not bundled again: they are
// handed in by the host that loads it, so `instanceof EnvsyncError` and module state
// hold across the boundary. Node built-ins that only some commands use (child_process,
// which commander requires at load) are proxied the same way.
import { spawnSync } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { build } from "esbuild";
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const src = join(root, "src");
const out = join(root, process.env.ENVSYNC_BUNDLE_OUT ?? "dist/cli");
const requireHere = createRequire(import.meta.url);

/**
 * Chunks: the src folder (or file) each owns. Every module under it goes to the chunk;
 * a file named by a chunk before a folder's chunk belongs to it, not to the folder's.
 * Secrets Manager and SSM each get their own chunk with only their SDK client (a
 * Secrets Manager command loading SSM's 457 KiB client cost ≈ 20 % of its start-up);
 * each store's foreign-entry access lives in its own module, so it comes with its
 * chunk; the aws chunk keeps what both use (common.ts) and the small AWS client
 * (client.ts). The official SDK clients sit in chunks of their own (aws-sm-sdk,
 * aws-ssm-sdk), loaded only for the credential and endpoint sources the small client
 * leaves to them. Google's gRPC client (the official SDK with grpc-js and protobufjs)
 * is a chunk of its own: the default REST transport never loads it. Azure's official
 * SecretClient (azure-sdk) and DefaultAzureCredential (azure-identity) are chunks of
 * their own: the small Key Vault client loads the credential only for the token
 * sources it does not read itself, and the SDK client only when forced. The `write` chunk
 * holds what only a write runs (atomic writes and backups, the state and file locks,
 * the `file:` history): `diff`, `check`, a `run` and a sync or pull with nothing to write
 * do not load it, so the core's code cache does not carry the write path's bytecode
 * (≈ 150 KB of it: V8 deserialises a whole cache at load).
 */
const CHUNKS = {
  config: ["config/parse-config.ts"],
  write: ["state/atomic-write.ts", "state/lock.ts", "providers/file/history.ts"],
  "aws-sm-sdk": ["providers/aws/sdk-sm.ts"],
  "aws-ssm-sdk": ["providers/aws/sdk-ssm.ts"],
  "aws-sm": ["providers/aws/secrets-manager.ts"],
  "aws-ssm": ["providers/aws/ssm.ts"],
  aws: ["providers/aws/"],
  "gcp-grpc": ["providers/gcp/grpc-api.ts"],
  gcp: ["providers/gcp/"],
  "azure-sdk": ["providers/azure/sdk.ts"],
  "azure-identity": ["providers/azure/sdk-credential.ts"],
  azure: ["providers/azure/"],
  vault: ["providers/vault/"],
  dotenvx: ["providers/dotenvx/"],
  sops: ["providers/sops/"],
};
/**
 * The SDKs are bundled into their provider's chunk, so the built CLI needs no
 * node_modules. ENVSYNC_BUNDLE_EXTERNAL_SDKS=1 builds the former layout instead
 * (SDKs resolved from node_modules at run time), which the bench measures beside the
 * bundled one (bench/fixed-cost.bench.ts).
 */
const EXTERNAL =
  process.env.ENVSYNC_BUNDLE_EXTERNAL_SDKS === "1"
    ? ["@aws-sdk/*", "@smithy/*", "@google-cloud/*", "google-gax", "@grpc/*", "@azure/*"]
    : [];
/**
 * The names of built-in `mod` that src imports by name (its proxy defines only these:
 * each importer's copy of them costs start-up); all of them when some file takes the
 * module whole (`import * as`, a default or a dynamic import).
 */
function builtinNames(mod) {
  const all = Object.keys(requireHere(`node:${mod}`));
  const spec = `"(?:node:)?${mod.replace("/", "\\/")}"`;
  const named = new RegExp(`import\\s*\\{([^}]*)\\}\\s*from\\s*${spec}`, "g");
  const whole = new RegExp(
    `import\\s+(?:\\*\\s+as\\s+\\w+|\\w+)\\s+from\\s*${spec}|import\\(\\s*${spec}|require\\(\\s*${spec}`,
  );
  const used = new Set();
  const files = (dir) =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory()
        ? files(join(dir, e.name))
        : e.name.endsWith(".ts")
          ? [join(dir, e.name)]
          : [],
    );
  for (const f of files(src)) {
    const text = readFileSync(f, "utf8");
    if (whole.test(text)) return all;
    for (const m of text.matchAll(named))
      for (const part of m[1].split(",")) {
        const name = part
          .trim()
          .replace(/^type\s+/, "")
          .split(/\s+as\s+/)[0];
        if (name && !/^type\s/.test(part.trim())) used.add(name);
      }
  }
  return all.filter((n) => used.has(n));
}
/**
 * Built-ins required only on some paths: proxied so start-up does not load them.
 * `https` too: a chunk that imports it at the top (the official SDKs' transports; the
 * stores' own clients use src/providers/shared/http1.ts, which imports `node:tls` on the
 * first `https:` connection) loads TLS and all of `node:crypto` only when it talks to an
 * `https:` address (≈ 12 ms of a 1-key `diff` on Node 24 that a plain-`http:` run never
 * needs).
 */
const LAZY_BUILTINS = ["child_process", "readline", "crypto", "os", "fs/promises", "https"];
/**
 * Packages only some paths use, in chunks of their own: yaml (config files, export),
 * the prompts and the spinner (ui: only at a terminal), and picocolors (colors: only
 * when colours are on; loading it reads `process.stdout.isTTY`, which builds the
 * stdout stream and costs ≈ 2 ms of every local command's start-up), Google's
 * google-auth-library (only when a Google call needs a token: never on an emulator),
 * and age-encryption (a sops write, or a recipient other than X25519: a read opens the
 * data key with node:crypto, and the package was 82 % of the sops chunk).
 */
const PACKAGE_CHUNKS = {
  yaml: ["yaml"],
  gauth: ["google-auth-library"],
  ui: ["@inquirer/prompts", "ora"],
  colors: ["picocolors"],
  age: ["age-encryption"],
};
const LAZY_PACKAGES = Object.values(PACKAGE_CHUNKS).flat();
const packageChunk = Object.fromEntries(
  Object.entries(PACKAGE_CHUNKS).flatMap(([chunk, pkgs]) => pkgs.map((p) => [p, chunk])),
);
const escapeRe = (x) => x.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
const lazyPackage = new RegExp(`^(${LAZY_PACKAGES.map(escapeRe).join("|")})$`);

const rel = (abs) => relative(src, abs).split(sep).join("/");
/** A store's hooks (credentials check, seed flags…) are asked by the core at start-up. */
const inCore = (r) => r.endsWith("/hooks.ts");
const chunkOf = (abs) => {
  if (!abs.startsWith(src + sep)) return null;
  const r = rel(abs);
  if (inCore(r)) return null;
  for (const [name, owned] of Object.entries(CHUNKS))
    if (owned.some((o) => (o.endsWith("/") ? r.startsWith(o) : r === o))) return name;
  return null;
};
const modulesOf = (name) =>
  CHUNKS[name].flatMap((o) =>
    o.endsWith("/")
      ? readdirSync(join(src, o))
          .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts") && !inCore(o + f))
          .map((f) => o + f)
          .filter((m) => chunkOf(join(src, m)) === name)
      : [o],
  );
/** `./x.js` in TypeScript sources means `./x.ts`. */
const tsPath = (importer, spec) => resolve(dirname(importer), spec.replace(/\.js$/, ".ts"));

/** The value exports of a source module (its types are erased). */
async function exportsOf(file) {
  const r = await build({
    entryPoints: [join(src, file)],
    bundle: true,
    packages: "external",
    format: "esm",
    platform: "node",
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  return Object.values(r.metafile.outputs).find((o) => o.entryPoint)?.exports ?? [];
}

const define = { "import.meta.url": "__envsyncImportMetaUrl" };
const banner = `var __envsyncImportMetaUrl = require("node:url").pathToFileURL(__filename).href;`;
/** First line of core.cjs and the chunks: their code cache must carry the same id. */
const buildLine = `// envsync build ${randomBytes(8).toString("hex")}`;
const common = {
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node22",
  // import() of a bundled module becomes a lazy require, never an ESM load.
  supported: { "dynamic-import": false },
  external: EXTERNAL,
  define,
  logLevel: "warning",
  metafile: true,
};
/** Every input file that put bytes into an output, over all the builds below. */
const bundledInputs = new Set();
const bundle = async (options) => {
  const r = await build(options);
  for (const o of Object.values(r.metafile.outputs))
    for (const [file, i] of Object.entries(o.inputs))
      if (i.bytesInOutput > 0) bundledInputs.add(file);
  return r;
};

// 1. Chunks. The lazily loaded packages first, as they are: a chunk's exports are
//    its packages' module objects by name.
/** The export names of each lazily loaded package (read from its built chunk). */
const packageExports = {};
for (const [chunk, pkgs] of Object.entries(PACKAGE_CHUNKS)) {
  const file = join(out, "chunks", `${chunk}.cjs`);
  await bundle({
    ...common,
    stdin: {
      contents: pkgs
        .map((p) => `exports[${JSON.stringify(p)}] = require(${JSON.stringify(p)});`)
        .join("\n"),
      resolveDir: root,
    },
    outfile: file,
    banner: { js: `${buildLine}\n${banner}` },
  });
  const loaded = requireHere(file);
  for (const p of pkgs) packageExports[p] = Object.keys(loaded[p]);
}
/** A module whose exports are getters: the first read of one runs `load`. */
const proxy = (load, names) =>
  [
    `let m;`,
    `const get = () => (m ??= ${load});`,
    ...names.map(
      (n) =>
        `Object.defineProperty(exports, ${JSON.stringify(n)}, { enumerable: true, get: () => get()[${JSON.stringify(n)}] });`,
    ),
  ].join("\n");
/**
 * In a chunk, a lazily loaded package is asked of the host (which loads its chunk once,
 * with its code cache): chunks never require files themselves, so they also load from
 * the standalone binary's embedded assets (scripts/build-binary.mjs). It is asked on the
 * first use of one of its exports, not when the chunk loads: a sops read of a dotenv
 * file never loads yaml (≈ 15 ms of its start-up).
 */
const packageChunks = {
  name: "package-chunks",
  setup(b) {
    b.onResolve({ filter: lazyPackage }, (a) => ({ path: a.path, namespace: "package-chunk" }));
    b.onLoad({ filter: /.*/, namespace: "package-chunk" }, (a) => ({
      contents: proxy(
        `__envsyncHost(${JSON.stringify(`package:${packageChunk[a.path]}`)})[${JSON.stringify(a.path)}]`,
        packageExports[a.path],
      ),
      loader: "js",
    }));
  },
};

/**
 * Built-ins of LAZY_BUILTINS become proxies, in the core and in the chunks alike: a
 * store chunk that imports node:crypto for its writes does not load it for a read.
 * The core's proxies define the names src uses; a chunk's define every name (the
 * packages bundled in it use others).
 */
const lazyBuiltins = (namesOf) => ({
  name: "lazy-builtins",
  setup(b) {
    b.onResolve({ filter: new RegExp(`^(node:)?(${LAZY_BUILTINS.join("|")})$`) }, (a) =>
      a.namespace === "lazy-builtin"
        ? { path: a.path, external: true }
        : { path: a.path.replace(/^node:/, ""), namespace: "lazy-builtin" },
    );
    b.onLoad({ filter: /.*/, namespace: "lazy-builtin" }, (a) => ({
      contents: proxy(`require(${JSON.stringify(`node:${a.path}`)})`, namesOf(a.path)),
      loader: "js",
    }));
  },
});

// Then the chunks of envsync modules. Each is a function of the host (the core that loads it): envsync modules
//    outside the chunk are read from the host, never bundled twice.
const hostModules = new Set();
const chunkExports = {};
for (const name of Object.keys(CHUNKS)) {
  const mods = modulesOf(name);
  chunkExports[name] = Object.fromEntries(
    await Promise.all(mods.map(async (m) => [m, await exportsOf(m)])),
  );
  const entry = mods.map((m, i) => `export * as m${i} from ${JSON.stringify(join(src, m))};`);
  await bundle({
    ...common,
    stdin: { contents: entry.join("\n"), resolveDir: src, sourcefile: `chunk-${name}.js` },
    outfile: join(out, "chunks", `${name}.cjs`),
    banner: {
      js: `${buildLine}\nmodule.exports = function envsyncChunk(__envsyncHost) {\nvar module = { exports: {} }, exports = module.exports;\n${banner}`,
    },
    footer: { js: "return module.exports;\n};" },
    plugins: [
      packageChunks,
      lazyBuiltins((mod) => Object.keys(requireHere(`node:${mod}`))),
      {
        name: "host-modules",
        setup(b) {
          b.onResolve({ filter: /^\.\.?\// }, (a) => {
            if (!a.importer.startsWith(src)) return undefined;
            const target = tsPath(a.importer, a.path);
            if (chunkOf(target) === name) return undefined;
            hostModules.add(rel(target));
            return { path: rel(target), namespace: "envsync-host" };
          });
          b.onLoad({ filter: /.*/, namespace: "envsync-host" }, async (a) => {
            // A module of another chunk is asked of the host only when first used, so
            // loading this chunk does not load that one (SSM's foreign listing imports
            // Secrets Manager's helpers: an SSM read must not load the other SDK).
            if (chunkOf(join(src, a.path)) === null)
              return {
                contents: `module.exports = __envsyncHost(${JSON.stringify(a.path)});`,
                loader: "js",
              };
            return {
              contents: proxy(`__envsyncHost(${JSON.stringify(a.path)})`, await exportsOf(a.path)),
              loader: "js",
            };
          });
        },
      },
    ],
  });
}

// 2. The core. Modules of a chunk become lazy proxies; the loader hands the chunks
//    the host modules they import.
const loader = [
  `const { join } = require("node:path");`,
  `const { requireWithCodeCache } = require("./cli/code-cache.ts");`,
  `const host = {`,
  ...[...hostModules].map((m) => {
    // A module of a chunk comes from its chunk, never bundled into the core.
    const c = chunkOf(join(src, m));
    return c === null
      ? `  ${JSON.stringify(m)}: () => require(${JSON.stringify(join(src, m))}),`
      : `  ${JSON.stringify(m)}: () => exports.load(${JSON.stringify(c)}).m${modulesOf(c).indexOf(m)},`;
  }),
  `};`,
  `const hostModule = (id) => id.startsWith("package:") ? exports.loadPackage(id.slice(8)) : host[id]();`,
  `const loaded = {};`,
  `const file = (name) => join(__dirname, "chunks", name + ".cjs");`,
  `exports.load = (name) => (loaded[name] ??= requireWithCodeCache(file(name))(hostModule));`,
  `exports.loadPackage = (name) => (loaded[name] ??= requireWithCodeCache(file(name)));`,
].join("\n");
await bundle({
  ...common,
  // core: the CLI; lib: the library (`import … from "envsync"`), sharing the chunks.
  entryPoints: { core: join(src, "cli", "main.ts"), lib: join(src, "index.ts") },
  outdir: out,
  outExtension: { ".js": ".cjs" },
  banner: { js: `${buildLine}\n${banner}` },
  sourcemap: true,
  plugins: [
    {
      name: "lazy-chunks",
      setup(b) {
        b.onResolve({ filter: /^envsync:chunk-loader$/ }, () => ({
          path: "loader",
          namespace: "envsync-loader",
        }));
        b.onLoad({ filter: /.*/, namespace: "envsync-loader" }, () => ({
          contents: loader,
          resolveDir: src,
          loader: "js",
        }));
        b.onResolve({ filter: /^\.\.?\// }, (a) => {
          if (!a.importer.startsWith(src)) return undefined;
          const target = tsPath(a.importer, a.path);
          const name = chunkOf(target);
          if (!name) return undefined;
          return { path: rel(target), namespace: "envsync-chunk", pluginData: name };
        });
        b.onLoad({ filter: /.*/, namespace: "envsync-chunk" }, (a) => {
          const name = a.pluginData;
          const i = modulesOf(name).indexOf(a.path);
          return {
            contents: proxy(
              `require("envsync:chunk-loader").load(${JSON.stringify(name)}).m${i}`,
              chunkExports[name][a.path],
            ),
            resolveDir: src,
            loader: "js",
          };
        });
        b.onResolve({ filter: lazyPackage }, (a) => ({
          path: a.path,
          namespace: "lazy-package",
        }));
        b.onLoad({ filter: /.*/, namespace: "lazy-package" }, (a) => ({
          contents: proxy(
            `require("envsync:chunk-loader").loadPackage(${JSON.stringify(packageChunk[a.path])})[${JSON.stringify(a.path)}]`,
            packageExports[a.path],
          ),
          loader: "js",
        }));
      },
    },
    lazyBuiltins(builtinNames),
  ],
});

// 3. The launcher.
await bundle({
  ...common,
  entryPoints: { bin: join(src, "cli", "bin.ts") },
  outdir: out,
  banner: { js: `#!/usr/bin/env node\n${banner}` },
  plugins: [
    {
      name: "core",
      setup(b) {
        b.onResolve({ filter: /^\.\/main\.js$/ }, () => ({ path: "./core.cjs", external: true }));
      },
    },
  ],
});

// A file a chunk reads beside itself: libsecp256k1 compiled to WebAssembly (the dotenvx
// chunk's key agreement, src/providers/dotenvx/decrypt.ts), from the tiny-secp256k1
// package, whose JavaScript is not used. Its licence is listed as a bundled file's.
const secp256k1Wasm = join(dirname(requireHere.resolve("tiny-secp256k1")), "..", "secp256k1.wasm");
copyFileSync(secp256k1Wasm, join(out, "chunks", "secp256k1.wasm"));
bundledInputs.add(relative(root, secp256k1Wasm));

// The files bundled, for scripts/third-party-notices.mjs (not shipped).
writeFileSync(`${out}.inputs.json`, JSON.stringify([...bundledInputs].sort(), null, 1) + "\n");

// dist/ is ESM ("type": "module"); the CLI folder is CommonJS.
mkdirSync(out, { recursive: true });
writeFileSync(join(out, "package.json"), JSON.stringify({ type: "commonjs" }) + "\n");

// 4. Code caches (src/cli/code-cache.ts): training runs write the bytecode V8 compiled
//    beside each file they loaded. First one run per cloud store against a closed port
//    (it loads the store's chunk with its SDK, builds the client, fails to connect),
//    a write and a read of a sops and a dotenvx file, a diff with an envsync.yaml the
//    full parser reads (config and yaml chunks), then a file: diff with the plain
//    envsync.yaml init writes, followed in the same process by a first and a no-op
//    sync; it runs last, so the core's cache is the one of the local commands.
const train = mkdtempSync(join(tmpdir(), "envsync-train-"));
const closed = "http://127.0.0.1:9";
const awsRuns = [
  `aws-sm://x?region=us-east-1&endpoint=${encodeURIComponent(closed)}`,
  `aws-ssm://x/*?region=us-east-1&endpoint=${encodeURIComponent(closed)}`,
];
// The AWS SDK chunks train through ENVSYNC_AWS_SDK=1 first; the runs with the small
// client (static keys) come after, so the aws chunks' caches end on its path.
// Google: gRPC first, then REST with a token (a service-account key whose token
// endpoint is the closed port: google-auth-library signs, then fails to connect), then
// REST to an emulator last, so the gcp chunk's cache holds the path the bench measures.
const providerRuns = [
  ...awsRuns.map((remote) => [remote, { ENVSYNC_AWS_SDK: "1" }]),
  ...awsRuns,
  `gcp-sm://p/s?endpoint=${closed}&transport=grpc`,
  "gcp-sm://p/s?endpoint=https://127.0.0.1:9",
  `gcp-sm://p/s?endpoint=${closed}`,
  // Azure: the SDK's client (and DefaultAzureCredential) first, then the small client.
  ["azure-kv://127.0.0.1:9/s", { ENVSYNC_AZURE_SDK: "1" }],
  "azure-kv://127.0.0.1:9/s",
  "vault:///secret/x",
];
const trainingEnv = {
  ...process.env,
  ENVSYNC_BUILD_WRITE_CODE_CACHE: "1",
  NO_COLOR: "1",
  AWS_ACCESS_KEY_ID: "training",
  AWS_SECRET_ACCESS_KEY: "training",
  AWS_EC2_METADATA_DISABLED: "true",
  VAULT_ADDR: closed,
  VAULT_TOKEN: "training",
};
try {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  writeFileSync(
    join(train, "training-sa.json"),
    JSON.stringify({
      type: "service_account",
      project_id: "p",
      client_email: "training@p.iam.gserviceaccount.com",
      private_key: privateKey.export({ type: "pkcs8", format: "pem" }),
      token_uri: `${closed}/token`,
    }),
  );
  trainingEnv.GOOGLE_APPLICATION_CREDENTIALS = join(train, "training-sa.json");
  const lines = Array.from({ length: 200 }, (_, i) => `KEY_${i}=value-${i}`);
  writeFileSync(join(train, ".env"), lines.join("\n") + "\n");
  for (const run of providerRuns) {
    const [remote, env] = Array.isArray(run) ? run : [run, {}];
    const r = spawnSync(
      process.execPath,
      [join(out, "bin.js"), "diff", "-r", remote, "--retries", "0"],
      { cwd: train, env: { ...trainingEnv, ...env }, encoding: "utf8", timeout: 120_000 },
    );
    // Exit 1 (cannot connect) is the expected end; anything else is a broken chunk.
    if (r.status !== 1 || !/NETWORK/.test(r.stderr))
      throw new Error(`training run on ${remote} failed (${r.status}): ${r.stderr}`);
  }
  // The encrypted-file stores: a small file of each written, then read; the read runs
  // last, so their chunks' caches hold the read path (export, diff, run).
  const enc = join(train, "encrypted");
  mkdirSync(enc);
  writeFileSync(join(enc, ".env"), lines.slice(0, 20).join("\n") + "\n");
  const { generateIdentity, identityToRecipient } = await import("age-encryption");
  const identity = await generateIdentity();
  writeFileSync(
    join(enc, ".sops.yaml"),
    `creation_rules:\n  - age: ${await identityToRecipient(identity)}\n`,
  );
  for (const remote of ["sops:training.enc.env", "dotenvx:.env.training"])
    for (const args of [
      ["push", "-r", remote],
      ["export", "--format", "json", "-r", remote],
    ]) {
      // A run keeps the bytecode its cache gave it: the read starts without the write's.
      if (args[0] === "export")
        rmSync(join(out, "chunks", `${remote.split(":")[0]}.cjs.cache`), { force: true });
      const r = spawnSync(process.execPath, [join(out, "bin.js"), ...args], {
        cwd: enc,
        env: { ...trainingEnv, HOME: enc, SOPS_AGE_KEY: identity },
        encoding: "utf8",
      });
      if (r.status !== 0) throw new Error(`training run ${args.join(" ")} failed: ${r.stderr}`);
    }
  // An envsync.yaml beyond the plain subset (src/config/plain-config.ts) loads the
  // config parser and yaml: one diff so their chunks have caches too.
  const full = join(train, "full-config");
  mkdirSync(full);
  writeFileSync(join(full, ".env"), "A=1\n");
  writeFileSync(join(full, "remote.env"), "A=2\n");
  writeFileSync(
    join(full, "envsync.yaml"),
    "concurrency: 4\nenvironments:\n  dev:\n    remote: file:remote.env\n",
  );
  const fr = spawnSync(process.execPath, [join(out, "bin.js"), "diff"], {
    cwd: full,
    env: trainingEnv,
    encoding: "utf8",
  });
  if (fr.status !== 0) throw new Error(`training run failed (${fr.status}): ${fr.stderr}`);
  writeFileSync(join(train, "remote.env"), [...lines.slice(1), "NEW=1"].join("\n") + "\n");
  writeFileSync(
    join(train, "envsync.yaml"),
    "default: dev\nenvironments:\n  dev:\n    remote: file:remote.env\n",
  );
  // diff, then in the same process a first sync (it writes both sides and the base)
  // and a second one (the no-op: both sides and the base read, nothing written), so
  // the core's cache holds the bytecode of all three paths (src/cli/bin.ts,
  // trainingThen); without the syncs, their code is compiled at every run.
  const r = spawnSync(process.execPath, [join(out, "bin.js"), "diff"], {
    cwd: train,
    env: { ...trainingEnv, ENVSYNC_BUILD_TRAIN_THEN: JSON.stringify([["sync"], ["sync"]]) },
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`training run failed (${r.status}): ${r.stderr}`);
} finally {
  rmSync(train, { recursive: true, force: true });
}
// Chunks that only a choice loads ship without a code cache: Google's gRPC client
// (`transport=grpc`) and Azure's official SecretClient (`ENVSYNC_AZURE_SDK=1`, a proxy).
// Their caches were 1.5 MB and 0.2 MB on Node 24 (V8's caches grow with its version) and
// put the installed package over its 20 MiB (test/e2e/packed-install.test.ts); the
// runs above still load both chunks, so a broken one fails the build. Without a cache
// such a chunk is compiled at load, as any file whose cache V8 refuses. age-encryption
// (the age chunk) only runs when a sops file is created, or opened with a key other
// than X25519: its cache would be 0.29 MB for a few ms once per new file.
for (const chunk of ["gcp-grpc", "azure-sdk", "age"])
  rmSync(join(out, "chunks", `${chunk}.cjs.cache`), { force: true });

// 5. The help texts bin.js prints for `--help` and `NAME --help` without loading the core
//    (helpTexts in src/cli/main.ts: the same commander definitions, at a fixed width).
writeFileSync(
  join(out, "help.json"),
  JSON.stringify(requireHere(join(out, "core.cjs")).helpTexts()),
);

// 6. The JSON Schema of envsync.yaml (src/config/json-schema.ts: generated from the zod
//    schema that validates it), shipped as dist/envsync.schema.json for editors.
{
  const tmp = mkdtempSync(join(tmpdir(), "envsync-schema-"));
  try {
    await build({
      entryPoints: [join(src, "config", "json-schema.ts")],
      bundle: true,
      platform: "node",
      format: "cjs",
      outfile: join(tmp, "json-schema.cjs"),
      logLevel: "warning",
    });
    const { configJsonSchema, SCHEMA_FILE } = requireHere(join(tmp, "json-schema.cjs"));
    writeFileSync(join(root, SCHEMA_FILE), JSON.stringify(configJsonSchema(), null, 2) + "\n");
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
