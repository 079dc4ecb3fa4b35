/**
 * Docs and messages that say what happens (issue 14, item 5), on the built binary:
 *   - `history` is headed "newest first" and lists newest first, even when the
 *     current version is not the newest (Secret Manager: a disabled latest version);
 *   - `pull` that keeps a local key the remote lacks says so (and why), never "already
 *     in agreement", since `check` then exits 3;
 *   - docs/providers/gcp.md describes `history` and `rollback`, which work on gcp-sm.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { SecretManagerServiceClient } from "@google-cloud/secret-manager";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "../../src/dotenv/index.js";
import { gsmAdmin, gsmEndpoint } from "../support/gsm-admin.js";
import { runCli, tempDir, type CliResult } from "./helpers.js";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const endpoint = gsmEndpoint;

const gsm = gsmAdmin();
const adminClient = (): SecretManagerServiceClient => gsm.client();
afterAll(() => gsm.close());

async function ok(cwd: string, args: string[]): Promise<CliResult> {
  const r = await runCli(args, { cwd });
  expect(r.code, `envsync ${args.join(" ")}: ${r.stderr}`).toBe(0);
  return r;
}

describe("history says newest first and means it", () => {
  it("gcp-sm bundle with a disabled latest version: 3, 2 (current), 1", async () => {
    const project = `envsync-h-${randomBytes(5).toString("hex")}`;
    const dir = tempDir("envsync-history-");
    await ok(dir, [
      "init",
      "--remote",
      `gcp-sm://${project}/app_env?endpoint=http://${endpoint()}`,
    ]);
    for (const n of ["1", "2", "3"]) {
      writeFileSync(join(dir, ".env"), `N=${n}\n`);
      await ok(dir, ["push"]);
    }
    await adminClient().disableSecretVersion({
      name: `projects/${project}/secrets/app_env/versions/3`,
    });

    const json = JSON.parse((await ok(dir, ["history", "--json"])).stdout) as {
      versions: { id: string; current: boolean; state?: string }[];
    };
    expect(json.versions.map((v) => [v.id, v.current])).toEqual([
      ["3", false],
      ["2", true],
      ["1", false],
    ]);
    expect(json.versions[0]!.state).toBe("disabled");

    const text = (await ok(dir, ["history"])).stdout.split("\n");
    expect(text[0]).toMatch(/\(newest first\)$/);
    const ids = text.slice(1).flatMap((l) => /^\s+\*?\s*(\d+)\s/.exec(l)?.[1] ?? []);
    expect(ids).toEqual(["3", "2", "1"]);
    expect(text.find((l) => /^\s+\*/.test(l))).toMatch(/\s2\s.*current/);
  });
});

describe("pull says what it kept", () => {
  it("a local key the remote lacks: pull names it and says the sides still differ; check exits 3", async () => {
    const root = tempDir("envsync-kept-");
    const dir = join(root, "w");
    mkdirSync(dir);
    writeFileSync(join(root, "remote.env"), "SHARED=1\n");
    await ok(dir, ["init", "--remote", "file:../remote.env"]);
    writeFileSync(join(dir, ".env"), "SHARED=1\nLOCAL_ONLY=mine\n");

    const r = await ok(dir, ["pull"]);
    expect(r.stdout).not.toContain("already in agreement");
    expect(r.stdout).toMatch(/=\s+kept\s+LOCAL_ONLY/);
    expect(r.stdout).toMatch(
      /nothing written: 1 key\(s\) kept as they are, so the file and the remote still differ \(`envsync push` or `envsync sync` sends local ones\)/,
    );
    expect(parse(readFileSync(join(dir, ".env"), "utf8"))).toEqual({
      SHARED: "1",
      LOCAL_ONLY: "mine",
    });
    expect((await runCli(["check"], { cwd: dir })).code).toBe(3);

    // Once pushed, the two agree and pull says so.
    await ok(dir, ["push"]);
    expect((await ok(dir, ["pull"])).stdout).toContain("already in agreement; nothing to do");
    expect((await runCli(["check"], { cwd: dir })).code).toBe(0);
  });
});

describe("docs/providers/gcp.md", () => {
  it("describes history and rollback as working (they are tested above and in commands-history)", () => {
    const doc = readFileSync(join(repoRoot, "docs", "providers", "gcp.md"), "utf8");
    expect(doc).not.toMatch(/not there yet/);
    expect(doc).toMatch(/`envsync history` lists them newest first/);
    expect(doc).toMatch(/`envsync rollback --to N`/);
  });

  it("rollback on gcp-sm writes the old content as a new version", async () => {
    const project = `envsync-r-${randomBytes(5).toString("hex")}`;
    const dir = tempDir("envsync-rollback-");
    await ok(dir, [
      "init",
      "--remote",
      `gcp-sm://${project}/app_env?endpoint=http://${endpoint()}`,
    ]);
    for (const n of ["1", "2"]) {
      writeFileSync(join(dir, ".env"), `N=${n}\n`);
      await ok(dir, ["push"]);
    }
    await ok(dir, ["rollback", "--to", "1", "--yes"]);
    const json = JSON.parse((await ok(dir, ["history", "--json"])).stdout) as {
      versions: { id: string; current: boolean }[];
    };
    expect(json.versions.map((v) => v.id)).toEqual(["3", "2", "1"]);
    await ok(dir, ["pull"]);
    expect(parse(readFileSync(join(dir, ".env"), "utf8"))).toEqual({ N: "1" });
  });
});
