/**
 * End to end on the built binary against the Key Vault emulator of the harness, for
 * the bundle (`azure-kv://URL/SECRET`) and per-key (`azure-kv://URL/PREFIX*`)
 * layouts: two working copies share one remote and go through push, pull, sync with
 * a change on each side, deletion (soft delete) and re-adding the deleted key
 * (recover), prune and purge, conflicts and a concurrent writer (exit 5); keys whose
 * names all need mapping; the seed flags; the errors users meet. Credentials come
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
import {
  assertNoCanary,
  canary,
  filesUnder,
  runCli,
  tempDir,
  type CliResult,
  startPaused,
} from "./helpers.js";

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

describe.each(layouts)(
  "envsync on %s (Key Vault emulator), two working copies",
  (_name, makeUri) => {
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

      // Re-adding the deleted key (per-key: the vault holds the soft-deleted name).
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
    });

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
    });

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
    });
  },
);

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
