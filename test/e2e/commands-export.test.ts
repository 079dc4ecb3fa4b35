/**
 * `envsync export` on the built binary with a file: remote: every format read back
 * with a real parser of it (envsync's dotenv parser, JSON.parse, the yaml package,
 * bash eval, base64), values only on stdout, --source local, --json, and the
 * external-secret manifest for cloud URIs (which needs no cloud call for bundles or
 * with --source local).
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { parse as parseDotenv } from "../../src/dotenv/index.js";
import { assertNoCanary, canary, runCli, tempDir, type CliResult } from "./helpers.js";

let dir: string;
let remote: Record<string, string>;
let local: Record<string, string>;
let canaries: string[];

const q = (v: string): string => JSON.stringify(v);

beforeEach(async () => {
  dir = tempDir("envsync-export-");
  const a = canary("A");
  const b = canary("B");
  const l = canary("L");
  canaries = [a, b, l];
  remote = {
    API_KEY: a,
    MULTI: `line one\n${b}\nline "three" it's $HOME`,
    EMPTY: "",
    NUMBERISH: "0123",
  };
  local = { LOCAL_ONLY: l };
  writeFileSync(join(dir, "remote.json"), JSON.stringify(remote, null, 2), { mode: 0o600 });
  writeFileSync(join(dir, ".env"), `LOCAL_ONLY=${q(l)}\n`, { mode: 0o600 });
  const r = await runCli(["init", "--remote", "file:remote.json"], { cwd: dir });
  expect(r.code, r.stderr).toBe(0);
});

async function exp(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const r = await runCli(["export", ...args], { cwd: dir, env });
  // Values go to stdout only: never to stderr.
  assertNoCanary(canaries, { [`stderr of export ${args.join(" ")}`]: r.stderr });
  expect(r.code, r.stderr).toBe(0);
  return r;
}

describe("envsync export (file: remote)", () => {
  it("dotenv is the default and reads back exactly", async () => {
    const r = await exp([]);
    expect(parseDotenv(r.stdout)).toEqual(remote);
  });

  it("json reads back with JSON.parse", async () => {
    expect(JSON.parse((await exp(["--format", "json"])).stdout)).toEqual(remote);
  });

  it("yaml reads back with the yaml package, strings staying strings", async () => {
    expect(parseYaml((await exp(["--format", "yaml"])).stdout)).toEqual(remote);
  });

  it("shell: bash eval gives back every value", async () => {
    const text = (await exp(["--format", "shell"])).stdout;
    const keys = Object.keys(remote).sort();
    const script = `eval "$1"\nprintf '%s\\0' ${keys.map((k) => `"$${k}"`).join(" ")}`;
    const got = execFileSync("bash", ["-c", script, "t", text], { cwd: dir })
      .toString("utf8")
      .split("\0")
      .slice(0, keys.length);
    expect(got).toEqual(keys.map((k) => remote[k]));
  });

  it("github-env: one-line keys as KEY=value, multi-line in the heredoc form", async () => {
    const text = (await exp(["--format", "github-env"])).stdout;
    expect(text).toContain(`API_KEY=${remote.API_KEY}\n`);
    const m = /^MULTI<<(ENVSYNC_EOF_[0-9a-f]{32})\n([\s\S]*?)\n\1\n/m.exec(text);
    expect(m, text).not.toBeNull();
    expect(m![2]).toBe(remote.MULTI);
  });

  it("k8s-secret: a v1 Secret with base64 data, --name and --namespace", async () => {
    const doc = parseYaml(
      (await exp(["--format", "k8s-secret", "--name", "app-env", "--namespace", "prod"])).stdout,
    );
    expect(doc).toMatchObject({
      apiVersion: "v1",
      kind: "Secret",
      type: "Opaque",
      metadata: { name: "app-env", namespace: "prod" },
    });
    const decoded = Object.fromEntries(
      Object.entries(doc.data as Record<string, string>).map(([k, v]) => [
        k,
        Buffer.from(v, "base64").toString("utf8"),
      ]),
    );
    expect(decoded).toEqual(remote);
  });

  it("--source local exports the local file without reading the remote", async () => {
    // A remote that cannot be read proves the remote is not contacted.
    writeFileSync(join(dir, "remote.json"), "{ not json");
    expect(parseDotenv((await exp(["--source", "local"])).stdout)).toEqual(local);
  });

  it("--source local needs no remote at all (no envsync.yaml, no --remote)", async () => {
    const bare = tempDir("envsync-export-bare-");
    writeFileSync(join(bare, "app.env"), `LOCAL_ONLY=${q(local.LOCAL_ONLY!)}\n`);
    const r = await runCli(
      ["export", "--source", "local", "--file", "app.env", "--format", "k8s-secret", "--json"],
      { cwd: bare },
    );
    expect(r.code, r.stderr).toBe(0);
    const obj = JSON.parse(r.stdout);
    expect(obj).toMatchObject({
      source: "local",
      remote: null,
      file: "app.env",
      keys: ["LOCAL_ONLY"],
    });
    expect(parseYaml(obj.output).metadata.name).toBe("app.env");
    const none = await runCli(["export"], { cwd: bare });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("No remote");
  });

  it("--json prints one object with the output and the key names", async () => {
    const r = await exp(["--format", "json", "--json"]);
    const obj = JSON.parse(r.stdout);
    expect(obj).toMatchObject({
      ok: true,
      command: "export",
      format: "json",
      source: "remote",
      remote: "file:remote.json",
      keys: Object.keys(remote).sort(),
    });
    expect(JSON.parse(obj.output)).toEqual(remote);
  });

  it("writes nothing: no state, no backups", async () => {
    const before = readdirSync(dir).sort();
    await exp(["--format", "shell"]);
    expect(readdirSync(dir).sort()).toEqual(before);
    expect(existsSync(join(dir, ".envsync"))).toBe(false);
  });

  it("external-secret needs a cloud remote and a --secret-store (exit 2)", async () => {
    const a = await runCli(["export", "--format", "external-secret", "--secret-store", "s"], {
      cwd: dir,
    });
    expect(a.code).toBe(2);
    expect(a.stderr).toContain("External Secrets Operator cannot read a file:");
    const b = await runCli(
      ["export", "--format", "external-secret", "--remote", "gcp-sm://proj/app-dev"],
      { cwd: dir },
    );
    expect(b.code).toBe(2);
    expect(b.stderr).toContain("--secret-store");
  });

  it("external-secret for a bundle remote: dataFrom.extract, no values, no cloud call", async () => {
    const r = await exp([
      "--format",
      "external-secret",
      "--remote",
      "aws-sm://myapp/dev?region=eu-west-1",
      "--secret-store",
      "aws-store",
      "--namespace",
      "prod",
    ]);
    assertNoCanary(canaries, { "external-secret manifest": r.stdout });
    const doc = parseYaml(r.stdout);
    expect(doc).toMatchObject({
      apiVersion: "external-secrets.io/v1",
      kind: "ExternalSecret",
      metadata: { name: "myapp-dev", namespace: "prod" },
      spec: {
        secretStoreRef: { name: "aws-store", kind: "SecretStore" },
        target: { name: "myapp-dev" },
        dataFrom: [{ extract: { key: "myapp/dev" } }],
      },
    });
  });

  it("external-secret for a per-key remote with --source local: one data entry per key, real remote names", async () => {
    writeFileSync(join(dir, ".env"), "DB_URL=x\nAPI_KEY=y\n");
    const r = await exp([
      "--format",
      "external-secret",
      "--source",
      "local",
      "--remote",
      "azure-kv://myvault/app-*",
      "--secret-store",
      "azure-store",
      "--secret-store-kind",
      "ClusterSecretStore",
    ]);
    const doc = parseYaml(r.stdout);
    expect(doc.spec.secretStoreRef).toEqual({ name: "azure-store", kind: "ClusterSecretStore" });
    expect(doc.spec.data).toEqual([
      { secretKey: "API_KEY", remoteRef: { key: "app-api--key" } },
      { secretKey: "DB_URL", remoteRef: { key: "app-db--url" } },
    ]);
  });

  it("refuses a key the format cannot carry (exit 2, key named, no value)", async () => {
    writeFileSync(join(dir, "remote.json"), JSON.stringify({ "bad.key": remote.API_KEY }));
    const r = await runCli(["export", "--format", "shell"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("bad.key");
    expect(r.stdout).toBe("");
    assertNoCanary(canaries, { stderr: r.stderr });
  });

  it("a remote that does not exist is exit 1 with a hint", async () => {
    const r = await runCli(["export", "--remote", "file:missing.env"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("does not exist yet");
  });
});
