/**
 * End to end on the built binary against moto, for the three AWS layouts: the shared
 * two-working-copies story (test/scenario/two-copies.ts) on each, then what only AWS
 * has: seed flags, profiles, and the errors users meet. Canary values must never reach
 * stdout or stderr.
 */
import { randomUUID } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { silentLogger } from "../../src/logger.js";
import { openStore } from "../../src/providers/registry.js";
import { requireEnv } from "../harness/require-env.js";
import { runTwoCopiesScenario } from "../scenario/two-copies.js";
import { assertNoCanary, canary, runCli, tempDir, type CliResult } from "./helpers.js";

const endpoint = (): string => requireEnv("ENVSYNC_TEST_MOTO_ENDPOINT", "moto");
const uid = (): string => randomUUID().slice(0, 8);
const q = (): string => `?region=us-east-1&endpoint=${encodeURIComponent(endpoint())}`;
const canaries: string[] = [];

function mkCanary(label: string): string {
  const c = canary(label);
  canaries.push(c);
  return c;
}

async function cli(
  cwd: string,
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<CliResult> {
  const r = await runCli(args, { cwd, env });
  assertNoCanary(canaries, {
    [`stdout of envsync ${args.join(" ")}`]: r.stdout,
    [`stderr of envsync ${args.join(" ")}`]: r.stderr,
  });
  return r;
}

const parseEnv = (text: string): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^(?:export )?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m) out[m[1]!] = m[2]!.replace(/^"(.*)"$/, "$1");
  }
  return out;
};
/** What the remote holds, read in-process through the same store code. */
async function remoteValues(uri: string): Promise<Record<string, string>> {
  const s = await openStore(uri, {
    cwd: process.cwd(),
    env: process.env,
    logger: silentLogger,
    concurrency: 8,
  });
  const snap = await s.read();
  await s.close?.();
  return Object.fromEntries([...snap.values].sort());
}

const layouts: [string, () => string][] = [
  ["aws-sm bundle", () => `aws-sm://envsync-e2e/bundle-${uid()}${q()}`],
  ["aws-sm per-key", () => `aws-sm://envsync-e2e/pk-${uid()}/*${q()}`],
  ["aws-ssm", () => `aws-ssm://envsync-e2e/ssm-${uid()}/*${q()}`],
];

// The two-working-copies story (test/scenario/two-copies.ts), one line per layout.
for (const [name, makeUri] of layouts) runTwoCopiesScenario(`${name} (moto)`, makeUri);

describe("seed flags on AWS (moto)", () => {
  it("--cloud aws --secret-name --region builds the bundle remote; push then pull round-trips", async () => {
    const dir = tempDir();
    const name = `envsync-e2e/seed-${uid()}`;
    const s = mkCanary("SEED");
    writeFileSync(join(dir, ".env"), `TOKEN=${s}\n`);
    // The seed flags carry no endpoint: the SDK's own AWS_ENDPOINT_URL_SECRETS_MANAGER
    // variable points it at moto, as it would at a VPC endpoint.
    const env = { AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint() };
    const args = ["--cloud", "aws", "--secret-name", name, "--region", "us-east-1"];
    const pushed = await cli(dir, [...args, "--direction", "local-to-cloud"], env);
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(await remoteValues(`aws-sm://${name}${q()}`)).toEqual({ TOKEN: s });
    const pulled = await cli(
      dir,
      [...args, "--direction", "cloud-to-local", "--env-path", "pulled.env"],
      env,
    );
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(parseEnv(readFileSync(join(dir, "pulled.env"), "utf8"))).toEqual({ TOKEN: s });
  });
});

describe("profile= on AWS (moto)", () => {
  it("takes credentials from the named profile of the shared files", async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, "credentials"),
      "[envsync-e2e]\naws_access_key_id = test\naws_secret_access_key = test\n",
    );
    writeFileSync(join(dir, "config"), "[profile envsync-e2e]\nregion = us-east-1\n");
    writeFileSync(join(dir, ".env"), "P=1\n");
    const env = {
      AWS_ACCESS_KEY_ID: undefined,
      AWS_SECRET_ACCESS_KEY: undefined,
      AWS_REGION: undefined,
      AWS_PROFILE: undefined,
      AWS_SHARED_CREDENTIALS_FILE: join(dir, "credentials"),
      AWS_CONFIG_FILE: join(dir, "config"),
      AWS_EC2_METADATA_DISABLED: "true",
    };
    const name = `envsync-e2e/profile-${uid()}`;
    const remote = `aws-sm://${name}?profile=envsync-e2e&endpoint=${encodeURIComponent(endpoint())}`;
    const r = await cli(dir, ["push", "-r", remote], env);
    expect(r.code, r.stderr).toBe(0);
    expect(await remoteValues(`aws-sm://${name}${q()}`)).toEqual({ P: "1" });
    // Without the profile, the same environment has no credentials.
    const none = await cli(
      dir,
      ["push", "-r", remote.replace("profile=envsync-e2e&", "region=us-east-1&")],
      env,
    );
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/credentials/i);
  });
});

describe("AWS errors users meet, on the built binary", () => {
  const noStack = (r: CliResult): void => expect(r.stderr).not.toMatch(/\n\s+at /);

  it("no credentials → exit 1 saying how to configure them, no stack trace", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, ".env"), "A=1\n");
    const r = await cli(dir, ["pull", "-r", `aws-sm://envsync-e2e/nocreds-${uid()}${q()}`], {
      AWS_ACCESS_KEY_ID: undefined,
      AWS_SECRET_ACCESS_KEY: undefined,
      AWS_SESSION_TOKEN: undefined,
      AWS_PROFILE: undefined,
      AWS_SHARED_CREDENTIALS_FILE: join(dir, "missing-credentials"),
      AWS_CONFIG_FILE: join(dir, "missing-config"),
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_CONTAINER_CREDENTIALS_FULL_URI: undefined,
      AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: undefined,
      AWS_WEB_IDENTITY_TOKEN_FILE: undefined,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/credentials/i);
    expect(r.stderr).toMatch(/AWS_PROFILE|aws configure/);
    noStack(r);
  });

  it("an unreachable endpoint → exit 1 naming region/endpoint", async () => {
    const dir = tempDir();
    const r = await cli(dir, [
      "pull",
      "-r",
      `aws-sm://envsync-e2e/x?region=us-east-1&endpoint=${encodeURIComponent("http://127.0.0.1:9")}`,
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/endpoint|region/);
    noStack(r);
  });

  it("a secret not found on pull is not a crash; a bundle that is not JSON → exit 2", async () => {
    const dir = tempDir();
    const missing = await cli(dir, ["pull", "-r", `aws-sm://envsync-e2e/missing-${uid()}${q()}`]);
    expect([0, 1]).toContain(missing.code);
    noStack(missing);
    const name = `envsync-e2e/notjson-${uid()}`;
    const { SecretsManagerClient, CreateSecretCommand } =
      await import("@aws-sdk/client-secrets-manager");
    const raw = new SecretsManagerClient({ endpoint: endpoint(), region: "us-east-1" });
    const hidden = mkCanary("NOTJSON");
    await raw.send(new CreateSecretCommand({ Name: name, SecretString: `not json ${hidden}` }));
    raw.destroy();
    const r = await cli(dir, ["pull", "-r", `aws-sm://${name}${q()}`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/JSON/);
    noStack(r);
  });

  it("a bundle over 64 KB → exit 2 suggesting per-key, nothing written", async () => {
    const dir = tempDir();
    const uri = `aws-sm://envsync-e2e/big-${uid()}${q()}`;
    writeFileSync(join(dir, ".env"), `BIG=${"x".repeat(70_000)}\n`);
    const r = await cli(dir, ["push", "-r", uri]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\/\*/);
    expect(await remoteValues(uri)).toEqual({});
  });

  it("SSM: an empty value → exit 2 before any write", async () => {
    const dir = tempDir();
    const uri = `aws-ssm://envsync-e2e/empty-${uid()}/*${q()}`;
    writeFileSync(join(dir, ".env"), "FULL=1\nEMPTY=\n");
    const r = await cli(dir, ["push", "-r", uri]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("EMPTY");
    expect(await remoteValues(uri)).toEqual({});
  });
});
