/**
 * Names that fold to one `.env` key are refused, not guessed (issue 24): SSM
 * `case=upper` with `/app/db_url` and `/app/DB_URL` stops `pull`, `sync` and `adopt`
 * with exit 2 naming both, and nothing is tagged. `adopt --yes` tags only what it
 * listed as `.env` keys and could read: a Google secret with no enabled version is
 * warned about and left untagged, never blocking the rest of the prefix.
 */
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { ListTagsForResourceCommand, PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { DefaultAzureCredential } from "@azure/identity";
import { SecretClient } from "@azure/keyvault-secrets";
import { afterAll, describe, expect, it } from "vitest";
import { requireEnv } from "../harness/require-env.js";
import { freshGsmProject, gsmAdmin, gsmEndpoint } from "../support/gsm-admin.js";
import { runCli, tempDir, type CliResult } from "./helpers.js";

const rand = (): string => randomBytes(5).toString("hex");
const moto = (): string => requireEnv("ENVSYNC_TEST_MOTO_ENDPOINT", "moto");
const aws = { region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } };
const MANAGED = [{ Key: "managed-by", Value: "envsync" }];
const gsm = gsmAdmin();
afterAll(() => gsm.close());

function project(remote: string): {
  dir: string;
  cli: (args: string[]) => Promise<CliResult>;
} {
  const dir = tempDir("envsync-collide-");
  writeFileSync(
    join(dir, "envsync.yaml"),
    `environments:\n  dev:\n    remote: ${JSON.stringify(remote)}\n`,
  );
  writeFileSync(join(dir, ".env"), "DB_URL=mine\n");
  return { dir, cli: (args) => runCli(args, { cwd: dir }) };
}

describe("SSM case=upper: /app/db_url and /app/DB_URL", () => {
  it("pull, sync and adopt stop with exit 2 listing both names; nothing is tagged or written", async () => {
    const ssm = new SSMClient({ ...aws, endpoint: moto() });
    const p = `/collide-${rand()}`;
    await ssm.send(
      new PutParameterCommand({
        Name: `${p}/db_url`,
        Value: "a",
        Type: "SecureString",
        Tags: MANAGED,
      }),
    );
    await ssm.send(new PutParameterCommand({ Name: `${p}/DB_URL`, Value: "b", Type: "String" }));
    const w = project(
      `aws-ssm://${p}/*?case=upper&region=us-east-1&endpoint=${encodeURIComponent(moto())}`,
    );
    for (const args of [["pull"], ["sync"], ["adopt", "--yes"]]) {
      const r = await w.cli(args);
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain(`DB_URL ← ${p}/DB_URL, ${p}/db_url`);
    }
    const tags = await ssm.send(
      new ListTagsForResourceCommand({ ResourceType: "Parameter", ResourceId: `${p}/DB_URL` }),
    );
    expect(tags.TagList ?? []).toEqual([]);
    expect(readFileSync(join(w.dir, ".env"), "utf8")).toBe("DB_URL=mine\n");
  });
});

describe("Azure per-key: two secrets that read as one key", () => {
  it("a copied envsync-key tag, or a foreign name beside a managed key: pull, sync and adopt stop with exit 2 naming both; nothing tagged or written", async () => {
    const url = requireEnv("ENVSYNC_TEST_LOWKEY_URL", "lowkey");
    const kv = new SecretClient(url, new DefaultAzureCredential(), {
      disableChallengeResourceVerification: true,
      serviceVersion: "7.6",
    });
    const mine = { "managed-by": "envsync", "envsync-key": "DB_URL" };
    // (1) an infrastructure tool copied envsync's tags onto another secret under the prefix.
    const a = `ca${rand()}-`;
    await kv.setSecret(`${a}db--url`, "a", { tags: mine });
    await kv.setSecret(`${a}db-url`, "b", { tags: mine });
    // (2) another tool's secret whose name reads as a key envsync manages.
    const b = `cb${rand()}-`;
    await kv.setSecret(`${b}-x-0`, "a", { tags: { "managed-by": "envsync", "envsync-key": "x-" } });
    await kv.setSecret(`${b}x-`, "b");
    for (const [prefix, line] of [
      [a, `DB_URL ← ${a}db--url, ${a}db-url`],
      [b, `x- ← ${b}-x-0, ${b}x-`],
    ] as const) {
      const w = project(`azure-kv://${url}/${prefix}*`);
      for (const args of [["pull"], ["sync"], ["adopt", "--yes"]]) {
        const r = await w.cli(args);
        expect(r.code, `${prefix} ${args.join(" ")}: ${r.stderr}`).toBe(2);
        expect(r.stderr).toContain(line);
      }
      expect(readFileSync(join(w.dir, ".env"), "utf8")).toBe("DB_URL=mine\n");
    }
    expect((await kv.getSecret(`${b}x-`)).properties.tags ?? {}).toEqual({});
  });
});

describe("Azure per-key: a managed secret whose envsync-key tag its name does not encode", () => {
  it("colliding with nothing, it is reported (name and why), never read, and a push of its key is refused", async () => {
    const url = requireEnv("ENVSYNC_TEST_LOWKEY_URL", "lowkey");
    const kv = new SecretClient(url, new DefaultAzureCredential(), {
      disableChallengeResourceVerification: true,
      serviceVersion: "7.6",
    });
    const p = `cd${rand()}-`;
    // Another tool gave `…-other` envsync's tags naming DB_URL (whose name is `…-db--url`).
    const tags = { "managed-by": "envsync", "envsync-key": "DB_URL" };
    await kv.setSecret(`${p}other`, "theirs", { tags });
    const w = project(`azure-kv://${url}/${p}*`);
    for (const args of [["pull"], ["diff"]]) {
      const r = await w.cli(args);
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(0);
      expect(r.stderr).toContain(`${p}other`);
      expect(r.stderr).toContain("envsync-key");
    }
    expect(readFileSync(join(w.dir, ".env"), "utf8")).toBe("DB_URL=mine\n");
    const push = await w.cli(["push"]);
    expect(push.code, push.stderr).toBe(2);
    expect(push.stderr).toContain(`${p}other`);
    const names: string[] = [];
    for await (const s of kv.listPropertiesOfSecrets())
      if (s.name.startsWith(p)) names.push(s.name);
    expect(names).toEqual([`${p}other`]);
    const other = await kv.getSecret(`${p}other`);
    expect(other.value).toBe("theirs");
    expect(other.properties.tags).toEqual(tags);
  });
});

describe("Google per-key prefixes: envsync-key annotations", () => {
  const make = async (parent: string, id: string, key: string, value: string): Promise<void> => {
    const [s] = await gsm.client().createSecret({
      parent,
      secretId: id,
      secret: {
        replication: { automatic: {} },
        labels: { "managed-by": "envsync" },
        annotations: { "envsync-key": key },
      },
    });
    await gsm.client().addSecretVersion({ parent: s.name!, payload: { data: Buffer.from(value) } });
  };

  it("a longer prefix's secret is not read as this prefix's key", async () => {
    const project_ = freshGsmProject("prefix");
    const parent = `projects/${project_}`;
    await make(parent, "app_DB", "DB", "short");
    await make(parent, "app_dev_DB", "DB", "long");
    const w = project(`gcp-sm://${project_}/app_*?endpoint=http://${gsmEndpoint()}`);
    writeFileSync(join(w.dir, ".env"), "");
    for (let i = 0; i < 2; i++) {
      const r = await w.cli(["pull"]);
      expect(r.code, r.stderr).toBe(0);
      expect(readFileSync(join(w.dir, ".env"), "utf8")).toBe("DB=short\n");
    }
  });

  it("two secrets annotated with one key: pull, sync and adopt stop with exit 2 naming both", async () => {
    const project_ = freshGsmProject("annot");
    const parent = `projects/${project_}`;
    await make(parent, "app_DB_URL", "DB_URL", "a");
    await make(parent, "app_OLD", "DB_URL", "b");
    const w = project(`gcp-sm://${project_}/app_*?endpoint=http://${gsmEndpoint()}`);
    for (const args of [["pull"], ["sync"], ["adopt", "--yes"]]) {
      const r = await w.cli(args);
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain("DB_URL ← app_DB_URL, app_OLD");
    }
    expect(readFileSync(join(w.dir, ".env"), "utf8")).toBe("DB_URL=mine\n");
  });
});

describe("adopt --yes tags only what it said it would", () => {
  it("a name that is not a .env key is listed as skipped and not tagged", async () => {
    const sm = new SecretsManagerClient({ ...aws, endpoint: moto() });
    const p = `adopt-skip-${rand()}`;
    await sm.send(new CreateSecretCommand({ Name: `${p}/1ST`, SecretString: "x" }));
    await sm.send(new CreateSecretCommand({ Name: `${p}/OK`, SecretString: "y" }));
    const w = project(`aws-sm://${p}/*?region=us-east-1&endpoint=${encodeURIComponent(moto())}`);
    const r = await w.cli(["adopt", "--yes"]);
    expect(r.code, r.stderr).toBe(0);
    const tagged = async (n: string): Promise<boolean> =>
      ((await sm.send(new DescribeSecretCommand({ SecretId: `${p}/${n}` }))).Tags ?? []).some(
        (t) => t.Key === "managed-by",
      );
    expect(await tagged("OK")).toBe(true);
    expect(await tagged("1ST")).toBe(false);
  });

  it("a Google secret with no enabled version is warned about and left untagged", async () => {
    const project_ = freshGsmProject("adopt");
    const parent = `projects/${project_}`;
    for (const id of ["app_GOOD", "app_OFF"]) {
      const [s] = await gsm
        .client()
        .createSecret({ parent, secretId: id, secret: { replication: { automatic: {} } } });
      const [v] = await gsm
        .client()
        .addSecretVersion({ parent: s.name!, payload: { data: Buffer.from("v") } });
      if (id === "app_OFF") await gsm.client().disableSecretVersion({ name: v.name! });
    }
    const w = project(`gcp-sm://${project_}/app_*?endpoint=http://${gsmEndpoint()}`);
    const r = await w.cli(["adopt", "--yes"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/app_OFF was not adopted/);
    const labels = async (id: string): Promise<Record<string, string>> =>
      (await gsm.client().getSecret({ name: `${parent}/secrets/${id}` }))[0].labels ?? {};
    expect((await labels("app_GOOD"))["managed-by"]).toBe("envsync");
    expect((await labels("app_OFF"))["managed-by"]).toBeUndefined();
  });
});

describe("unmanaged=read: every command sees the same entries", () => {
  it("pull, diff, export and run all read the secret another tool made", async () => {
    const sm = new SecretsManagerClient({ ...aws, endpoint: moto() });
    const p = `same-view-${rand()}`;
    await sm.send(new CreateSecretCommand({ Name: `${p}/MINE`, SecretString: "m", Tags: MANAGED }));
    await sm.send(new CreateSecretCommand({ Name: `${p}/THEIRS`, SecretString: "t" }));
    const w = project(
      `aws-sm://${p}/*?unmanaged=read&region=us-east-1&endpoint=${encodeURIComponent(moto())}`,
    );
    writeFileSync(join(w.dir, ".env"), "");
    const diff = await w.cli(["diff", "--json"]);
    expect(diff.stdout).toContain("THEIRS");
    const exp = await w.cli(["export", "--format", "json"]);
    expect(exp.code, exp.stderr).toBe(0);
    expect(JSON.parse(exp.stdout)).toEqual({ MINE: "m", THEIRS: "t" });
    const run = await w.cli(["run", "--", "sh", "-c", 'test "$THEIRS" = t && test "$MINE" = m']);
    expect(run.code, run.stderr).toBe(0);
    expect((await w.cli(["pull"])).code).toBe(0);
    expect(readFileSync(join(w.dir, ".env"), "utf8")).toContain("THEIRS=t");
  });
});
