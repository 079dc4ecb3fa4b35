/**
 * End to end on the built binary against the Google Secret Manager emulator started
 * by the harness: the shared two-working-copies story (test/scenario/two-copies.ts)
 * on the bundle and per-key layouts, then what only Google has: one secret per key,
 * seed flags, store rules and errors. Canary values must never reach stdout or
 * stderr. The emulator has no reset: every test uses a fresh project id.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { SecretManagerServiceClient } from "@google-cloud/secret-manager";
import { afterAll, describe, expect, it } from "vitest";
import { runTwoCopiesScenario } from "../scenario/two-copies.js";
import { assertNoCanary, canary, runCli, tempDir, type CliResult } from "./helpers.js";
import { gsmAdmin, gsmEndpoint } from "../support/gsm-admin.js";

const endpoint = gsmEndpoint;
const freshProject = (): string => `envsync-e2e-${randomBytes(5).toString("hex")}`;
const canaries: string[] = [];

function mkCanary(label: string): string {
  const c = canary(label);
  canaries.push(c);
  return c;
}

const gsm = gsmAdmin();
const admin = (): SecretManagerServiceClient => gsm.client();
afterAll(() => gsm.close());

const parseEnv = (text: string): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^(?:export )?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m) out[m[1]!] = m[2]!.replace(/^"(.*)"$/, "$1");
  }
  return out;
};

async function cli(
  cwd: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<CliResult> {
  const r = await runCli(args, { cwd, env });
  assertNoCanary(canaries, {
    [`stdout of envsync ${args.join(" ")}`]: r.stdout,
    [`stderr of envsync ${args.join(" ")}`]: r.stderr,
  });
  return r;
}

/** Two working copies initialised on the same remote. */
async function twoCopies(remote: string): Promise<{ A: string; B: string }> {
  const root = tempDir("envsync-e2e-gcp-");
  const A = join(root, "a");
  const B = join(root, "b");
  mkdirSync(A);
  mkdirSync(B);
  for (const dir of [A, B]) {
    const r = await cli(dir, ["init", "--remote", remote]);
    expect(r.code, r.stderr).toBe(0);
  }
  return { A, B };
}

const env = (dir: string): Record<string, string> =>
  parseEnv(readFileSync(join(dir, ".env"), "utf8"));

/** What the remote holds, read with a raw client (bundle). */
async function bundleOf(project: string, secret: string): Promise<Record<string, string>> {
  const [v] = await admin().accessSecretVersion({
    name: `projects/${project}/secrets/${secret}/versions/latest`,
  });
  return JSON.parse(v.payload!.data!.toString()) as Record<string, string>;
}

/** Secret ids in a project (per-key). */
async function secretIds(project: string): Promise<string[]> {
  const [secrets] = await admin().listSecrets({ parent: `projects/${project}` });
  return secrets.map((s) => s.name!.split("/").pop()!).sort();
}

const layouts = [
  { layout: "bundle", target: (p: string) => `${p}/app_env` },
  { layout: "per-key", target: (p: string) => `${p}/app_*` },
] as const;

// The two-working-copies story (test/scenario/two-copies.ts), one line per layout; a
// fresh project per remote (the emulator has no reset).
for (const { layout, target } of layouts) {
  runTwoCopiesScenario(
    `gcp-sm ${layout}`,
    () => `gcp-sm://${target(freshProject())}?endpoint=http://${endpoint()}`,
  );
}

describe("envsync on gcp-sm: seed flags, store rules and errors", () => {
  it("--cloud gcp --project-id P --secret-name S is gcp-sm://P/S (endpoint from ENVSYNC_GCP_SM_ENDPOINT)", async () => {
    const project = freshProject();
    const dir = tempDir("envsync-e2e-gcp-seed-");
    const c = mkCanary("SEED");
    writeFileSync(join(dir, ".env"), `TOKEN=${c}\n`);
    const e = { ENVSYNC_GCP_SM_ENDPOINT: `http://${endpoint()}` };
    const seed = ["--cloud", "gcp", "--project-id", project, "--secret-name", "seeded"];
    const r = await cli(dir, ["sync", "--direction", "local-to-cloud", ...seed], e);
    expect(r.code, r.stderr).toBe(0);
    expect(await bundleOf(project, "seeded")).toEqual({ TOKEN: c });
    expect((await cli(dir, ["check", ...seed], e)).code).toBe(0);
  });

  it("-v says when a disabled latest version was skipped; values stay hidden even verbose", async () => {
    const project = freshProject();
    const remote = `gcp-sm://${project}/app?endpoint=http://${endpoint()}`;
    const { A, B } = await twoCopies(remote);
    const [old, bad] = [mkCanary("OLD"), mkCanary("BAD")];
    writeFileSync(join(A, ".env"), `K=${old}\n`);
    expect((await cli(A, ["push", "-v"])).code).toBe(0);
    writeFileSync(join(A, ".env"), `K=${bad}\n`);
    expect((await cli(A, ["push", "-v"])).code).toBe(0);
    // Someone rolls back in the console by disabling version 2.
    await admin().disableSecretVersion({ name: `projects/${project}/secrets/app/versions/2` });
    const pull = await cli(B, ["pull", "-v"]);
    expect(pull.code, pull.stderr).toBe(0);
    expect(pull.stderr).toContain("the latest version 2 is disabled; read version 1");
    expect(env(B).K).toBe(old);
  });

  it("per-key: a key the store cannot name or an empty value exits 2 and writes nothing", async () => {
    const project = freshProject();
    const dir = tempDir("envsync-e2e-gcp-rules-");
    const remote = `gcp-sm://${project}/p_*?endpoint=http://${endpoint()}`;
    writeFileSync(join(dir, ".env"), `GOOD=1\nEMPTY=\n`);
    const empty = await cli(dir, ["push", "-r", remote]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain("EMPTY");
    writeFileSync(join(dir, ".env"), `GOOD=1\n${"L".repeat(300)}=x\n`);
    const long = await cli(dir, ["push", "-r", remote]);
    expect(long.code).toBe(2);
    expect(await secretIds(project)).toEqual([]);
  });

  it("per-key: a secret under the prefix without managed-by=envsync is never touched (exit 2)", async () => {
    const project = freshProject();
    await admin().createSecret({
      parent: `projects/${project}`,
      secretId: "p_TAKEN",
      secret: { replication: { automatic: {} } },
    });
    const theirs = mkCanary("THEIRS");
    await admin().addSecretVersion({
      parent: `projects/${project}/secrets/p_TAKEN`,
      payload: { data: Buffer.from(theirs) },
    });
    const dir = tempDir("envsync-e2e-gcp-foreign-");
    writeFileSync(join(dir, ".env"), `TAKEN=${mkCanary("MINE")}\n`);
    const r = await cli(dir, [
      "push",
      "-r",
      `gcp-sm://${project}/p_*?endpoint=http://${endpoint()}`,
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("managed-by=envsync");
    const [v] = await admin().accessSecretVersion({
      name: `projects/${project}/secrets/p_TAKEN/versions/latest`,
    });
    expect(v.payload!.data!.toString()).toBe(theirs);
  });

  it("without Google credentials, the real endpoint fails with exit 1 and the ADC hint, no stack trace", async () => {
    const home = tempDir("envsync-e2e-gcp-home-");
    const dir = tempDir("envsync-e2e-gcp-noadc-");
    writeFileSync(join(dir, ".env"), "A=1\n");
    // No ADC anywhere: empty HOME (no gcloud folder), no key file variable, no metadata server.
    const r = await cli(dir, ["pull", "-r", "gcp-sm://some-project/app"], {
      HOME: home,
      GOOGLE_APPLICATION_CREDENTIALS: "",
      CLOUDSDK_CONFIG: join(home, "gcloud"),
      METADATA_SERVER_DETECTION: "none",
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("gcloud auth application-default login");
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
