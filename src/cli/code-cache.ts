/**
 * Loads the bundle's CommonJS files (core.cjs, chunks/*.cjs) with V8's code cache, so
 * start-up deserialises bytecode instead of parsing and compiling the source (unlike
 * `module.enableCompileCache()`, nothing is written on the user's machine at run time).
 *
 * `npm run build` writes `FILE.cache` beside each file after a training run (see
 * scripts/bundle.mjs); nothing is written at run time. The cache is used only when it
 * was made for this exact build (the build id on the file's first line) and V8 accepts
 * it (same V8 version and flags, same source length); otherwise the file is compiled
 * as usual, so a stale or foreign cache costs a file read and nothing else.
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { Script } from "node:vm";

/** Set by the build's training run: write each loaded file's cache at exit. */
const WRITE_ENV = "ENVSYNC_BUILD_WRITE_CODE_CACHE";

interface CjsModule {
  exports: unknown;
}

/** The build id on a bundle file's first line (`// envsync build ID`), or null. */
function buildId(source: string): string | null {
  return /^\/\/ envsync build (\w+)\n/.exec(source)?.[1] ?? null;
}

/**
 * Requires the CommonJS file `file` (an absolute path in dist/cli), using its code
 * cache when one was built for it. Its own `require` resolves from its folder.
 */
export function requireWithCodeCache(file: string): unknown {
  const source = readFileSync(file, "utf8");
  const id = buildId(source);
  const cacheFile = `${file}.cache`;
  let cachedData: Buffer | undefined;
  if (id) {
    try {
      const raw = readFileSync(cacheFile);
      const nl = raw.indexOf(0x0a);
      if (nl > 0 && raw.subarray(0, nl).toString() === id) cachedData = raw.subarray(nl + 1);
    } catch {
      // No cache for this file: compile it.
    }
  }
  const script = new Script(
    `(function (exports, require, module, __filename, __dirname) {${source}\n})`,
    { filename: file, ...(cachedData ? { cachedData } : {}) },
  );
  const fn = script.runInThisContext() as (
    exports: unknown,
    require: NodeJS.Require,
    module: CjsModule,
    filename: string,
    dirname: string,
  ) => void;
  const mod: CjsModule = { exports: {} };
  fn.call(mod.exports, mod.exports, createRequire(file), mod, file, dirname(file));
  if (id && process.env[WRITE_ENV] === "1") {
    process.once("exit", () => {
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      writeFileSync(tmp, Buffer.concat([Buffer.from(`${id}\n`), script.createCachedData()]));
      renameSync(tmp, cacheFile);
    });
  }
  return mod.exports;
}
