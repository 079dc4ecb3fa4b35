/**
 * The shared store contract on `sops:PATH`, for dotenv, JSON and YAML files: a fresh
 * remote is a file that does not exist yet, in a folder whose `.sops.yaml` names one
 * age recipient; the identity comes from SOPS_AGE_KEY in the store context.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateIdentity, identityToRecipient } from "age-encryption";
import { beforeAll } from "vitest";
import { createLogger } from "../../src/logger.js";
import { openStore } from "../../src/providers/registry.js";
import type { Store, StoreContext } from "../../src/providers/types.js";
import { tempDir } from "../e2e/helpers.js";
import { runStoreContract } from "./store-contract.js";

let identity = "";
let recipient = "";
beforeAll(async () => {
  identity = await generateIdentity();
  recipient = await identityToRecipient(identity);
});

const ctx = (cwd: string): StoreContext => ({
  cwd,
  env: { HOME: cwd, SOPS_AGE_KEY: identity },
  logger: createLogger("quiet"),
  concurrency: 4,
});
const twins = new WeakMap<Store, () => Promise<Store>>();

for (const [ext, badKey] of [
  ["env", "sops_version"],
  ["json", "sops"],
  ["yaml", "sops"],
] as const) {
  runStoreContract(`sops: ${ext}`, {
    async fresh(): Promise<Store> {
      const dir = tempDir("envsync-contract-sops-");
      writeFileSync(join(dir, ".sops.yaml"), `creation_rules:\n  - age: ${recipient}\n`);
      const uri = `sops:${join(dir, `secrets.enc.${ext}`)}`;
      const store = await openStore(uri, ctx(dir));
      twins.set(store, () => openStore(uri, ctx(dir)));
      return store;
    },
    twin: (s: Store) => twins.get(s)!(),
    badKey,
  });
}
