/**
 * End to end on the built binary against moto (SSM Parameter Store, per-key): `adopt --all`
 * over a workspace lists, per target × environment, what other tools made under each
 * target's prefix (dry run), `--yes` tags it, and `pull --all` then reads it. Canary values
 * must never reach stdout or stderr.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { describe, expect, it } from "vitest";
import { parse } from "../../src/dotenv/index.js";
import { requireEnv } from "../harness/require-env.js";
import { canary, runCli, tempDir, type CliResult } from "./helpers.js";
import type { Row } from "./workspace-fixture.js";

const moto = (): string => requireEnv("ENVSYNC_TEST_MOTO_ENDPOINT", "moto");
const aws = { region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } };

describe("adopt --all on SSM per-key remotes (moto)", () => {
  it("lists each target's foreign parameters, tags them with --yes, and pull --all reads them", async () => {
    const p = `/ws-adopt-${randomBytes(5).toString("hex")}`;
    const root = tempDir("envsync-ws-adopt-");
    const names = ["api", "web"];
    const remote = (t: string, e: string): string =>
      `aws-ssm://${p}/${t}/${e}/*?region=us-east-1&endpoint=${encodeURIComponent(moto())}`;
    writeFileSync(
      join(root, "envsync.yaml"),
      `targets:\n${names
        .map(
          (t) =>
            `  ${t}:\n    dir: apps/${t}\n    environments:\n      dev: { remote: ${JSON.stringify(remote(t, "dev"))} }\n      prod: { remote: ${JSON.stringify(remote(t, "prod"))} }\n`,
        )
        .join("")}`,
    );
    for (const t of names) mkdirSync(join(root, "apps", t), { recursive: true });
    // What another tool (the AWS CLI, Terraform) wrote: no managed-by tag.
    const ssm = new SSMClient({ ...aws, endpoint: moto() });
    const values = new Map<string, string>();
    for (const t of names) {
      const v = canary(`adopt_${t}`);
      values.set(t, v);
      await ssm.send(
        new PutParameterCommand({ Name: `${p}/${t}/dev/TOKEN`, Value: v, Type: "SecureString" }),
      );
    }
    const cli = (args: string[]): Promise<CliResult> => runCli(args, { cwd: root });

    const dry = await cli(["adopt", "--all", "-e", "dev"]);
    expect(dry.code, dry.stderr).toBe(0);
    for (const t of names) {
      expect(dry.stdout).toMatch(
        new RegExp(`^adopt aws-ssm://${p}/${t}/dev/\\*\\S* \\(${t}/dev; dry run\\)$`, "m"),
      );
      expect(dry.stdout).toMatch(new RegExp(`^${t}\\s+dev\\s+1 to adopt \\(dry run\\)\\s+0$`, "m"));
    }
    expect(dry.stdout).toMatch(/^ {2}\/ws-adopt-\w+\/api\/dev\/TOKEN\s+→ TOKEN$/m);

    const json = await cli(["adopt", "--all", "--json"]);
    expect(json.code, json.stderr).toBe(0);
    const rows = JSON.parse(json.stdout) as Row[];
    expect(rows.map((r) => [r.target, r.env, r.exitCode])).toEqual([
      ["api", "dev", 0],
      ["api", "prod", 0],
      ["web", "dev", 0],
      ["web", "prod", 0],
    ]);
    expect(rows.map((r) => (r.result as { entries: unknown[] }).entries.length)).toEqual([
      1, 0, 1, 0,
    ]);

    const yes = await cli(["adopt", "--all", "-e", "dev", "--yes"]);
    expect(yes.code, yes.stderr).toBe(0);
    for (const t of names)
      expect(yes.stdout).toMatch(new RegExp(`^${t}\\s+dev\\s+1 adopted\\s+0$`, "m"));
    const pull = await cli(["pull", "--all", "-e", "dev"]);
    expect(pull.code, pull.stderr).toBe(0);
    for (const t of names)
      expect(parse(readFileSync(join(root, "apps", t, ".env"), "utf8"))).toEqual({
        TOKEN: values.get(t),
      });
    const again = await cli(["adopt", "--target", "web", "-e", "dev"]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain("nothing to adopt");
  });
});
