/**
 * Per-key entries envsync cannot represent stay as they are (issue 24): Vault secrets
 * with more fields than `value` or without a string `value`, binary or non-UTF-8
 * payloads (AWS SecretBinary, Google bytes), SSM parameters another tool typed
 * `String`/`StringList`, and entries that lost envsync's mark. Each is arranged with
 * the store's own API (moto, the Google stand-in, OpenBao), then driven through the CLI.
 */
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
  UntagResourceCommand,
} from "@aws-sdk/client-secrets-manager";
import { GetParameterCommand, PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { afterAll, describe, expect, it } from "vitest";
import { baoApi, VAULT_ADDR_VAR, VAULT_TOKEN_VAR } from "../harness/emulators/openbao.js";
import { requireEnv } from "../harness/require-env.js";
import { freshGsmProject, gsmAdmin, gsmEndpoint } from "../support/gsm-admin.js";
import { runCli, tempDir, type CliResult } from "./helpers.js";

const rand = (): string => randomBytes(5).toString("hex");
const gsm = gsmAdmin();
afterAll(() => gsm.close());
const moto = (): string => requireEnv("ENVSYNC_TEST_MOTO_ENDPOINT", "moto");
const aws = { region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } };
const MANAGED = [{ Key: "managed-by", Value: "envsync" }];

function project(remote: string, env: Record<string, string> = {}) {
  const dir = tempDir("envsync-opaque-");
  writeFileSync(
    join(dir, "envsync.yaml"),
    `environments:\n  dev:\n    remote: ${JSON.stringify(remote)}\n`,
  );
  writeFileSync(join(dir, ".env"), "");
  return {
    dir,
    cli: (args: string[]): Promise<CliResult> => runCli(args, { cwd: dir, env }),
    env: (): string => readFileSync(join(dir, ".env"), "utf8"),
    append: (line: string): void =>
      writeFileSync(join(dir, ".env"), `${readFileSync(join(dir, ".env"), "utf8")}${line}\n`),
    set: (key: string, value: string): void =>
      writeFileSync(
        join(dir, ".env"),
        readFileSync(join(dir, ".env"), "utf8")
          .split("\n")
          .map((l) => (l.startsWith(`${key}=`) ? `${key}=${value}` : l))
          .join("\n"),
      ),
  };
}

describe("AWS Secrets Manager per-key", () => {
  const client = (): SecretsManagerClient => new SecretsManagerClient({ ...aws, endpoint: moto() });
  const remote = (p: string): string =>
    `aws-sm://${p}/*?region=us-east-1&endpoint=${encodeURIComponent(moto())}`;

  it("a SecretBinary secret is reported and skipped; a push to it is refused (exit 2, not 5)", async () => {
    const p = `opaque-${rand()}`;
    const bytes = Uint8Array.from([0xff, 0xfe, 0x00, 0x41]);
    await client().send(
      new CreateSecretCommand({ Name: `${p}/BIN`, SecretBinary: bytes, Tags: MANAGED }),
    );
    await client().send(
      new CreateSecretCommand({ Name: `${p}/TXT`, SecretString: "text", Tags: MANAGED }),
    );
    const w = project(remote(p));
    const r = await w.cli(["pull"]);
    expect(r.code, r.stderr).toBe(0);
    expect(w.env()).toContain("TXT=text");
    expect(w.env()).not.toContain("BIN");
    expect(r.stderr).toMatch(new RegExp(`${p}/BIN \\(it holds SecretBinary`));
    expect(w.env()).not.toContain("\uFFFD");
    w.append("BIN=overwrite");
    const push = await w.cli(["push"]);
    expect(push.code, push.stderr).toBe(2);
    expect(push.stderr).toContain(`${p}/BIN`);
    const got = await client().send(new GetSecretValueCommand({ SecretId: `${p}/BIN` }));
    expect(Buffer.from(got.SecretBinary!)).toEqual(Buffer.from(bytes));
  });

  it("a secret that lost its managed-by tag is 'no longer marked', not deleted locally", async () => {
    const p = `unmarked-${rand()}`;
    const w = project(remote(p));
    w.append("A=one");
    w.append("B=two");
    expect((await w.cli(["push"])).code).toBe(0);
    await client().send(new UntagResourceCommand({ SecretId: `${p}/A`, TagKeys: ["managed-by"] }));
    const r = await w.cli(["sync"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      new RegExp(`${p}/A was envsync's at the last sync but is no longer marked`),
    );
    expect(w.env()).toContain("A=one");
    const d = await client().send(new DescribeSecretCommand({ SecretId: `${p}/A` }));
    expect(d.DeletedDate).toBeUndefined();
    const again = await w.cli(["sync"]);
    expect(again.code, again.stderr).toBe(0);
    expect(w.env()).toContain("A=one");
  });
});

describe("SSM Parameter Store", () => {
  it("an update keeps each parameter's type (String, StringList); new ones are SecureString", async () => {
    const ssm = new SSMClient({ ...aws, endpoint: moto() });
    const p = `/opaque-${rand()}`;
    await ssm.send(
      new PutParameterCommand({ Name: `${p}/S`, Value: "s", Type: "String", Tags: MANAGED }),
    );
    await ssm.send(
      new PutParameterCommand({ Name: `${p}/L`, Value: "a,b", Type: "StringList", Tags: MANAGED }),
    );
    const w = project(`aws-ssm://${p}/*?region=us-east-1&endpoint=${encodeURIComponent(moto())}`);
    expect((await w.cli(["pull"])).code).toBe(0);
    w.set("S", "s2");
    w.set("L", "a,b,c");
    w.append("NEW=n");
    const r = await w.cli(["push"]);
    expect(r.code, r.stderr).toBe(0);
    const type = async (k: string): Promise<string | undefined> =>
      (await ssm.send(new GetParameterCommand({ Name: `${p}/${k}`, WithDecryption: true })))
        .Parameter?.Type;
    expect(await type("S")).toBe("String");
    expect(await type("L")).toBe("StringList");
    expect(await type("NEW")).toBe("SecureString");
  });
});

describe("Google Secret Manager per-key", () => {
  it("a payload that is not UTF-8 is reported, skipped, never copied", async () => {
    const project_ = freshGsmProject("opaque");
    const parent = `projects/${project_}`;
    for (const [id, data] of [
      ["app_BIN", Buffer.from([0xff, 0xfe, 0x41])],
      ["app_TXT", Buffer.from("text")],
    ] as const) {
      const [s] = await gsm.client().createSecret({
        parent,
        secretId: id,
        secret: {
          replication: { automatic: {} },
          labels: { "managed-by": "envsync" },
          annotations: { "envsync-key": id.slice(4) },
        },
      });
      await gsm.client().addSecretVersion({ parent: s.name!, payload: { data } });
    }
    const w = project(`gcp-sm://${project_}/app_*?endpoint=http://${gsmEndpoint()}`);
    const r = await w.cli(["pull"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/app_BIN \(its payload is not UTF-8 text\)/);
    expect(w.env()).toContain("TXT=text");
    expect(w.env()).not.toContain("BIN");
    const c = await w.cli([
      "copy",
      `gcp-sm://${project_}/app_*?endpoint=http://${gsmEndpoint()}`,
      "file:out.json",
    ]);
    expect(c.code, c.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(w.dir, "out.json"), "utf8"))).toEqual({ TXT: "text" });
    w.append("BIN=x");
    const push = await w.cli(["push"]);
    expect(push.code, push.stderr).toBe(2);
    expect(push.stderr).toContain("app_BIN");
  });
});

describe("Vault per-key (OpenBao KV v2)", () => {
  const addr = (): string => requireEnv(VAULT_ADDR_VAR, "openbao");
  const root = (): string => requireEnv(VAULT_TOKEN_VAR, "openbao");
  const api = (method: string, path: string, body?: unknown) =>
    baoApi(addr(), root(), method, path, body);
  const put = async (path: string, data: Record<string, unknown>): Promise<void> => {
    expect((await api("POST", `secret/data/${path}`, { data })).status).toBe(200);
    expect(
      (
        await api("POST", `secret/metadata/${path}`, {
          custom_metadata: { "managed-by": "envsync" },
        })
      ).status,
    ).toBe(204);
  };
  const data = async (path: string): Promise<unknown> =>
    ((await api("GET", `secret/data/${path}`)).body?.data as { data: unknown }).data;

  it("an update replaces only `value`; data without a string `value` is reported and kept unless --yes", async () => {
    const p = `opaque-${rand()}`;
    await put(`${p}/A`, { value: "1", port: 8080, note: "theirs", on: true });
    await put(`${p}/B`, { password: "theirs", port: 5432 });
    const w = project(`vault:///secret/${p}/*`, { VAULT_ADDR: addr(), VAULT_TOKEN: root() });
    const r = await w.cli(["pull"]);
    expect(r.code, r.stderr).toBe(0);
    expect(w.env()).toContain("A=1");
    expect(w.env()).not.toContain("B=");
    expect(r.stderr).toMatch(new RegExp(`${p}/B \\(its data has no string "value" field\\)`));
    w.set("A", "2");
    expect((await w.cli(["push"])).code).toBe(0);
    expect(await data(`${p}/A`)).toEqual({ value: "2", port: 8080, note: "theirs", on: true });
    w.append("B=mine");
    const refused = await w.cli(["push"]);
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toContain(`${p}/B`);
    expect(await data(`${p}/B`)).toEqual({ password: "theirs", port: 5432 });
    const forced = await w.cli(["push", "--yes"]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(await data(`${p}/B`)).toEqual({ password: "theirs", port: 5432, value: "mine" });
  });
});
