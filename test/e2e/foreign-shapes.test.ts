/**
 * What envsync does not own stays byte for byte (issue 24): a JSON bundle written by
 * another tool with that store's own API — a name `.env` cannot hold (`"bad key"`),
 * numbers, booleans, null, a nested object, a 20-digit number, an escaped string —
 * then `envsync push` of one new key, then `envsync rollback` to the first version,
 * on AWS Secrets Manager (moto), Google Secret Manager (the stand-in), Azure Key
 * Vault (lowkey), Vault KV v1 and v2 (OpenBao) and `file:*.json`. The push must add
 * the key and change nothing else; the rollback must give back the first version's
 * exact text.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { DefaultAzureCredential } from "@azure/identity";
import { SecretClient } from "@azure/keyvault-secrets";
import { afterAll, describe, expect, it } from "vitest";
import { VAULT_ADDR_VAR, VAULT_TOKEN_VAR } from "../harness/emulators/openbao.js";
import { requireEnv } from "../harness/require-env.js";
import { freshGsmProject, gsmAdmin, gsmEndpoint } from "../support/gsm-admin.js";
import { runCli, tempDir, type CliResult } from "./helpers.js";

/** The document as another tool writes it: compact, members in its own order. */
const DOC =
  '{"bad key":"kept as is","PORT":8080,"ON":true,"NONE":null,"OBJ":{"a":[1,2.50]},' +
  '"BIG":12345678901234567890,"ESC":"caf\\u00e9","S":"x"}';
/** A pretty document, as a person or `jq` writes a file. */
const PRETTY = '{\n    "bad key": "kept",\n    "PORT": 8080,\n    "S": "x"\n}\n';

const rand = (): string => randomBytes(5).toString("hex");
const gsm = gsmAdmin();
afterAll(() => gsm.close());

interface Target {
  /** The remote URI. */
  remote(dir: string): string;
  /** Stores `doc` with the store's own API. */
  arrange(dir: string, doc: string): Promise<void>;
  /** The document as the store's own API returns it now. */
  text(dir: string): Promise<string>;
  /** Environment of the CLI. */
  env?(): Record<string, string>;
  /** The store re-lays documents (Vault keeps a Go map): compare members, not whole text. */
  relaid?: boolean;
}

function aws(): Target {
  const endpoint = requireEnv("ENVSYNC_TEST_MOTO_ENDPOINT", "moto");
  const name = `shapes-${rand()}`;
  const client = new SecretsManagerClient({ endpoint, region: "us-east-1" });
  return {
    remote: () => `aws-sm://${name}?region=us-east-1&endpoint=${encodeURIComponent(endpoint)}`,
    arrange: async (_d, doc) => {
      await client.send(new CreateSecretCommand({ Name: name, SecretString: doc }));
    },
    text: async () =>
      (await client.send(new GetSecretValueCommand({ SecretId: name, VersionStage: "AWSCURRENT" })))
        .SecretString ?? "",
  };
}

function google(): Target {
  const project = freshGsmProject("shapes");
  const parent = `projects/${project}`;
  return {
    remote: () => `gcp-sm://${project}/app_env?endpoint=http://${gsmEndpoint()}`,
    arrange: async (_d, doc) => {
      const [s] = await gsm.client().createSecret({
        parent,
        secretId: "app_env",
        secret: { replication: { automatic: {} } },
      });
      await gsm.client().addSecretVersion({ parent: s.name!, payload: { data: Buffer.from(doc) } });
    },
    text: async () => {
      const [v] = await gsm
        .client()
        .accessSecretVersion({ name: `${parent}/secrets/app_env/versions/latest` });
      return Buffer.from(v.payload!.data as Uint8Array).toString("utf8");
    },
  };
}

function azure(): Target {
  const url = requireEnv("ENVSYNC_TEST_LOWKEY_URL", "lowkey");
  const name = `shapes-${rand()}`;
  const client = new SecretClient(url, new DefaultAzureCredential(), {
    disableChallengeResourceVerification: true,
    serviceVersion: "7.6",
  });
  return {
    remote: () => `azure-kv://${url}/${name}`,
    arrange: async (_d, doc) => {
      await client.setSecret(name, doc, { contentType: "application/json" });
    },
    text: async () => (await client.getSecret(name)).value ?? "",
  };
}

/** A raw call to Vault's HTTP API with an exact JSON text body (big numbers intact). */
async function vaultRaw(method: string, path: string, body?: string): Promise<string> {
  const res = await fetch(`${requireEnv(VAULT_ADDR_VAR, "openbao")}/v1/${path}`, {
    method,
    headers: {
      "X-Vault-Token": requireEnv(VAULT_TOKEN_VAR, "openbao"),
      "Content-Type": "application/json",
    },
    ...(body === undefined ? {} : { body }),
  });
  const text = await res.text();
  expect(res.status, text).toBeLessThan(300);
  return text;
}

/** The exact text of `"key":` … in a response (a data map is the last object member). */
function dataMapText(response: string, kv: 1 | 2): string {
  const at = kv === 2 ? response.indexOf('"data":{"data":') + 15 : response.indexOf('"data":') + 7;
  let depth = 0;
  for (let i = at; i < response.length; i++) {
    const c = response[i];
    if (c === '"') {
      for (i++; response[i] !== '"'; i++) if (response[i] === "\\") i++;
    } else if (c === "{") depth++;
    else if (c === "}" && --depth === 0) return response.slice(at, i + 1);
  }
  throw new Error("no data map");
}

let kv1Mount: Promise<string> | undefined;
function vault(kv: 1 | 2): Target {
  const p = `shapes-${rand()}/app`;
  const mount = async (): Promise<string> => {
    if (kv === 2) return "secret";
    kv1Mount ??= (async () => {
      const m = `kv1-shapes-${rand()}`;
      await vaultRaw("POST", `sys/mounts/${m}`, '{"type":"kv","options":{"version":"1"}}');
      return m;
    })();
    return kv1Mount;
  };
  let m = "";
  return {
    remote: () => `vault:///${m}/${p}`,
    arrange: async (_d, doc) => {
      m = await mount();
      await vaultRaw(
        "POST",
        kv === 2 ? `${m}/data/${p}` : `${m}/${p}`,
        kv === 2 ? `{"data":${doc}}` : doc,
      );
    },
    text: async () =>
      dataMapText(await vaultRaw("GET", kv === 2 ? `${m}/data/${p}` : `${m}/${p}`), kv),
    env: () => ({
      VAULT_ADDR: requireEnv(VAULT_ADDR_VAR, "openbao"),
      VAULT_TOKEN: requireEnv(VAULT_TOKEN_VAR, "openbao"),
    }),
    relaid: true,
  };
}

function file(): Target {
  return {
    remote: () => "file:../remote.json",
    arrange: (dir, doc) => {
      writeFileSync(join(dir, "..", "remote.json"), doc);
      return Promise.resolve();
    },
    text: (dir) => Promise.resolve(readFileSync(join(dir, "..", "remote.json"), "utf8")),
  };
}

/** Members of a JSON object text, name → exact token (the structure decides, not whitespace). */
function members(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const value = (i: number): number => {
    let depth = 0;
    for (let j = i; j < text.length; j++) {
      const c = text[j]!;
      if (c === '"') {
        for (j++; text[j] !== '"'; j++) if (text[j] === "\\") j++;
        if (depth === 0) return j + 1;
      } else if (c === "{" || c === "[") depth++;
      else if (c === "}" || c === "]") {
        if (depth === 0) return j;
        if (--depth === 0) return j + 1;
      } else if (depth === 0 && /[,\s]/.test(c)) return j;
    }
    return text.length;
  };
  let i = text.indexOf("{") + 1;
  for (;;) {
    while (/[\s,]/.test(text[i] ?? "")) i++;
    if (text[i] !== '"') break;
    let j = i + 1;
    for (; text[j] !== '"'; j++) if (text[j] === "\\") j++;
    const key = JSON.parse(text.slice(i, j + 1)) as string;
    let v = j + 1;
    while (/[\s:]/.test(text[v]!)) v++;
    const end = value(v);
    out.set(key, text.slice(v, end));
    i = end;
  }
  return out;
}

async function workingCopy(
  t: Target,
  doc: string,
): Promise<{ dir: string; cli: (args: string[]) => Promise<CliResult> }> {
  const dir = join(tempDir("envsync-shapes-"), "wc");
  mkdirSync(dir);
  await t.arrange(dir, doc);
  writeFileSync(
    join(dir, "envsync.yaml"),
    `environments:\n  dev:\n    remote: ${JSON.stringify(t.remote(dir))}\n`,
  );
  writeFileSync(join(dir, ".env"), "");
  const cli = (args: string[]): Promise<CliResult> =>
    runCli(args, { cwd: dir, env: { ...(t.env?.() ?? {}) } });
  const r = await cli(["pull"]);
  expect(r.code, r.stderr).toBe(0);
  if (doc.includes("bad key")) expect(r.stderr).toContain("bad key");
  return { dir, cli };
}

describe.each([
  ["aws-sm bundle (moto)", aws],
  ["gcp-sm bundle (stand-in)", google],
  ["azure-kv bundle (lowkey)", azure],
  ["vault KV v2 bundle (OpenBao)", () => vault(2)],
  ["vault KV v1 bundle (OpenBao)", () => vault(1)],
  ["file:*.json", file],
])("a bundle another tool wrote: %s", (_label, make) => {
  it("push of one new key adds it and leaves every other member's text, type and order", async () => {
    const t = make();
    const { dir, cli } = await workingCopy(t, DOC);
    const before = await t.text(dir);
    writeFileSync(join(dir, ".env"), `${readFileSync(join(dir, ".env"), "utf8")}NEW=added\n`);
    const r = await cli(["push"]);
    expect(r.code, r.stderr).toBe(0);
    const after = await t.text(dir);
    if (t.relaid) {
      const want = new Map(members(before)).set("NEW", '"added"');
      expect(new Map([...members(after)].sort())).toEqual(new Map([...want].sort()));
    } else {
      expect(after).toBe(`${DOC.slice(0, -1)},"NEW":"added"}`);
    }
  });

  it("push of a changed key and a deleted key touches only those two", async () => {
    const t = make();
    const { dir, cli } = await workingCopy(t, DOC);
    const before = members(await t.text(dir));
    const env = readFileSync(join(dir, ".env"), "utf8")
      .split("\n")
      .filter((l) => !l.startsWith("ON="))
      .map((l) => (l.startsWith("S=") ? "S=changed" : l))
      .join("\n");
    writeFileSync(join(dir, ".env"), env);
    const r = await cli(["push", "--prune", "--yes"]);
    expect(r.code, r.stderr).toBe(0);
    const after = members(await t.text(dir));
    const want = new Map(before).set("S", '"changed"');
    want.delete("ON");
    expect(new Map([...after].sort())).toEqual(new Map([...want].sort()));
    if (!t.relaid) expect([...after.keys()]).toEqual([...want.keys()]);
  });
});

// KV v1 keeps no versions: history and rollback say so (exit 2), tested in vault.test.ts.
describe.each([
  ["aws-sm bundle (moto)", aws],
  ["gcp-sm bundle (stand-in)", google],
  ["azure-kv bundle (lowkey)", azure],
  ["vault KV v2 bundle (OpenBao)", () => vault(2)],
  ["file:*.json", file],
])("rollback of a bundle another tool wrote: %s", (_label, make) => {
  it("rollback to the first version gives back its exact text", async () => {
    const t = make();
    const { dir, cli } = await workingCopy(t, DOC);
    const first = await t.text(dir);
    writeFileSync(join(dir, ".env"), `${readFileSync(join(dir, ".env"), "utf8")}NEW=added\n`);
    expect((await cli(["push"])).code).toBe(0);
    const h = await cli(["history", "--json"]);
    expect(h.code, h.stderr).toBe(0);
    const versions = (JSON.parse(h.stdout) as { versions: { id: string }[] }).versions;
    const r = await cli(["rollback", "--to", versions[versions.length - 1]!.id, "--yes"]);
    expect(r.code, r.stderr).toBe(0);
    expect(await t.text(dir)).toBe(first);
  });
});

describe("layouts and encodings of other tools' documents", () => {
  it("a pretty file keeps its indentation and trailing newline; a new key follows the last", async () => {
    const t = file();
    const { dir, cli } = await workingCopy(t, PRETTY);
    writeFileSync(join(dir, ".env"), `${readFileSync(join(dir, ".env"), "utf8")}NEW=added\n`);
    expect((await cli(["push"])).code).toBe(0);
    expect(await t.text(dir)).toBe(
      '{\n    "bad key": "kept",\n    "PORT": 8080,\n    "S": "x",\n    "NEW": "added"\n}\n',
    );
  });

  it("a byte order mark in front of a bundle is read and kept", async () => {
    const t = aws();
    const { dir, cli } = await workingCopy(t, `\uFEFF${DOC}`);
    expect(readFileSync(join(dir, ".env"), "utf8")).toContain("PORT=8080");
    writeFileSync(join(dir, ".env"), `${readFileSync(join(dir, ".env"), "utf8")}NEW=added\n`);
    expect((await cli(["push"])).code).toBe(0);
    expect(await t.text(dir)).toBe(`\uFEFF${DOC.slice(0, -1)},"NEW":"added"}`);
    const c = await cli(["check"]);
    expect(c.code, c.stdout + c.stderr).toBe(0);
  });

  it("a repeated name reads as its last value; a change replaces that one, check agrees", async () => {
    const t = aws();
    const { dir, cli } = await workingCopy(t, '{"bad key":1,"D":"first","D":"last"}');
    expect(readFileSync(join(dir, ".env"), "utf8")).toContain("D=last");
    writeFileSync(join(dir, ".env"), "D=new\n");
    expect((await cli(["push"])).code).toBe(0);
    expect(await t.text(dir)).toBe('{"bad key":1,"D":"first","D":"new"}');
    const c = await cli(["check"]);
    expect(c.code, c.stdout + c.stderr).toBe(0);
  });

  it("a lone surrogate is reported, left out and kept; check does not report it forever", async () => {
    const t = aws();
    const doc = '{"LONE":"a\\ud800b","S":"x"}';
    const { dir, cli } = await workingCopy(t, doc);
    expect(readFileSync(join(dir, ".env"), "utf8")).not.toContain("LONE");
    writeFileSync(join(dir, ".env"), `${readFileSync(join(dir, ".env"), "utf8")}NEW=added\n`);
    const r = await cli(["push"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/LONE \(.*not valid Unicode/);
    expect(await t.text(dir)).toBe('{"LONE":"a\\ud800b","S":"x","NEW":"added"}');
    const c = await cli(["check"]);
    expect(c.code, c.stdout + c.stderr).toBe(0);
  });
});
