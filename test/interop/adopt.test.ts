/**
 * Meeting the secrets other tools made, on the built CLI against moto, with the
 * entries written by the real AWS CLI (awscli from PyPI): every command says what
 * lies under a per-key prefix without envsync's tag, `check`/`diff` do not claim
 * agreement, `envsync adopt` lists (dry run) then tags them, `unmanaged=read` reads
 * them without adopting; keys `.env` cannot hold (nested SSM paths, `1ST`) are
 * skipped with a note naming the remote; the chamber layout maps with `case=upper`.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "../../src/dotenv/index.js";
import { runCli, tempDir, type CliResult } from "../e2e/helpers.js";
import { aws, awsEach, motoEndpoint } from "./aws-cli.js";

const uniq = (): string => Math.random().toString(36).slice(2, 8);
const ssm = (path: string, extra = ""): string =>
  `aws-ssm://${path}/*?region=us-east-1&endpoint=${motoEndpoint()}${extra}`;
const smPerKey = (prefix: string): string =>
  `aws-sm://${prefix}/*?region=us-east-1&endpoint=${motoEndpoint()}`;

async function putParams(path: string, entries: Record<string, string>): Promise<void> {
  // One AWS CLI process for all of them (awsEach): each start costs about a second of CPU.
  await awsEach(
    Object.entries(entries).map(([k, v]) => [
      "ssm",
      "put-parameter",
      "--name",
      `/${path}/${k}`,
      "--type",
      "SecureString",
      "--value",
      v,
    ]),
  );
}

function envOf(dir: string): Record<string, string> {
  return { ...parse(readFileSync(join(dir, ".env"), "utf8")) };
}

function noInternals(r: CliResult): void {
  expect(r.stdout + r.stderr).not.toContain(String(Number.MAX_SAFE_INTEGER));
}

// The AWS CLI and a dozen CLI runs per case: slow on a loaded 2-core machine.
describe(
  "parameters made by other tools (AWS CLI) under an SSM prefix",
  { timeout: 300_000 },
  () => {
    it("every command says so; check and diff do not claim agreement; adopt takes them over", async () => {
      const app = `myapp-${uniq()}`;
      const made = Object.fromEntries(
        Array.from({ length: 14 }, (_, i) => [`KEY_${String(i).padStart(2, "0")}`, `value-${i}`]),
      );
      await putParams(app, made);
      const dir = tempDir("envsync-adopt-");
      const remote = ssm(app);
      const says = `14 parameters under /${app}/ were made by other tools`;

      const pull = await runCli(["pull", "-r", remote], { cwd: dir });
      expect(pull.stderr).toContain(says);
      expect(pull.stderr).toContain("envsync adopt");

      const diff = await runCli(["diff", "-r", remote], { cwd: dir });
      expect(diff.stdout).not.toMatch(/^in agreement/m);
      expect(diff.stdout + diff.stderr).toContain(says);
      const diffJson = await runCli(["diff", "-r", remote, "--json"], { cwd: dir });
      const dj = JSON.parse(diffJson.stdout) as {
        inAgreement: boolean;
        notices: { code: string; names: string[] }[];
      };
      expect(dj.inAgreement).toBe(false);
      expect(dj.notices[0]?.code).toBe("UNMANAGED");
      expect(dj.notices[0]?.names).toHaveLength(14);

      const check = await runCli(["check", "-r", remote], { cwd: dir });
      expect(check.code).toBe(3);
      expect(check.stderr).toContain(says);
      const checkJson = await runCli(["check", "-r", remote, "--json"], { cwd: dir });
      expect(checkJson.code).toBe(3);
      expect(JSON.parse(checkJson.stdout)).toMatchObject({ inAgreement: false });

      // Dry run: lists, changes nothing.
      const dry = await runCli(["adopt", "-r", remote], { cwd: dir });
      expect(dry.code, dry.stderr).toBe(0);
      expect(dry.stdout).toContain("dry run");
      for (const k of Object.keys(made)) expect(dry.stdout).toContain(`/${app}/${k}`);
      expect((await runCli(["check", "-r", remote], { cwd: dir })).code).toBe(3);

      const yes = await runCli(["adopt", "-r", remote, "--yes"], { cwd: dir });
      expect(yes.code, yes.stderr).toBe(0);
      expect(yes.stdout).toContain("14 parameters tagged");
      const pulled = await runCli(["pull", "-r", remote], { cwd: dir });
      expect(pulled.code, pulled.stderr).toBe(0);
      expect(pulled.stderr).not.toContain("made by other tools");
      expect(envOf(dir)).toEqual(made);
      const ok = await runCli(["check", "-r", remote], { cwd: dir });
      expect(ok.code, ok.stderr).toBe(0);
    });

    it("unmanaged=read reads them without adopting", async () => {
      const app = `ro-${uniq()}`;
      await putParams(app, { A: "1", B: "2" });
      const dir = tempDir("envsync-adopt-");
      const r = await runCli(["pull", "-r", ssm(app, "&unmanaged=read")], { cwd: dir });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain("read without adopting");
      expect(envOf(dir)).toEqual({ A: "1", B: "2" });
      const still = await runCli(["adopt", "-r", ssm(app)], { cwd: dir });
      expect(still.stdout).toContain(`/${app}/A`);
    });

    it("a nested parameter is not adopted (adopt said it would skip it) and does not stop the pull", async () => {
      const app = `myapp2-${uniq()}`;
      await putParams(app, { TOP: "top", "nested/DEEP": "deep" });
      const dir = tempDir("envsync-adopt-");
      expect((await runCli(["adopt", "-r", ssm(app), "--yes"], { cwd: dir })).code).toBe(0);
      const r = await runCli(["pull", "-r", ssm(app)], { cwd: dir });
      noInternals(r);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain("nested/DEEP");
      // adopt listed it "(not a .env key: will be skipped)" and so left it untagged.
      expect(r.stderr).toMatch(/made by other tools and is not synced: .*nested\/DEEP/);
      expect(envOf(dir)).toEqual({ TOP: "top" });
    });
  },
);

describe("a bundle key .env cannot hold", () => {
  it("1ST in a bundle written by the AWS CLI is skipped with a note, not fatal", async () => {
    const name = `bundle-${uniq()}`;
    await aws([
      "secretsmanager",
      "create-secret",
      "--name",
      name,
      "--secret-string",
      JSON.stringify({ "1ST": "first", OK: "fine" }),
    ]);
    const dir = tempDir("envsync-adopt-");
    const r = await runCli(
      ["pull", "-r", `aws-sm://${name}?region=us-east-1&endpoint=${motoEndpoint()}`],
      {
        cwd: dir,
      },
    );
    noInternals(r);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("1ST");
    expect(r.stderr).toContain("on the remote aws-sm://");
    expect(r.stderr).not.toContain("in your .env");
    expect(envOf(dir)).toEqual({ OK: "fine" });
  });
});

describe("secrets made by other tools under a Secrets Manager prefix", () => {
  it("are counted, and adopt takes them over", async () => {
    const prefix = `smapp-${uniq()}`;
    await awsEach(
      [
        ["DB_URL", "postgres://x"],
        ["TOKEN", "t"],
      ].map(([k, v]) => [
        "secretsmanager",
        "create-secret",
        "--name",
        `${prefix}/${k}`,
        "--secret-string",
        v!,
      ]),
    );
    const dir = tempDir("envsync-adopt-");
    const check = await runCli(["check", "-r", smPerKey(prefix)], { cwd: dir });
    expect(check.code).toBe(3);
    expect(check.stderr).toContain(`2 secrets under ${prefix}/ were made by other tools`);
    expect((await runCli(["adopt", "-r", smPerKey(prefix), "--yes"], { cwd: dir })).code).toBe(0);
    const pull = await runCli(["pull", "-r", smPerKey(prefix)], { cwd: dir });
    expect(pull.code, pull.stderr).toBe(0);
    expect(envOf(dir)).toEqual({ DB_URL: "postgres://x", TOKEN: "t" });
  });
});

describe("chamber's layout (/service/key, lower-case; chamber export upper-cases)", () => {
  it("case=upper: envsync pull gives chamber export's .env, and what envsync pushes stays lower-case", async () => {
    const service = `chsvc-${uniq()}`;
    // What `chamber write SERVICE db_password …` stores: lower-case keys under /SERVICE/.
    await putParams(service, { db_password: "pw", api_key: "k" });
    // What `chamber export --format dotenv SERVICE` prints: every key upper-cased.
    const byPath = (await aws([
      "ssm",
      "get-parameters-by-path",
      "--path",
      `/${service}`,
      "--with-decryption",
    ])) as { Parameters: { Name: string; Value: string }[] };
    const chamberExport = Object.fromEntries(
      byPath.Parameters.map((p) => [p.Name.slice(service.length + 2).toUpperCase(), p.Value]),
    );
    const dir = tempDir("envsync-adopt-");
    const remote = ssm(service, "&case=upper");
    expect((await runCli(["adopt", "-r", remote, "--yes"], { cwd: dir })).code).toBe(0);
    const pull = await runCli(["pull", "-r", remote], { cwd: dir });
    expect(pull.code, pull.stderr).toBe(0);
    expect(envOf(dir)).toEqual(chamberExport);

    writeFileSync(join(dir, ".env"), readFileSync(join(dir, ".env"), "utf8") + "NEW_KEY=new\n");
    const push = await runCli(["push", "-r", remote], { cwd: dir });
    expect(push.code, push.stderr).toBe(0);
    const after = (await aws([
      "ssm",
      "get-parameters-by-path",
      "--path",
      `/${service}`,
      "--with-decryption",
    ])) as { Parameters: { Name: string; Value: string }[] };
    expect(after.Parameters.map((p) => p.Name).sort()).toEqual(
      [`/${service}/api_key`, `/${service}/db_password`, `/${service}/new_key`].sort(),
    );
  });
});
