/**
 * The Python tools users have: the AWS CLI (awscli, PyPI) and python-dotenv, in one
 * venv of the emulator cache. The venv is built in a temporary folder and renamed,
 * so its console scripts (whose `#!` lines name the temporary path) are not used:
 * tools run as `venv/bin/python -m …`, and `aws` is a small wrapper script next to it
 * that finds the venv relative to itself.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { run } from "../common.js";
import { installOnce, toolsDir, versionTag } from "./install.js";

/** Pinned awscli (v1, the PyPI distribution of the AWS CLI). */
export const AWSCLI_VERSION = "1.46.2";
/** Pinned python-dotenv. */
export const PYTHON_DOTENV_VERSION = "1.2.4";

const requirements = [`awscli==${AWSCLI_VERSION}`, `python-dotenv==${PYTHON_DOTENV_VERSION}`];
const folder = `py-${versionTag(...requirements)}`;

/** The shell command that installs the venv by hand (printed when it cannot be installed). */
export function pythonToolsInstallCommand(): string {
  const dir = join(toolsDir(), folder);
  return `python3 -m venv ${dir} && ${dir}/bin/pip install ${requirements.map((r) => `'${r}'`).join(" ")}`;
}

function complete(dir: string): boolean {
  if (!existsSync(join(dir, "bin", "aws")) || !existsSync(join(dir, "bin", "python"))) {
    return false;
  }
  const r = spawnSync(
    join(dir, "bin", "python"),
    [
      "-c",
      "import sys, importlib.metadata as m; sys.stdout.write(m.version('awscli') + ' ' + m.version('python-dotenv'))",
    ],
    { encoding: "utf8", timeout: 60_000 },
  );
  return r.status === 0 && r.stdout.trim() === `${AWSCLI_VERSION} ${PYTHON_DOTENV_VERSION}`;
}

/** Installs (first call only) and returns the venv folder. */
export async function pythonTools(): Promise<{ python: string; aws: string }> {
  let dir: string;
  try {
    dir = await installOnce(
      folder,
      async (tmp) => {
        const log = join(toolsDir(), `${folder}.install.log`);
        await run("python3", ["-m", "venv", tmp], { log });
        await run(
          join(tmp, "bin", "python"),
          ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", ...requirements],
          { log },
        );
        // Replaces pip's console script (its `#!` names the temporary folder).
        writeFileSync(
          join(tmp, "bin", "aws"),
          '#!/bin/sh\nexec "$(dirname "$0")/python" -m awscli "$@"\n',
        );
        chmodSync(join(tmp, "bin", "aws"), 0o755);
      },
      complete,
    );
  } catch (e) {
    throw new Error(
      `Could not install awscli and python-dotenv: ${(e as Error).message}\nInstall them with:\n  ${pythonToolsInstallCommand()}`,
    );
  }
  return { python: join(dir, "bin", "python"), aws: join(dir, "bin", "aws") };
}

/**
 * The path of the `aws` command (awscli from PyPI), installed into the emulator
 * cache on first use. Run it with `--endpoint-url` to reach moto.
 */
export async function awsCliPath(): Promise<string> {
  return (await pythonTools()).aws;
}
