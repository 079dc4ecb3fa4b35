/**
 * `envsync doctor` on a `dotenvx:` remote, on a file written by the real dotenvx 2
 * CLI (`dotenvx set`, which makes the keypair and `.env.keys`): the private key found
 * and matching the file's public key (OK), `.env.keys` missing, a wrong private key in
 * the environment, `.env.keys` not git-ignored, and doctor run from a sub-folder of
 * the project (the file is found relative to envsync.yaml, as every command finds it).
 * No value or private key is ever printed.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { generateIdentity, identityToRecipient } from "age-encryption";
import { describe, expect, it } from "vitest";
import { newKeypair } from "../../src/providers/dotenvx/keys.js";
import { canary, runCli, tempDir, type CliResult } from "./helpers.js";

const DOTENVX = resolve("node_modules", ".bin", "dotenvx");

interface Finding {
  check: string;
  status: string;
  message: string;
  advice?: string;
}

const git = (cwd: string, ...args: string[]): void => {
  execFileSync("git", ["-c", "user.email=t@example.com", "-c", "user.name=t", ...args], {
    cwd,
    stdio: "ignore",
  });
};

/** A git project whose `.env.production` dotenvx wrote (secret in it), committed; `.env.keys` ignored. */
function project(): { root: string; secret: string; privateKey: string } {
  const root = tempDir("envsync-dotenvx-doctor-");
  const secret = canary("DX");
  git(root, "init", "-q");
  execFileSync(DOTENVX, ["set", "API_KEY", secret, "-f", ".env.production"], {
    cwd: root,
    stdio: "ignore",
  });
  writeFileSync(join(root, ".gitignore"), ".env\n.envsync/\n.env.keys\n");
  writeFileSync(
    join(root, "envsync.yaml"),
    'environments:\n  production:\n    remote: "dotenvx:.env.production"\n',
  );
  git(root, "add", ".gitignore", ".env.production", "envsync.yaml");
  git(root, "commit", "-q", "-m", "init");
  const keys = readFileSync(join(root, ".env.keys"), "utf8");
  const privateKey = /DOTENV_PRIVATE_KEY_PRODUCTION="?([0-9a-f]+)/.exec(keys)?.[1] ?? "";
  expect(privateKey).toMatch(/^[0-9a-f]{64}$/);
  return { root, secret, privateKey };
}

async function doctor(
  cwd: string,
  secrets: string[],
  env: Record<string, string> = {},
): Promise<{ r: CliResult; by: (c: string) => Finding | undefined }> {
  const r = await runCli(["doctor", "--json"], { cwd, env: { HOME: cwd, ...env } });
  for (const s of secrets) expect(r.stdout + r.stderr).not.toContain(s);
  const findings = (JSON.parse(r.stdout) as { findings: Finding[] }).findings;
  return { r, by: (c) => findings.find((f) => f.check === c) };
}

describe("doctor on a dotenvx: remote", () => {
  it("OK: the private key in .env.keys matches the file's public key; the file reads", async () => {
    const { root, secret, privateKey } = project();
    const { r, by } = await doctor(root, [secret, privateKey]);
    expect(by("credentials"), r.stdout).toMatchObject({ status: "ok" });
    expect(by("credentials")?.message).toMatch(
      /DOTENV_PRIVATE_KEY_PRODUCTION from .*\.env\.keys matches DOTENV_PUBLIC_KEY_PRODUCTION in the file/,
    );
    expect(by("credentials")?.advice).toBeUndefined();
    expect(by("reachable")).toMatchObject({ status: "ok" });
    expect(by("reachable")?.message).toMatch(/read 1 key/);
    expect(r.code, r.stdout).toBe(0);
  });

  it("OK from a sub-folder: the file and .env.keys are found relative to envsync.yaml", async () => {
    const { root, secret, privateKey } = project();
    const sub = join(root, "src", "deep");
    mkdirSync(sub, { recursive: true });
    const { r, by } = await doctor(sub, [secret, privateKey]);
    expect(by("credentials"), r.stdout).toMatchObject({ status: "ok" });
    expect(by("credentials")?.message).toMatch(/matches DOTENV_PUBLIC_KEY_PRODUCTION/);
    expect(by("reachable")).toMatchObject({ status: "ok" });
  });

  it("missing .env.keys: says which key is missing and where it was looked for; the read fails (exit 1)", async () => {
    const { root, secret, privateKey } = project();
    renameSync(join(root, ".env.keys"), join(root, "elsewhere.keys"));
    const { r, by } = await doctor(root, [secret, privateKey]);
    expect(by("credentials")).toMatchObject({ status: "warn" });
    expect(by("credentials")?.message).toMatch(
      /no DOTENV_PRIVATE_KEY_PRODUCTION in the environment or in .*\.env\.keys/,
    );
    expect(by("credentials")?.advice).toMatch(/Set DOTENV_PRIVATE_KEY_PRODUCTION/);
    expect(by("reachable")).toMatchObject({ status: "fail" });
    expect(r.code).toBe(1);
  });

  it("a wrong private key in the environment: does not match the file's public key (exit 1)", async () => {
    const { root, secret, privateKey } = project();
    const wrong = newKeypair().privateKey;
    const { r, by } = await doctor(root, [secret, privateKey, wrong], {
      DOTENV_PRIVATE_KEY_PRODUCTION: wrong,
    });
    expect(by("credentials")).toMatchObject({ status: "warn" });
    expect(by("credentials")?.message).toMatch(
      /DOTENV_PRIVATE_KEY_PRODUCTION from \$DOTENV_PRIVATE_KEY_PRODUCTION does not match DOTENV_PUBLIC_KEY_PRODUCTION/,
    );
    expect(by("credentials")?.advice).toMatch(/private key that belongs to/);
    expect(by("reachable")).toMatchObject({ status: "fail" });
    expect(r.code).toBe(1);
  });

  it(".env.keys not git-ignored: the advice says to ignore it", async () => {
    const { root, secret, privateKey } = project();
    writeFileSync(join(root, ".gitignore"), ".env\n.envsync/\n");
    const { by } = await doctor(root, [secret, privateKey]);
    expect(by("credentials")?.advice).toMatch(/\.env\.keys is not git-ignored/);
  });
});

describe("doctor on a sops: remote from a sub-folder", () => {
  it("checks the recipients of the file named relative to envsync.yaml", async () => {
    const root = tempDir("envsync-sops-doctor-");
    const identity = await generateIdentity();
    writeFileSync(join(root, "keys.txt"), `${identity}\n`);
    writeFileSync(
      join(root, ".sops.yaml"),
      `creation_rules:\n  - path_regex: \\.enc\\.\n    age: ${await identityToRecipient(identity)}\n`,
    );
    writeFileSync(
      join(root, "envsync.yaml"),
      'environments:\n  dev:\n    remote: "sops:secrets.enc.env"\n',
    );
    const env = { SOPS_AGE_KEY_FILE: join(root, "keys.txt") };
    writeFileSync(join(root, "seed.json"), JSON.stringify({ A: "1" }));
    const c = await runCli(["copy", "file:seed.json", "sops:secrets.enc.env"], {
      cwd: root,
      env: { HOME: root, ...env },
    });
    expect(c.code, c.stderr).toBe(0);
    const sub = join(root, "app", "src");
    mkdirSync(sub, { recursive: true });
    const { by } = await doctor(sub, [identity], env);
    expect(by("credentials")).toMatchObject({ status: "ok" });
    expect(by("credentials")?.message).toContain("is a recipient");
    expect(by("reachable")).toMatchObject({ status: "ok" });
  });
});
