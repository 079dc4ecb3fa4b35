/**
 * Shared plumbing of the interop tool installers: each tool is installed once into
 * its own folder of the emulator cache (`interop/…`, outside the clone), built in a
 * temporary sibling folder and renamed into place, so two runs installing at once
 * never see a half-built tool (the loser of the rename drops its copy).
 */
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { cacheDir } from "../common.js";

/** The cache folder of the interop tools (`$ENVSYNC_EMULATOR_CACHE/interop`). */
export function toolsDir(): string {
  return cacheDir("interop");
}

/** A short stable hash of the inputs that define one installed tool version. */
export function versionTag(...inputs: string[]): string {
  const h = createHash("sha256");
  for (const s of inputs) h.update(s).update("\0");
  return h.digest("hex").slice(0, 12);
}

/**
 * Returns `dir` (under {@link toolsDir}) after making sure it is complete: when it
 * is missing, `build(tmp)` fills a temporary folder that is then renamed to `dir`.
 * `ok(dir)` says whether an existing folder is usable (a finished install).
 */
export async function installOnce(
  name: string,
  build: (tmp: string) => Promise<void>,
  ok: (dir: string) => boolean,
): Promise<string> {
  const dir = join(toolsDir(), name);
  if (existsSync(dir) && ok(dir)) return dir;
  const tmp = mkdtempSync(join(toolsDir(), `.${name}.tmp-`));
  try {
    await build(tmp);
    if (!ok(tmp)) throw new Error(`installing ${name} left an incomplete folder ${tmp}`);
    if (existsSync(dir) && !ok(dir)) rmSync(dir, { recursive: true, force: true });
    try {
      renameSync(tmp, dir);
    } catch (e) {
      // Another run renamed its copy first: use theirs.
      if (!(existsSync(dir) && ok(dir))) throw e;
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return dir;
}
