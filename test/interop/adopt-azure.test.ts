/**
 * Adopting on Azure Key Vault, on the built CLI against the project's Key Vault
 * emulator: secrets another tool made under a per-key prefix (written here with the
 * official SDK, as `az keyvault secret set` or Terraform would) are noted by every
 * command, `check` does not pass, `envsync adopt --yes` tags them, `pull` reads them.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DefaultAzureCredential } from "@azure/identity";
import { SecretClient } from "@azure/keyvault-secrets";
import { describe, expect, it } from "vitest";
import { parse } from "../../src/dotenv/index.js";
import { requireEnv } from "../harness/require-env.js";
import { runCli, tempDir } from "../e2e/helpers.js";

const vaultUrl = (): string => requireEnv("ENVSYNC_TEST_LOWKEY_URL", "lowkey");

describe("secrets other tools made under an Azure per-key prefix", () => {
  it("are noted, check does not pass, adopt --yes takes them over", async () => {
    const prefix = `ext${randomUUID().replace(/-/g, "").slice(0, 8)}-`;
    const client = new SecretClient(vaultUrl(), new DefaultAzureCredential(), {
      disableChallengeResourceVerification: true,
      serviceVersion: "7.6",
    });
    await client.setSecret(`${prefix}DBURL`, "postgres://x");
    await client.setSecret(`${prefix}TOKEN`, "t");
    const remote = `azure-kv://${vaultUrl()}/${prefix}*`;
    const dir = tempDir("envsync-adopt-az-");

    const check = await runCli(["check", "-r", remote], { cwd: dir });
    expect(check.code, check.stderr).toBe(3);
    expect(check.stderr).toContain(`2 secrets under ${prefix}*`);
    expect(check.stderr).toContain("envsync adopt");
    const dry = await runCli(["adopt", "-r", remote, "--json"], { cwd: dir });
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, adopted: 0 });

    const yes = await runCli(["adopt", "-r", remote, "--yes"], { cwd: dir });
    expect(yes.code, yes.stderr).toBe(0);
    const pull = await runCli(["pull", "-r", remote], { cwd: dir });
    expect(pull.code, pull.stderr).toBe(0);
    expect({ ...parse(readFileSync(join(dir, ".env"), "utf8")) }).toEqual({
      DBURL: "postgres://x",
      TOKEN: "t",
    });
    expect((await runCli(["check", "-r", remote], { cwd: dir })).code).toBe(0);
  });
});
