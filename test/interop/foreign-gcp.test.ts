/**
 * Google Secret Manager per-key remotes, on the built CLI against the project's
 * emulator: secrets another tool made under the prefix (written with the official
 * client, as gcloud or Terraform would) are noted by every command, `check` does not
 * pass, `unmanaged=read` reads them without adopting, and `adopt` lists them.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { SecretManagerServiceClient } from "@google-cloud/secret-manager";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "../../src/dotenv/index.js";
import { runCli, tempDir } from "../e2e/helpers.js";
import { gsmAdmin, gsmEndpoint } from "../support/gsm-admin.js";

const endpoint = gsmEndpoint;
const gsm = gsmAdmin();
const admin = (): SecretManagerServiceClient => gsm.client();
afterAll(() => gsm.close());

describe("secrets other tools made under a Google per-key prefix", () => {
  it("are noted, check does not pass, unmanaged=read reads them, adopt lists them", async () => {
    const project = `envsync-foreign-${randomBytes(5).toString("hex")}`;
    for (const [id, value] of [
      ["app_DB_URL", "postgres://x"],
      ["app_TOKEN", "t"],
    ] as const) {
      await admin().createSecret({
        parent: `projects/${project}`,
        secretId: id,
        secret: { replication: { automatic: {} } },
      });
      await admin().addSecretVersion({
        parent: `projects/${project}/secrets/${id}`,
        payload: { data: Buffer.from(value) },
      });
    }
    const remote = `gcp-sm://${project}/app_*?endpoint=http://${endpoint()}`;
    const dir = tempDir("envsync-foreign-gcp-");
    const env = { METADATA_SERVER_DETECTION: "none" };

    const check = await runCli(["check", "-r", remote, "--json"], { cwd: dir, env });
    expect(check.code, check.stderr).toBe(3);
    expect(check.stderr).toContain(`2 secrets under app_* in project ${project}`);
    expect(JSON.parse(check.stdout)).toMatchObject({ inAgreement: false });

    const pull = await runCli(["pull", "-r", `${remote}&unmanaged=read`], { cwd: dir, env });
    expect(pull.code, pull.stderr).toBe(0);
    expect({ ...parse(readFileSync(join(dir, ".env"), "utf8")) }).toEqual({
      DB_URL: "postgres://x",
      TOKEN: "t",
    });

    const dry = await runCli(["adopt", "-r", remote], { cwd: dir, env });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain("app_DB_URL");
    // Labelling is tested in test/interop/adopt-gcp.test.ts.
  });
});
