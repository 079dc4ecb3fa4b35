/**
 * The shared store contract on `dotenvx:PATH`: a fresh remote is a file that does not
 * exist yet (the first write makes its keypair, private key in `.env.keys` beside it).
 */
import { join } from "node:path";
import { createLogger } from "../../src/logger.js";
import { openStore } from "../../src/providers/registry.js";
import type { Store, StoreContext } from "../../src/providers/types.js";
import { tempDir } from "../e2e/helpers.js";
import { runStoreContract } from "./store-contract.js";

const ctx = (cwd: string): StoreContext => ({
  cwd,
  env: {},
  logger: createLogger("quiet"),
  concurrency: 4,
});
const twins = new WeakMap<Store, () => Promise<Store>>();

runStoreContract("dotenvx:", {
  async fresh(): Promise<Store> {
    const dir = tempDir("envsync-contract-dotenvx-");
    const uri = `dotenvx:${join(dir, ".env.production")}`;
    const store = await openStore(uri, ctx(dir));
    twins.set(store, () => openStore(uri, ctx(dir)));
    return store;
  },
  twin: (s: Store) => twins.get(s)!(),
  badKey: "DOTENV_PUBLIC_KEY_PRODUCTION",
});
