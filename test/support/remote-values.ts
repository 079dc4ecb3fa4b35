/**
 * What a remote holds, read in-process through the same store code the CLI uses
 * (openStore), whatever the store's layout: the e2e stories check what arrived with it.
 */
import { silentLogger } from "../../src/logger.js";
import { openStore } from "../../src/providers/registry.js";

/** Where the read runs: its folder (relative `file:`/`sops:` remotes) and extra environment. */
export interface RemoteReadOptions {
  readonly cwd?: string;
  readonly env?: Record<string, string | undefined>;
}

/** The remote's values, sorted by key. */
export async function remoteValues(
  uri: string,
  options: RemoteReadOptions = {},
): Promise<Record<string, string>> {
  const store = await openStore(uri, {
    cwd: options.cwd ?? process.cwd(),
    env: { ...process.env, ...options.env },
    logger: silentLogger,
    concurrency: 8,
  });
  try {
    return Object.fromEntries([...(await store.read()).values].sort());
  } finally {
    await store.close?.();
  }
}
