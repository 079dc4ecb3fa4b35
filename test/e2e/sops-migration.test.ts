/**
 * The migration transcript of docs/providers/sops.md and dotenvx.md, run for real: a
 * dotenvx-encrypted `.env.production` is copied to AWS Secrets Manager (moto), then
 * from AWS into a new SOPS file that `sops -d` decrypts to the same values. The
 * commands and their output are printed (the docs quote them).
 */
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateIdentity, identityToRecipient } from "age-encryption";
import { describe, expect, it } from "vitest";
import { requireEnv } from "../harness/require-env.js";
import { sopsTools } from "../harness/tools/sops.js";
import { runCli, tempDir } from "./helpers.js";

describe("migration: dotenvx file → AWS Secrets Manager → SOPS file", () => {
  it("moves every value exactly, and each tool reads its own file", async () => {
    const { sops } = await sopsTools();
    const endpoint = requireEnv("ENVSYNC_TEST_MOTO_ENDPOINT", "moto");
    const dir = tempDir("envsync-migrate-");
    const identity = await generateIdentity();
    const recipient = await identityToRecipient(identity);
    writeFileSync(join(dir, "keys.txt"), `${identity}\n`);
    writeFileSync(
      join(dir, ".sops.yaml"),
      `creation_rules:\n  - path_regex: \\.enc\\.env$\n    age: ${recipient}\n`,
    );
    const env = { HOME: dir, SOPS_AGE_KEY_FILE: join(dir, "keys.txt") };
    const values = {
      DATABASE_URL: "postgres://u:p@db:5432/app",
      API_KEY: "sk_live_123",
      GREETING: 'it\'s "quoted" $HOME',
    };
    const transcript: string[] = [];
    const step = async (args: string[]): Promise<string> => {
      const r = await runCli(args, { cwd: dir, env });
      transcript.push(
        `$ envsync ${args.join(" ").replace(endpoint, "$MOTO")}`,
        (r.stdout + r.stderr).trimEnd().replaceAll(endpoint, "$MOTO"),
      );
      expect(r.code, r.stderr).toBe(0);
      return r.stdout;
    };

    // A dotenvx project: .env.production encrypted, .env.keys beside it.
    writeFileSync(join(dir, "seed.json"), JSON.stringify(values));
    expect(
      (await runCli(["copy", "file:seed.json", "dotenvx:.env.production"], { cwd: dir, env })).code,
    ).toBe(0);
    const aws = `aws-sm://myapp/prod?region=us-east-1&endpoint=${endpoint}`;
    await step(["copy", "dotenvx:.env.production", aws]);
    await step(["copy", aws, "sops:secrets.enc.env"]);
    const out = await step(["export", "--format", "json", "-r", "sops:secrets.enc.env"]);
    expect(JSON.parse(out)).toEqual(values);

    const d = spawnSync(
      sops,
      ["--disable-version-check", "-d", "--output-type", "json", "secrets.enc.env"],
      {
        cwd: dir,
        env: { ...process.env, ...env },
        encoding: "utf8",
      },
    );
    transcript.push("$ sops -d --output-type json secrets.enc.env", d.stdout.trimEnd());
    expect(d.status, d.stderr).toBe(0);
    expect(JSON.parse(d.stdout)).toEqual(values);
    transcript.push(
      "$ head -c 120 secrets.enc.env",
      readFileSync(join(dir, "secrets.enc.env"), "utf8").slice(0, 120),
    );
    console.log(transcript.join("\n"));
  });
});
