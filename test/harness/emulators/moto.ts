/**
 * moto (PyPI `moto[server]`): AWS Secrets Manager and SSM Parameter Store on
 * loopback. Installed once into a venv in the emulator cache (outside the clone),
 * started on a free port, ready when `GET /moto-api/` answers.
 */
import { spawnSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import {
  cacheDir,
  freePort,
  httpOk,
  run,
  startService,
  stopService,
  waitFor,
  type Emulator,
  type RunningEmulator,
} from "../common.js";

/** Pinned moto version (TESTING.md). */
export const MOTO_VERSION = "5.2.5";

/** Environment variable holding the endpoint tests pass as `?endpoint=`. */
export const MOTO_ENDPOINT_VAR = "ENVSYNC_TEST_MOTO_ENDPOINT";

const venv = (): string => cacheDir("moto");
const bin = (name: string): string => join(venv(), "bin", name);

/** True when the venv holds a moto_server of the pinned version that runs. */
function installed(): boolean {
  if (!existsSync(bin("moto_server")) || !existsSync(bin("python"))) return false;
  const r = spawnSync(
    bin("python"),
    // Package metadata, not `import moto` (which takes seconds).
    ["-c", "import sys, importlib.metadata as m; sys.stdout.write(m.version('moto'))"],
    {
      encoding: "utf8",
      timeout: 60_000,
    },
  );
  return r.status === 0 && r.stdout.trim() === MOTO_VERSION;
}

/** Starts moto on a free 127.0.0.1 port; the caller stops it. Used by the harness and the bench. */
export async function startMoto(): Promise<RunningEmulator> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const log = join(venv(), `moto-${port}.log`);
  const child = startService(bin("moto_server"), ["-H", "127.0.0.1", "-p", String(port)], { log });
  try {
    await waitFor("moto_server", () => httpOk(`${endpoint}/moto-api/`), 60_000, child);
  } catch (e) {
    await stopService(child);
    throw e;
  }
  return {
    env: {
      [MOTO_ENDPOINT_VAR]: endpoint,
      // Credentials reach the SDK through its default chain, as for real users.
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
      AWS_REGION: "us-east-1",
    },
    // The request log is kept only while moto runs (one file per port would pile up).
    stop: async () => {
      await stopService(child);
      rmSync(log, { force: true });
    },
  };
}

/** The moto emulator of the test harness. */
export const emulator: Emulator = {
  name: "moto",
  get installCommand(): string {
    return `python3 -m venv ${venv()} && ${bin("pip")} install 'moto[server]==${MOTO_VERSION}'`;
  },
  async install(): Promise<void> {
    if (installed()) return;
    const log = join(venv(), "install.log");
    await run("python3", ["-m", "venv", venv()], { log });
    await run(bin("pip"), ["install", "--quiet", `moto[server]==${MOTO_VERSION}`], { log });
    if (!installed())
      throw new Error(`moto ${MOTO_VERSION} is not importable after install; see ${log}`);
  },
  start: startMoto,
};
