/**
 * Redaction everywhere, on the built CLI: remote content never appears in a message
 * (`-v` and `--json` included; a bundle's JSON error says line and column only), and
 * credentials in any part of a remote URI (`user:pass@` in `endpoint=`, tokens in the
 * query) never appear in output, logs, errors, `doctor`, `--json` or `.envsync/`.
 * The secrets are canaries: the CanaryGuard fails the run wherever one shows up.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { CanaryGuard, tempDir } from "../e2e/helpers.js";
import { aws, motoEndpoint } from "./aws-cli.js";

const guard = new CanaryGuard();
let endpoint: string;

beforeAll(() => {
  endpoint = motoEndpoint();
});

/** The moto endpoint with canary credentials in its userinfo and query. */
function credentialedEndpoint(): { url: string; secrets: string[] } {
  const user = guard.make("USER");
  const pass = guard.make("PASS");
  const token = guard.make("TOKEN");
  const u = new URL(endpoint);
  return { url: `http://${user}:${pass}@${u.host}/?token=${token}`, secrets: [user, pass, token] };
}

// Many CLI runs per case and the AWS CLI: slow on a loaded 2-core machine.
describe("remote content never reaches a message", { timeout: 300_000 }, () => {
  it("a bundle that is not JSON: line and column only, with -v and --json (AWS CLI wrote it)", async () => {
    const secret = guard.make("PW");
    const name = `redact/bad-${Date.now().toString(36)}`;
    await aws([
      "secretsmanager",
      "create-secret",
      "--name",
      name,
      "--secret-string",
      `{"PW":${secret}}`,
    ]);
    const dir = tempDir("envsync-redact-");
    const remote = `aws-sm://${name}?region=us-east-1&endpoint=${endpoint}`;
    for (const extra of [["-v"], ["--json"], ["-v", "--json"]]) {
      const r = await guard.run(["pull", "-r", remote, ...extra], { cwd: dir });
      expect(r.code).toBe(2);
      expect(r.stdout + r.stderr).toContain("line 1, column 7");
    }
    const d = await guard.run(["diff", "-r", remote, "-v"], { cwd: dir });
    expect(d.code).toBe(2);
  });

  it("a file: JSON remote that is not JSON: line and column only", async () => {
    const secret = guard.make("FILEPW");
    const dir = tempDir("envsync-redact-");
    writeFileSync(join(dir, "remote.json"), `{\n  "A": "1",\n  "PW": ${secret}\n}\n`);
    const r = await guard.run(["pull", "-r", "file:remote.json", "-v"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("line 3, column 9");
  });
});

describe("credentials in a remote URI are never shown nor stored", { timeout: 300_000 }, () => {
  it("user:pass@ and ?token= in endpoint=: push, pull, diff, check, doctor, --json, -v, state.json", async () => {
    const { url } = credentialedEndpoint();
    const dir = tempDir("envsync-redact-");
    writeFileSync(join(dir, ".env"), "A=1\n");
    const remote = `aws-sm://redact/creds-${Date.now().toString(36)}?region=us-east-1&endpoint=${encodeURIComponent(url)}`;
    const push = await guard.run(["push", "-r", remote, "-v", "--yes"], { cwd: dir });
    expect(push.code, push.stderr).toBe(0);
    expect(push.stderr).toContain("***@");
    for (const args of [
      ["pull", "-r", remote, "-v"],
      ["diff", "-r", remote, "--json"],
      ["check", "-r", remote, "-v"],
      ["sync", "-r", remote, "--json", "-v"],
      ["doctor", "-r", remote],
      ["doctor", "-r", remote, "--json"],
      ["history", "-r", remote, "--json"],
    ]) {
      const r = await guard.run(args, { cwd: dir });
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).not.toBe(130);
    }
    // An error naming the remote (a secret that does not exist).
    const missing = remote.replace("redact/creds-", "redact/missing-");
    const err = await guard.run(["pull", "-r", missing, "-v", "--json"], { cwd: dir });
    expect(err.code).toBe(1);
    expect(err.stdout).toContain("***");
    // A malformed URI echoes the input: redacted too.
    const bad = await guard.run(["pull", "-r", `aws-sm:${url}`], { cwd: dir });
    expect(bad.code).toBe(2);
    guard.checkWorkingCopy(dir);
  });

  it("a token in the remote's own query and user:pass@ in the target are hidden too", async () => {
    const t = guard.make("QTOKEN");
    const p = guard.make("TPASS");
    const dir = tempDir("envsync-redact-");
    writeFileSync(join(dir, ".env"), "A=1\n");
    const r = await guard.run(
      [
        "diff",
        "-r",
        `aws-sm://me:${p}@app/x?region=us-east-1&sessionToken=${t}&endpoint=${endpoint}`,
        "--json",
      ],
      { cwd: dir },
    );
    expect(r.code).not.toBe(0);
    guard.checkWorkingCopy(dir);
  });
});
