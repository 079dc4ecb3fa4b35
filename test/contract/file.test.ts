/** The shared store contract on the embedded stores: file: (dotenv and JSON) and memory://. */
import { join } from "node:path";
import { createLogger } from "../../src/logger.js";
import { openStore } from "../../src/providers/registry.js";
import type { Store, StoreContext } from "../../src/providers/types.js";
import { tempDir } from "../e2e/helpers.js";
import { registerMemoryStore } from "../support/memory-store.js";
import { runStoreContract } from "./store-contract.js";

const ctx = (cwd: string): StoreContext => ({
  cwd,
  env: {},
  logger: createLogger("quiet"),
  concurrency: 4,
});
const twins = new WeakMap<Store, () => Promise<Store>>();

function target(ext: string) {
  return {
    async fresh(): Promise<Store> {
      const dir = tempDir("envsync-contract-");
      const uri = `file:${join(dir, `remote${ext}`)}`;
      const store = await openStore(uri, ctx(dir));
      twins.set(store, () => openStore(uri, ctx(dir)));
      return store;
    },
    twin: (s: Store) => twins.get(s)!(),
  };
}

runStoreContract("file: dotenv", { ...target(".env"), badKey: "1BAD KEY" });
runStoreContract("file: json", target(".json"));

registerMemoryStore();
let n = 0;
runStoreContract("memory://", {
  async fresh() {
    const name = `contract-${process.pid}-${n++}`;
    const s = await openStore(`memory://${name}`, ctx(process.cwd()));
    twins.set(s, () => openStore(`memory://${name}`, ctx(process.cwd())));
    return s;
  },
  twin: (s: Store) => twins.get(s)!(),
});
