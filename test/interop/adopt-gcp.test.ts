/**
 * Adopting on Google Secret Manager, on the built CLI against the project's Google
 * emulator: secrets another tool made under a per-key prefix (written here with the
 * official client, as gcloud or Terraform would, one with a label of its own) are
 * noted, `check` does not pass, `envsync adopt --yes` labels them `managed-by=envsync`
 * with UpdateSecret (their other labels, values and versions kept), then `pull` reads
 * them and `check` passes.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "../../src/dotenv/index.js";
import { runCli, tempDir } from "../e2e/helpers.js";
import { freshGsmProject, gsmAdmin, gsmEndpoint } from "../support/gsm-admin.js";

const gsm = gsmAdmin();
afterAll(() => gsm.close());

async function foreignSecret(
  project: string,
  id: string,
  value: string,
  labels: Record<string, string> = {},
): Promise<void> {
  await gsm.client().createSecret({
    parent: `projects/${project}`,
    secretId: id,
    secret: { replication: { automatic: {} }, labels },
  });
  await gsm.client().addSecretVersion({
    parent: `projects/${project}/secrets/${id}`,
    payload: { data: Buffer.from(value) },
  });
}

describe("secrets other tools made under a Google per-key prefix", () => {
  it("adopt --yes labels them (other labels kept, values untouched); pull reads them; check passes", async () => {
    const project = freshGsmProject("adopt");
    await foreignSecret(project, "app_DB_URL", "postgres://x", { team: "payments" });
    await foreignSecret(project, "app_TOKEN", "t");
    await foreignSecret(project, "other_KEY", "not under the prefix");
    const remote = `gcp-sm://${project}/app_*?endpoint=http://${gsmEndpoint()}`;
    const dir = tempDir("envsync-adopt-gcp-");
    const env = { METADATA_SERVER_DETECTION: "none" };

    const check = await runCli(["check", "-r", remote], { cwd: dir, env });
    expect(check.code, check.stderr).toBe(3);
    expect(check.stderr).toContain(`2 secrets under app_* in project ${project}`);
    expect(check.stderr).toContain("envsync adopt");

    const dry = await runCli(["adopt", "-r", remote, "--json"], { cwd: dir, env });
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, adopted: 0 });
    const [before] = await gsm
      .client()
      .getSecret({ name: `projects/${project}/secrets/app_TOKEN` });
    expect(before.labels ?? {}).toEqual({}); // a dry run labels nothing

    const yes = await runCli(["adopt", "-r", remote, "--yes", "--json"], { cwd: dir, env });
    expect(yes.code, yes.stderr).toBe(0);
    expect(JSON.parse(yes.stdout)).toMatchObject({ dryRun: false, adopted: 2 });
    const labels = async (id: string): Promise<Record<string, string>> => ({
      ...(await gsm.client().getSecret({ name: `projects/${project}/secrets/${id}` }))[0].labels,
    });
    expect(await labels("app_DB_URL")).toEqual({ team: "payments", "managed-by": "envsync" });
    expect(await labels("app_TOKEN")).toEqual({ "managed-by": "envsync" });
    expect(await labels("other_KEY")).toEqual({});
    // Values and versions are not touched: still one version each.
    const [versions] = await gsm.client().listSecretVersions({
      parent: `projects/${project}/secrets/app_DB_URL`,
    });
    expect(versions).toHaveLength(1);

    const pull = await runCli(["pull", "-r", remote], { cwd: dir, env });
    expect(pull.code, pull.stderr).toBe(0);
    expect({ ...parse(readFileSync(join(dir, ".env"), "utf8")) }).toEqual({
      DB_URL: "postgres://x",
      TOKEN: "t",
    });
    const after = await runCli(["check", "-r", remote], { cwd: dir, env });
    expect(after.code, after.stderr).toBe(0);
    expect(after.stderr).not.toContain("envsync adopt");
    // Adopting again finds nothing left to take over.
    const again = await runCli(["adopt", "-r", remote, "--yes", "--json"], { cwd: dir, env });
    expect(JSON.parse(again.stdout)).toMatchObject({ adopted: 0 });
  });
});
