/**
 * End to end on the built binary against the Key Vault emulator of the harness, for
 * the bundle (`azure-kv://URL/SECRET`) and per-key (`azure-kv://URL/PREFIX*`)
 * layouts: the shared two-working-copies story (test/scenario/two-copies.ts) on each,
 * where re-adding a deleted key means recovering a soft-deleted name; then what only
 * Key Vault has: purge, keys whose names all need mapping, the seed flags, the errors
 * users meet. Credentials come
 * from DefaultAzureCredential (the emulator's managed identity endpoint), and the
 * emulator's certificate from NODE_EXTRA_CA_CERTS, both inherited by the CLI.
 * Canary values must never reach stdout or stderr.
 */
import { randomUUID } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { DefaultAzureCredential } from "@azure/identity";
import { SecretClient } from "@azure/keyvault-secrets";
import { describe, expect, it } from "vitest";
import { silentLogger } from "../../src/logger.js";
import { openStore } from "../../src/providers/registry.js";
import { requireEnv } from "../harness/require-env.js";
import { runTwoCopiesScenario } from "../scenario/two-copies.js";
import { assertNoCanary, canary, runCli, tempDir, type CliResult } from "./helpers.js";

const vaultUrl = (): string => requireEnv("ENVSYNC_TEST_LOWKEY_URL", "lowkey");
const uid = (): string => randomUUID().replace(/-/g, "").slice(0, 10);
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

const noStack = (r: CliResult): void => expect(r.stderr).not.toMatch(/\n\s+at /);

/** Keys as dotenv allows them here: letters, digits, `_`, `.`, `-`. */
const parseEnv = (text: string): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^(?:export )?([A-Za-z_][A-Za-z0-9_.-]*)=(.*)$/.exec(line);
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
  return Object.fromEntries([...snap.values].sort());
}

/** A raw SDK client on the emulator, to look at soft-deleted secrets. */
const raw = (): SecretClient =>
  new SecretClient(vaultUrl(), new DefaultAzureCredential(), {
    disableChallengeResourceVerification: true,
    serviceVersion: "7.6",
  });

async function deletedStatus(name: string): Promise<number> {
  try {
    await raw().getDeletedSecret(name);
    return 200;
  } catch (e) {
    return (e as { statusCode?: number }).statusCode ?? 0;
  }
}

/** Two working copies (A, B) initialised on one remote. */
async function twoCopies(uri: string): Promise<{ A: string; B: string }> {
  const root = tempDir("envsync-e2e-azure-");
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
  ["azure-kv bundle", () => `azure-kv://${vaultUrl()}/bundle-${uid()}`],
  ["azure-kv per-key", () => `azure-kv://${vaultUrl()}/e${uid()}-*`],
];

// The two-working-copies story (test/scenario/two-copies.ts), one line per layout.
for (const [name, makeUri] of layouts)
  runTwoCopiesScenario(`${name} (Key Vault emulator)`, makeUri);

describe("azure-kv per-key names on the built binary", () => {
  it("a key set whose names all need mapping round-trips exactly", async () => {
    const prefix = `m${uid()}-`;
    const uri = `azure-kv://${vaultUrl()}/${prefix}*`;
    const { A, B } = await twoCopies(uri);
    const [c1, c2, c3, c4] = ["A_B", "A-B", "A__B", "LOW"].map(mkCanary);
    writeFileSync(join(A, ".env"), `A_B=${c1}\na-b=${c2}\nA__B=${c3}\nlower_case=${c4}\n`);
    let r = await cli(A, ["push"]);
    expect(r.code, r.stderr).toBe(0);
    expect(await remoteValues(uri)).toEqual({ A_B: c1, "a-b": c2, A__B: c3, lower_case: c4 });
    r = await cli(B, ["pull"]);
    expect(r.code, r.stderr).toBe(0);
    expect(envOf(B)).toEqual({ A_B: c1, "a-b": c2, A__B: c3, lower_case: c4 });
    const names: string[] = [];
    for await (const p of raw().listPropertiesOfSecrets()) {
      if (p.name.startsWith(prefix)) names.push(p.name.slice(prefix.length));
    }
    expect(names.sort()).toEqual(["-a-0-b", "-l-o-w-e-r---c-a-s-e", "a----b", "a--b"].sort());
    expect((await cli(A, ["check"])).code).toBe(0);
  });

  it("a unicode key → exit 2 before anything is written", async () => {
    const uri = `azure-kv://${vaultUrl()}/u${uid()}-*`;
    const dir = tempDir();
    const c = mkCanary("U");
    writeFileSync(join(dir, ".env"), `PLAIN=${c}\nCAFÉ=${c}\n`);
    const r = await cli(dir, ["push", "-r", uri]);
    expect(r.code).toBe(2);
    noStack(r);
    expect(await remoteValues(uri)).toEqual({});
  });

  it("--purge deletes for good; without it the name stays soft-deleted", async () => {
    const prefix = `g${uid()}-`;
    const uri = `azure-kv://${vaultUrl()}/${prefix}*`;
    const dir = tempDir();
    writeFileSync(join(dir, ".env"), "SOFT=1\nHARD=2\nKEEP=3\n");
    expect((await cli(dir, ["push", "-r", uri])).code).toBe(0);
    writeFileSync(join(dir, ".env"), "HARD=2\nKEEP=3\n");
    let r = await cli(dir, ["push", "-r", uri, "--prune", "--yes"]);
    expect(r.code, r.stderr).toBe(0);
    writeFileSync(join(dir, ".env"), "KEEP=3\n");
    r = await cli(dir, ["push", "-r", uri, "--prune", "--yes", "--purge"]);
    expect(r.code, r.stderr).toBe(0);
    expect(await remoteValues(uri)).toEqual({ KEEP: "3" });
    expect(await deletedStatus(`${prefix}soft`)).toBe(200);
    expect(await deletedStatus(`${prefix}hard`)).toBe(404);
  });
});

describe("Azure seed flags and errors users meet, on the built binary", () => {
  it("--cloud azure --vault-url U --secret-name S is azure-kv://U/S", async () => {
    const dir = tempDir();
    const name = `seed-${uid()}`;
    const c = mkCanary("SEED");
    writeFileSync(join(dir, ".env"), `TOKEN=${c}\n`);
    const r = await cli(dir, [
      "push",
      "--cloud",
      "azure",
      "--vault-url",
      vaultUrl(),
      "--secret-name",
      name,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(await remoteValues(`azure-kv://${vaultUrl()}/${name}`)).toEqual({ TOKEN: c });
  });

  it("access denied (403) → exit 1 naming the role to grant, no stack trace", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, ".env"), "A=1\n");
    const forbidden = requireEnv("ENVSYNC_TEST_KV_FORBIDDEN_URL", "lowkey");
    for (const uri of [`azure-kv://${forbidden}/bundle`, `azure-kv://${forbidden}/p-*`]) {
      const r = await cli(dir, ["pull", "-r", uri]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/Key Vault Secrets Officer/);
      noStack(r);
    }
  });

  it("no credential in the chain → exit 1 naming az login, managed identity and AZURE_*", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, ".env"), "A=1\n");
    const unset: Record<string, undefined> = {};
    for (const k of Object.keys(process.env)) {
      if (/^(AZURE_|IDENTITY_|MSI_|IMDS_)/.test(k)) unset[k] = undefined;
    }
    const r = await cli(dir, ["pull", "-r", `azure-kv://${vaultUrl()}/nocred-${uid()}`], {
      ...unset,
      PATH: dirname(process.execPath), // no az, azd or pwsh to fall back on
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/az login/);
    expect(r.stderr).toMatch(/managed identity/);
    expect(r.stderr).toMatch(/AZURE_CLIENT_ID/);
    noStack(r);
  });

  it("a vault host that does not resolve → exit 1 with advice, no stack trace", async () => {
    const dir = tempDir();
    const r = await cli(dir, [
      "pull",
      "-r",
      "azure-kv://no-such-vault.invalid/s",
      "--retries",
      "0",
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/vault name|endpoint=/);
    noStack(r);
  });

  it("a bundle over 25,600 bytes → exit 2 suggesting per-key, nothing written", async () => {
    const dir = tempDir();
    const uri = `azure-kv://${vaultUrl()}/big-${uid()}`;
    writeFileSync(join(dir, ".env"), `BIG=${"x".repeat(26_000)}\n`);
    const r = await cli(dir, ["push", "-r", uri]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/PREFIX\*/);
    expect(await remoteValues(uri)).toEqual({});
  });
});

describe("the small Key Vault client in the built CLI", () => {
  it("ENVSYNC_AZURE_SDK=1 (the official SecretClient from its chunk) reads what the small client wrote, and back", async () => {
    const dir = tempDir();
    const uri = `azure-kv://${vaultUrl()}/sdk${uid()}-*`;
    const [a, b] = [mkCanary("a"), mkCanary("b")];
    writeFileSync(join(dir, ".env"), `A=${a}\n`);
    expect((await cli(dir, ["push", "-r", uri])).code).toBe(0);
    const other = tempDir();
    writeFileSync(join(other, ".env"), "");
    const pulled = await cli(other, ["pull", "-r", uri], { ENVSYNC_AZURE_SDK: "1" });
    expect(pulled.code).toBe(0);
    expect(envOf(other)).toEqual({ A: a });
    writeFileSync(join(other, ".env"), `A=${a}\nB=${b}\n`);
    expect((await cli(other, ["push", "-r", uri], { ENVSYNC_AZURE_SDK: "1" })).code).toBe(0);
    expect((await cli(dir, ["pull", "-r", uri])).code).toBe(0);
    expect(envOf(dir)).toEqual({ A: a, B: b });
  });
});
