/**
 * The real SOPS and age, for the `sops:` interop tests: `go install` from the Go module
 * proxy into the emulator cache (`sops-3.11.0/sops`, `age-1.3.2/{age,age-keygen}`),
 * once. sops takes minutes to build cold (~7.5 min on 2 cores), so each build goes to
 * a temporary sibling folder that is renamed into place: two runs installing at once
 * never see half a tool (the loser of the rename drops its copy).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { cacheDir, run } from "../common.js";

/** Pinned SOPS. */
export const SOPS_VERSION = "3.11.0";
/** Pinned age. */
export const AGE_VERSION = "1.3.2";

const SOPS_MODULE = `github.com/getsops/sops/v3/cmd/sops@v${SOPS_VERSION}`;
const AGE_MODULE = `filippo.io/age/cmd/...@v${AGE_VERSION}`;

/** The shell commands that install both by hand (printed when they cannot be installed). */
export function sopsInstallCommand(): string {
  return [
    `GOBIN=${join(cacheDir(), `sops-${SOPS_VERSION}`)} go install ${SOPS_MODULE}`,
    `GOBIN=${join(cacheDir(), `age-${AGE_VERSION}`)} go install ${AGE_MODULE}`,
  ].join(" && ");
}

function prints(binary: string, args: string[], expected: string): boolean {
  if (!existsSync(binary)) return false;
  const r = spawnSync(binary, args, { encoding: "utf8", timeout: 60_000 });
  return r.status === 0 && `${r.stdout}${r.stderr}`.includes(expected);
}

async function goInstall(
  folder: string,
  module: string,
  ok: (dir: string) => boolean,
): Promise<string> {
  const dir = join(cacheDir(), folder);
  if (ok(dir)) return dir;
  const tmp = mkdtempSync(join(cacheDir(), `.${folder}.tmp-`));
  try {
    await run("go", ["install", module], {
      env: { ...process.env, GOBIN: tmp },
      log: join(cacheDir(), `${folder}.install.log`),
    });
    if (!ok(tmp)) throw new Error(`go install ${module} left an incomplete folder ${tmp}`);
    if (existsSync(dir) && !ok(dir)) rmSync(dir, { recursive: true, force: true });
    try {
      renameSync(tmp, dir);
    } catch (e) {
      if (!ok(dir)) throw e; // another run renamed its copy first: use theirs
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return dir;
}

/** Paths of the installed tools. */
export interface SopsTools {
  readonly sops: string;
  readonly age: string;
  readonly ageKeygen: string;
}

/** Installs (first call only) and returns the sops, age and age-keygen binaries. */
export async function sopsTools(): Promise<SopsTools> {
  try {
    const ageDir = await goInstall(
      `age-${AGE_VERSION}`,
      AGE_MODULE,
      (d) =>
        prints(join(d, "age"), ["--version"], AGE_VERSION) && existsSync(join(d, "age-keygen")),
    );
    const sopsDir = await goInstall(`sops-${SOPS_VERSION}`, SOPS_MODULE, (d) =>
      prints(join(d, "sops"), ["--version", "--disable-version-check"], SOPS_VERSION),
    );
    return {
      sops: join(sopsDir, "sops"),
      age: join(ageDir, "age"),
      ageKeygen: join(ageDir, "age-keygen"),
    };
  } catch (e) {
    throw new Error(
      `Could not install sops and age: ${(e as Error).message}\nInstall them with:\n  ${sopsInstallCommand()}`,
    );
  }
}
