/**
 * `envsync history` and `envsync rollback --to V` on the built binary with the
 * file: store's own history: versions newest first with key counts and no values,
 * rollback as a new version of the remote only (then `pull`), --dry-run, the
 * confirmation rule (no TTY and no --yes: exit 2), unknown versions, the version
 * guard, --json, and stores that keep no versions (exit 2 with a hint).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { parse } from "../../src/dotenv/index.js";
import { assertNoCanary, canary, runCli, tempDir, type CliResult, startPaused } from "./helpers.js";

let dir: string;
let canaries: string[];
let v1: string;
let v2: string;
const remotePath = (): string => join(dir, "remote", "shared.env");
const readRemote = (): Record<string, string> => ({ ...parse(readFileSync(remotePath(), "utf8")) });

async function cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const r = await runCli(args, { cwd: dir, env });
  assertNoCanary(canaries, {
    [`stdout of ${args.join(" ")}`]: r.stdout,
    [`stderr of ${args.join(" ")}`]: r.stderr,
  });
  return r;
}

interface Version {
  id: string;
  createdAt: string | null;
  keyCount: number | null;
  current: boolean;
}

async function versions(): Promise<Version[]> {
  const r = await cli(["history", "--json"]);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { versions: Version[] }).versions;
}

beforeEach(async () => {
  dir = tempDir("envsync-history-");
  v1 = canary("V1");
  v2 = canary("V2");
  canaries = [v1, v2];
  expect((await cli(["init", "--remote", "file:remote/shared.env"])).code).toBe(0);
  // Three pushes: {A}, {A, B}, {A changed, B, C}.
  writeFileSync(join(dir, ".env"), `A=${v1}\n`);
  expect((await cli(["push"])).code).toBe(0);
  writeFileSync(join(dir, ".env"), `A=${v1}\nB=b\n`);
  expect((await cli(["push"])).code).toBe(0);
  writeFileSync(join(dir, ".env"), `A=${v2}\nB=b\nC=c\n`);
  expect((await cli(["push"])).code).toBe(0);
});

describe("envsync history / rollback (file: remote)", () => {
  it("lists versions newest first with dates and key counts, never values", async () => {
    const r = await cli(["history"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("history of file:remote/shared.env (newest first)");
    expect(r.stdout).toMatch(
      /\* [0-9a-f]{16} +\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ +3 keys +\(current\)/,
    );
    const vs = await versions();
    expect(vs.map((v) => v.keyCount)).toEqual([3, 2, 1]);
    expect(vs.map((v) => v.current)).toEqual([true, false, false]);
    for (const v of vs) expect(Number.isNaN(Date.parse(v.createdAt ?? ""))).toBe(false);
  });

  it("rollback --dry-run shows the plan and writes nothing", async () => {
    const [, second] = await versions();
    const before = readFileSync(remotePath(), "utf8");
    const r = await cli(["rollback", "--to", second!.id, "--dry-run"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("~ update  A");
    expect(r.stdout).toContain("- delete  C");
    expect(readFileSync(remotePath(), "utf8")).toBe(before);
  });

  it("without --yes and without a terminal: exit 2, nothing written", async () => {
    const [, second] = await versions();
    const before = readFileSync(remotePath(), "utf8");
    const r = await cli(["rollback", "--to", second!.id]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--yes");
    expect(readFileSync(remotePath(), "utf8")).toBe(before);
  });

  it("restores a version (by unique prefix) as a new version of the remote only; pull brings it home", async () => {
    const [, second] = await versions();
    const localBefore = readFileSync(join(dir, ".env"), "utf8");
    const r = await cli(["rollback", "--to", second!.id.slice(0, 8), "--yes"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("envsync pull");
    expect(readRemote()).toEqual({ A: v1, B: "b" });
    expect(readFileSync(join(dir, ".env"), "utf8")).toBe(localBefore);
    const after = await versions();
    expect(after).toHaveLength(4);
    expect(after[0]).toMatchObject({ id: second!.id, current: true, keyCount: 2 });
    const p = await cli(["pull", "--prune"]);
    expect(p.code, p.stderr).toBe(0);
    expect({ ...parse(readFileSync(join(dir, ".env"), "utf8")) }).toEqual({ A: v1, B: "b" });
  });

  it("--json: one object with the plan (names only) and the new version", async () => {
    const [, , first] = await versions();
    const r = await cli(["rollback", "--to", first!.id, "--yes", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      ok: true,
      command: "rollback",
      remote: "file:remote/shared.env",
      restored: first!.id,
      dryRun: false,
      applied: true,
      plan: { added: [], updated: ["A"], deleted: ["B", "C"] },
      version: first!.id,
    });
  });

  it("an unknown version is exit 1 naming it; rolling back to the current content writes nothing", async () => {
    const u = await cli(["rollback", "--to", "ffffffffffff", "--yes"]);
    expect(u.code).toBe(1);
    expect(u.stderr).toContain("No version ffffffffffff");
    const [current] = await versions();
    const same = await cli(["rollback", "--to", current!.id, "--yes"]);
    expect(same.code, same.stderr).toBe(0);
    expect(same.stdout).toContain("nothing written");
    expect(await versions()).toHaveLength(3);
  });

  it("a concurrent writer during the rollback → exit 5, nothing written", async () => {
    const [, second] = await versions();
    const run = startPaused(["rollback", "--to", second!.id, "--yes"], { cwd: dir });
    const { exited } = run;
    await run.ready;
    writeFileSync(remotePath(), "A=concurrent\n");
    run.release();
    expect(await exited).toBe(5);
    expect(readFileSync(remotePath(), "utf8")).toBe("A=concurrent\n");
    assertNoCanary(canaries, { stderr: run.stderr });
  });

  it.each([
    ["aws-ssm://myapp/dev/*?region=eu-west-1"],
    ["gcp-sm://my-project/myapp_*?endpoint=http://127.0.0.1:9"],
  ])(
    "a per-key remote keeps no versions envsync can list: exit 2 with a hint (%s)",
    async (uri) => {
      for (const args of [["history"], ["rollback", "--to", "1", "--yes"]]) {
        const r = await cli([...args, "--remote", uri]);
        expect(r.code).toBe(2);
        expect(r.stderr).toContain("keeps no versions");
        expect(r.stderr).toContain("bundle remotes");
      }
    },
  );
});
