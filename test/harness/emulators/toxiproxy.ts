/**
 * toxiproxy (Shopify, Go module proxy): a TCP proxy whose HTTP API injects network
 * faults (`latency`, `timeout`, `reset_peer`, `limit_data`) between the cloud SDKs
 * and the emulators, for the fault matrix (test/e2e/faults.test.ts) and the
 * interruption tests. Installed once with `go install` into the emulator cache
 * (outside the clone), started on a free 127.0.0.1 port, ready when `GET /version`
 * answers. Tests reach its API through ENVSYNC_TEST_TOXIPROXY_API and create their
 * own proxies with test/harness/toxiproxy-client.ts.
 */
import { existsSync } from "node:fs";
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

/** Pinned toxiproxy module (TESTING.md). */
export const TOXIPROXY_MODULE = "github.com/Shopify/toxiproxy/v2/cmd/server@v2.12.0";

/** Environment variable holding the toxiproxy API URL. */
export const TOXIPROXY_API_VAR = "ENVSYNC_TEST_TOXIPROXY_API";

const dir = (): string => cacheDir("toxi");
const binary = (): string => join(dir(), "server");

/** The toxiproxy server of the test harness. */
export const emulator: Emulator = {
  name: "toxiproxy",
  get installCommand(): string {
    return `GOBIN=${dir()} go install ${TOXIPROXY_MODULE}`;
  },
  async install(): Promise<void> {
    if (existsSync(binary())) return;
    await run("go", ["install", TOXIPROXY_MODULE], {
      env: { ...process.env, GOBIN: dir() },
      log: join(dir(), "install.log"),
    });
    if (!existsSync(binary())) {
      throw new Error(`go install did not produce ${binary()}; see ${join(dir(), "install.log")}`);
    }
  },
  async start(): Promise<RunningEmulator> {
    const port = await freePort();
    const api = `http://127.0.0.1:${port}`;
    const child = startService(binary(), ["-host", "127.0.0.1", "-port", String(port)], {
      log: join(dir(), `toxiproxy-${port}.log`),
    });
    try {
      await waitFor("toxiproxy", () => httpOk(`${api}/version`), 30_000, child);
    } catch (e) {
      await stopService(child);
      throw e;
    }
    return { env: { [TOXIPROXY_API_VAR]: api }, stop: () => stopService(child) };
  },
};
