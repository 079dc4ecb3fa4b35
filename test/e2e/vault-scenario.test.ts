/**
 * The two-working-copies story (test/scenario/two-copies.ts) on both Vault layouts,
 * against the real OpenBao server of the harness: a fresh path per remote, the
 * server named by VAULT_ADDR and the token in VAULT_TOKEN, as a Vault user has them.
 */
import { randomBytes } from "node:crypto";
import { VAULT_ADDR_VAR, VAULT_TOKEN_VAR } from "../harness/emulators/openbao.js";
import { requireEnv } from "../harness/require-env.js";
import { runTwoCopiesScenario } from "../scenario/two-copies.js";
import { tempDir } from "./helpers.js";

const home = tempDir("envsync-vault-scenario-home-");
const rand = (): string => randomBytes(5).toString("hex");
const vaultEnv = (): Record<string, string> => ({
  VAULT_ADDR: requireEnv(VAULT_ADDR_VAR, "openbao"),
  VAULT_TOKEN: requireEnv(VAULT_TOKEN_VAR, "openbao"),
  HOME: home,
});

runTwoCopiesScenario("vault bundle (OpenBao KV v2)", () => `vault:///secret/scn-${rand()}/app`, {
  env: vaultEnv,
});
runTwoCopiesScenario("vault per-key (OpenBao KV v2)", () => `vault:///secret/scn-${rand()}/app/*`, {
  env: vaultEnv,
});
