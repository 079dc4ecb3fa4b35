/**
 * End to end on the built binary against moto, for the three AWS layouts: two
 * working copies share one remote and go through push, pull, sync with a change on
 * each side, deletion (and re-adding a deleted key), prune, conflicts and a
 * concurrent writer (exit 5). Canary values must never reach stdout or stderr.
 */
import { randomUUID } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { silentLogger } from "../../src/logger.js";
import { openStore } from "../../src/providers/registry.js";
import { requireEnv } from "../harness/require-env.js";
import {
  assertNoCanary,
  canary,
  filesUnder,
  runCli,
  tempDir,
  type CliResult,
  startPaused,
} from "./helpers.js";

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
const envOf = (dir: string): Record<string, string> =>
  parseEnv(readFileSync(join(dir, ".env"), "utf8"));

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

/** Two working copies (A, B) initialised on one remote. */
async function twoCopies(uri: string): Promise<{ A: string; B: string }> {
  const root = tempDir("envsync-e2e-aws-");
  const A = join(root, "a");
  const B = join(root, "b");
  mkdirSync(A);
  mkdirSync(B);
  for (const dir of [A, B]) {
    const r = await cli(dir, ["init", "--remote", uri]);
    expect(r.code, r.stderr).toBe(0);
  }
  return { A, B };
}

const layouts: [string, () => string][] = [
  ["aws-sm bundle", () => `aws-sm://envsync-e2e/bundle-${uid()}${q()}`],
  ["aws-sm per-key", () => `aws-sm://envsync-e2e/pk-${uid()}/*${q()}`],
  ["aws-ssm", () => `aws-ssm://envsync-e2e/ssm-${uid()}/*${q()}`],
];

describe.each(layouts)("envsync on %s (moto), two working copies", (_name, makeUri) => {
  it("push, pull, sync both ways, delete, re-add and prune; values never printed", async () => {
    const uri = makeUri();
    const { A, B } = await twoCopies(uri);
    const s1 = mkCanary("S1");
    const s2 = mkCanary("S2");
    const s3 = mkCanary("S3");
    writeFileSync(
      join(A, ".env"),
      `# settings\nexport API_KEY=${s1}\nDB_URL="postgres://u:${s2}@h/db"\nOLD=${s3}\n`,
    );
    let r = await cli(A, ["push"]);
    expect(r.code, r.stderr).toBe(0);
    expect(await remoteValues(uri)).toEqual({
      API_KEY: s1,
      DB_URL: `postgres://u:${s2}@h/db`,
      OLD: s3,
    });

    r = await cli(B, ["pull"]);
    expect(r.code, r.stderr).toBe(0);
    expect(envOf(B)).toEqual({ API_KEY: s1, DB_URL: `postgres://u:${s2}@h/db`, OLD: s3 });
    expect((await cli(A, ["sync"])).code).toBe(0); // records the base on A

    // A changes API_KEY, B adds NEW: each side's change reaches the other.
    const s4 = mkCanary("S4");
    const s5 = mkCanary("S5");
    writeFileSync(join(A, ".env"), readFileSync(join(A, ".env"), "utf8").replace(s1, s4));
    writeFileSync(join(B, ".env"), readFileSync(join(B, ".env"), "utf8") + `NEW=${s5}\n`);
    expect((await cli(A, ["sync"])).code).toBe(0);
    expect((await cli(B, ["sync"])).code).toBe(0);
    expect((await cli(A, ["sync"])).code).toBe(0);
    expect(envOf(A)).toEqual(envOf(B));
    expect(envOf(A).API_KEY).toBe(s4);
    expect(envOf(A).NEW).toBe(s5);
    expect(readFileSync(join(A, ".env"), "utf8").startsWith("# settings\nexport API_KEY=")).toBe(
      true,
    );
    expect((await cli(B, ["check"])).code).toBe(0);

    // A deletes OLD: without --yes nothing is written (exit 2); with it the remote loses OLD.
    writeFileSync(
      join(A, ".env"),
      readFileSync(join(A, ".env"), "utf8").replace(`OLD=${s3}\n`, ""),
    );
    const refused = await cli(A, ["sync"]);
    expect(refused.code).toBe(2);
    expect((await remoteValues(uri)).OLD).toBe(s3);
    r = await cli(A, ["sync", "--yes"]);
    expect(r.code, r.stderr).toBe(0);
    expect((await remoteValues(uri)).OLD).toBeUndefined();
    expect((await cli(B, ["sync"])).code).toBe(0);
    expect(envOf(B).OLD).toBeUndefined();

    // Re-adding the deleted key (Secrets Manager: the name is scheduled for deletion).
    const s6 = mkCanary("S6");
    writeFileSync(join(B, ".env"), readFileSync(join(B, ".env"), "utf8") + `OLD=${s6}\n`);
    r = await cli(B, ["sync"]);
    expect(r.code, r.stderr).toBe(0);
    expect((await remoteValues(uri)).OLD).toBe(s6);

    // Prune: push --prune --yes drops keys missing locally; pull --prune drops them locally.
    writeFileSync(join(A, ".env"), `API_KEY=${s4}\n`);
    r = await cli(A, ["push", "--prune", "--yes"]);
    expect(r.code, r.stderr).toBe(0);
    expect(await remoteValues(uri)).toEqual({ API_KEY: s4 });
    r = await cli(B, ["pull", "--prune"]);
    expect(r.code, r.stderr).toBe(0);
    expect(envOf(B)).toEqual({ API_KEY: s4 });

    // The local state holds no values.
    for (const f of filesUnder(join(B, ".envsync"))) {
      if (!f.includes("backups")) assertNoCanary(canaries, { [f]: readFileSync(f, "utf8") });
    }
  }, 180_000);

  it("conflict: --on-conflict fail exits 4 writing nothing; local then resolves it", async () => {
    const uri = makeUri();
    const { A, B } = await twoCopies(uri);
    writeFileSync(join(A, ".env"), "K=base\nOTHER=1\n");
    expect((await cli(A, ["sync"])).code).toBe(0);
    expect((await cli(B, ["sync"])).code).toBe(0);
    writeFileSync(join(A, ".env"), "K=from-a\nOTHER=1\n");
    writeFileSync(join(B, ".env"), "K=from-b\nOTHER=2\n");
    expect((await cli(A, ["sync"])).code).toBe(0);
    const fail = await cli(B, ["sync", "--on-conflict", "fail"]);
    expect(fail.code).toBe(4);
    expect(fail.stderr).toContain("K");
    expect(await remoteValues(uri)).toEqual({ K: "from-a", OTHER: "1" });
    expect(envOf(B)).toEqual({ K: "from-b", OTHER: "2" });
    const local = await cli(B, ["sync", "--on-conflict", "local"]);
    expect(local.code, local.stderr).toBe(0);
    expect(await remoteValues(uri)).toEqual({ K: "from-b", OTHER: "2" });
  }, 120_000);

  it("a concurrent writer between read and write → exit 5, nothing written; a re-run merges", async () => {
    const uri = makeUri();
    const { A, B } = await twoCopies(uri);
    writeFileSync(join(A, ".env"), "X=1\nY=1\n");
    expect((await cli(A, ["sync"])).code).toBe(0);
    expect((await cli(B, ["sync"])).code).toBe(0);
    // Both change X (per-key layouts guard each touched key, so the same key must move).
    writeFileSync(join(A, ".env"), "X=from-a\nY=1\n");
    const run = startPaused(["sync"], { cwd: A });
    const { exited } = run;
    await run.ready;
    writeFileSync(join(B, ".env"), "X=from-b\nY=1\n");
    expect((await cli(B, ["sync"])).code).toBe(0);
    run.release();
    expect(await exited).toBe(5);
    expect(run.stderr).toMatch(/changed/);
    expect(await remoteValues(uri)).toEqual({ X: "from-b", Y: "1" });
    expect(envOf(A)).toEqual({ X: "from-a", Y: "1" });
    // Re-run: both changed X → conflict, the default (remote wins) brings B's value.
    const again = await cli(A, ["sync"]);
    expect(again.code, again.stderr).toBe(0);
    expect(envOf(A)).toEqual({ X: "from-b", Y: "1" });
  }, 120_000);
});

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
