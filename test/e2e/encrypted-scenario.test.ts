/**
 * The two-working-copies story (test/scenario/two-copies.ts) on the encrypted-file
 * stores: a SOPS file (dotenv, JSON and YAML; age recipients from a `.sops.yaml` beside
 * it, the age key in SOPS_AGE_KEY_FILE) and a dotenvx file (keypair made on the first
 * push, `.env.keys` beside it). A fresh folder per remote, named by absolute path.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateIdentity, identityToRecipient } from "age-encryption";
import { beforeAll } from "vitest";
import { runTwoCopiesScenario } from "../scenario/two-copies.js";
import { tempDir } from "./helpers.js";

const keys = tempDir("envsync-enc-scenario-keys-");
let recipient = "";
beforeAll(async () => {
  const identity = await generateIdentity();
  recipient = await identityToRecipient(identity);
  writeFileSync(join(keys, "keys.txt"), `${identity}\n`);
});

/** A folder with a `.sops.yaml` encrypting everything under it to the test's age key. */
function sopsFolder(): string {
  const dir = tempDir("envsync-enc-scenario-");
  mkdirSync(join(dir, "secrets"));
  writeFileSync(join(dir, ".sops.yaml"), `creation_rules:\n  - age: ${recipient}\n`);
  return dir;
}

for (const ext of ["env", "json", "yaml"])
  runTwoCopiesScenario(
    `a sops ${ext} file`,
    () => `sops:${join(sopsFolder(), "secrets", `app.enc.${ext}`)}`,
    { env: { SOPS_AGE_KEY_FILE: join(keys, "keys.txt") } },
  );

runTwoCopiesScenario(
  "a dotenvx file",
  () => `dotenvx:${join(tempDir("envsync-enc-scenario-dx-"), ".env.production")}`,
);
