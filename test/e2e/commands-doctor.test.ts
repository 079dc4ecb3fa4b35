/**
 * `envsync doctor` on the built binary: a healthy working copy (exit 0, ✓ lines),
 * and one problem at a time — a malformed .env (file:line), a .gitignore missing
 * entries, an unreadable remote, an invalid envsync.yaml, no remote at all — each
 * exit 1 with advice; --json gives the findings; values never printed.
 */
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { assertNoCanary, canary, runCli, tempDir, type CliResult } from "./helpers.js";

let dir: string;
let secret: string;

beforeEach(async () => {
  dir = tempDir("envsync-doctor-");
  secret = canary("DOC");
  writeFileSync(join(dir, "remote.env"), `A=${secret}\nB=2\n`);
  writeFileSync(join(dir, ".env"), `A=${secret}\n`, { mode: 0o600 });
  chmodSync(join(dir, ".env"), 0o600);
  expect((await runCli(["init", "--remote", "file:remote.env"], { cwd: dir })).code).toBe(0);
});

async function doctor(args: string[] = []): Promise<CliResult> {
  // A home without cloud credentials, so the machine's own files do not matter, and
  // none of the credential variables the emulator harness exports for other tests.
  const noCloudEnv = Object.fromEntries(
    Object.keys(process.env)
      .filter((k) => /^(AWS_|GOOGLE_|AZURE_|IDENTITY_|IMDS_|MSI_|CLOUDSDK_)/.test(k))
      .map((k) => [k, undefined]),
  );
  const r = await runCli(["doctor", ...args], { cwd: dir, env: { ...noCloudEnv, HOME: dir } });
  assertNoCanary([secret], { stdout: r.stdout, stderr: r.stderr });
  return r;
}

const line = (out: string, check: string): string =>
  out.split("\n").find((l) => new RegExp(`^. ${check} `).test(l)) ?? "";

describe("envsync doctor", () => {
  it("a healthy working copy: every check ✓, exit 0", async () => {
    const r = await doctor();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    for (const check of [
      "config",
      "remote",
      "credentials",
      "reachable",
      "write",
      "local-file",
      "gitignore",
    ])
      expect(line(r.stdout, check), `${check} in\n${r.stdout}`).toMatch(/^✓/);
    expect(line(r.stdout, "reachable")).toContain("read 2 key(s)");
    expect(line(r.stdout, "write")).toContain("writable");
    expect(r.stdout).toContain("no problems found");
  });

  it("a malformed .env: ✗ naming file:line, exit 1", async () => {
    writeFileSync(join(dir, ".env"), `A=${secret}\nB="unterminated\n`);
    const r = await doctor();
    expect(r.code).toBe(1);
    expect(line(r.stdout, "local-file")).toMatch(/^✗ .*\.env:2/);
  });

  it(".gitignore without .env and .envsync/: ✗ with advice, exit 1", async () => {
    writeFileSync(join(dir, ".gitignore"), "node_modules/\n");
    const r = await doctor();
    expect(r.code).toBe(1);
    expect(line(r.stdout, "gitignore")).toMatch(/^✗ .*\.env and \.envsync\//);
    expect(r.stdout).toContain("envsync init");
  });

  it("an unreadable remote: reachable ✗ with the store's message, exit 1", async () => {
    mkdirSync(join(dir, "dir.env"));
    const r = await doctor(["--remote", "file:dir.env"]);
    expect(r.code).toBe(1);
    expect(line(r.stdout, "reachable")).toMatch(/^✗ reachable +cannot read file:dir\.env/);
  });

  it("a world-readable .env is a warning, not a failure", async () => {
    chmodSync(join(dir, ".env"), 0o644);
    const r = await doctor();
    expect(r.code).toBe(0);
    expect(line(r.stdout, "local-file")).toMatch(/^! .*mode 0644/);
    expect(r.stdout).toContain("chmod 600 .env");
  });

  it("an invalid envsync.yaml: config ✗ naming the key, exit 1", async () => {
    writeFileSync(
      join(dir, "envsync.yaml"),
      "environments:\n  dev:\n    remote: file:remote.env\n    colour: red\n",
    );
    const r = await doctor();
    expect(r.code).toBe(1);
    expect(line(r.stdout, "config")).toMatch(/^✗ .*colour/);
  });

  it("no config and no --remote: remote ✗ with how to start, exit 1", async () => {
    const empty = tempDir("envsync-doctor-empty-");
    const r = await runCli(["doctor"], { cwd: empty, env: { HOME: empty } });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/✗ remote +No remote/);
    expect(r.stdout).toContain("envsync init");
  });

  it("a cloud remote without local credentials: a warning with advice; --offline skips the read", async () => {
    const r = await doctor(["--remote", "aws-sm://myapp/dev?region=eu-west-1", "--offline"]);
    expect(r.code, r.stdout).toBe(0);
    expect(line(r.stdout, "credentials")).toMatch(
      /^! credentials +no AWS credentials found locally/,
    );
    expect(line(r.stdout, "reachable")).toMatch(/^i reachable +not checked \(--offline\)/);
  });

  it("--json: one object with every finding", async () => {
    writeFileSync(join(dir, ".gitignore"), "");
    const r = await doctor(["--json"]);
    expect(r.code).toBe(1);
    const obj = JSON.parse(r.stdout) as {
      ok: boolean;
      command: string;
      findings: { check: string; status: string; message: string; advice?: string }[];
    };
    expect(obj.ok).toBe(false);
    expect(obj.command).toBe("doctor");
    expect(obj.findings.map((f) => f.check)).toEqual([
      "config",
      "remote",
      "settings",
      "credentials",
      "reachable",
      "write",
      "local-file",
      "gitignore",
    ]);
    // Where each setting came from (flag > environment > envsync.yaml > default).
    expect(obj.findings.find((f) => f.check === "settings")?.message).toContain(
      "retries 3 (default)",
    );
    expect(obj.findings.find((f) => f.check === "gitignore")).toMatchObject({ status: "fail" });
  });
});
