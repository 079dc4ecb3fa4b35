/**
 * The shells the completion tests run: bash (present on every Debian), zsh and fish
 * (Debian packages). A missing one is installed once per machine with apt-get when the
 * tests run as root (under `flock`, so parallel workers wait for one install); when it
 * cannot be, the test fails with the command to run — it is never skipped.
 */
import { spawnSync } from "node:child_process";

/** The command that installs the shells by hand. */
export const SHELLS_INSTALL_COMMAND = "apt-get install -y zsh fish";

/** The shells' names. */
export type TestShell = "bash" | "zsh" | "fish";

function which(name: string): string | null {
  const r = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" });
  return r.status === 0 && r.stdout.trim() !== "" ? r.stdout.trim() : null;
}

let installed: Promise<void> | undefined;

function installAll(): Promise<void> {
  return (installed ??= new Promise((resolve, reject) => {
    if (process.getuid?.() !== 0) {
      reject(new Error(`not root: cannot run apt-get; run \`sudo ${SHELLS_INSTALL_COMMAND}\``));
      return;
    }
    const r = spawnSync(
      "flock",
      [
        "/tmp/envsync-apt-shells.lock",
        "sh",
        "-c",
        `${SHELLS_INSTALL_COMMAND} || (apt-get update && ${SHELLS_INSTALL_COMMAND})`,
      ],
      {
        encoding: "utf8",
        env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
        timeout: 900_000,
      },
    );
    if (r.status === 0) resolve();
    else
      reject(new Error(`${SHELLS_INSTALL_COMMAND} failed (${r.status}): ${r.stderr.slice(-2000)}`));
  }));
}

/** The path of `shell`, installing zsh and fish on first use; fails naming the install command. */
export async function requireShell(shell: TestShell): Promise<string> {
  const found = which(shell);
  if (found) return found;
  try {
    await installAll();
  } catch (e) {
    throw new Error(
      `${shell} is needed by the completion tests and could not be installed: run \`${SHELLS_INSTALL_COMMAND}\` as root. (${(e as Error).message})`,
    );
  }
  const now = which(shell);
  if (!now) throw new Error(`${shell} is still missing after ${SHELLS_INSTALL_COMMAND}.`);
  return now;
}
