/**
 * `envsync copy FROM TO` on the built binary between file: remotes (dotenv and
 * JSON layouts): adds and updates, --dry-run, --prune with and without --yes (no
 * TTY: exit 2, nothing written), the target's name rules checked before any write,
 * the version guard (a concurrent writer → exit 5), --json. No values in output.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { parse } from "../../src/dotenv/index.js";
import { assertNoCanary, canary, runCli, tempDir, type CliResult, startPaused } from "./helpers.js";

let dir: string;
let canaries: string[];
let a: string;
let b: string;
let old: string;

const readEnv = (name: string): Record<string, string> => ({
  ...parse(readFileSync(join(dir, name), "utf8")),
});

beforeEach(() => {
  dir = tempDir("envsync-copy-");
  a = canary("A");
  b = canary("B");
  old = canary("OLD");
  canaries = [a, b, old];
  writeFileSync(join(dir, "from.json"), JSON.stringify({ A: a, B: `multi\n${b}` }));
  writeFileSync(join(dir, "to.env"), `# team file\nA=${old}\nONLY_TARGET=${old}\n`);
});

async function cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const r = await runCli(args, { cwd: dir, env });
  assertNoCanary(canaries, {
    [`stdout of ${args.join(" ")}`]: r.stdout,
    [`stderr of ${args.join(" ")}`]: r.stderr,
  });
  return r;
}

describe("envsync copy (file: remotes)", () => {
  it("copies every key, keeps target-only keys and the target's comments", async () => {
    const r = await cli(["copy", "file:from.json", "file:to.env"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("~ update  A");
    expect(r.stdout).toContain("+ add     B");
    expect(r.stdout).toContain("= kept    ONLY_TARGET");
    expect(r.stdout).toContain("done: 1 added, 1 updated, 0 deleted");
    expect(readEnv("to.env")).toEqual({ A: a, B: `multi\n${b}`, ONLY_TARGET: old });
    expect(readFileSync(join(dir, "to.env"), "utf8")).toMatch(/^# team file\n/);
  });

  it("--dry-run prints the plan and writes nothing", async () => {
    const before = readFileSync(join(dir, "to.env"), "utf8");
    const r = await cli(["copy", "file:from.json", "file:to.env", "--dry-run", "--prune"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("- delete  ONLY_TARGET");
    expect(r.stdout).toContain("dry run: would make 1 added, 1 updated, 1 deleted");
    expect(readFileSync(join(dir, "to.env"), "utf8")).toBe(before);
  });

  it("--prune without --yes and without a terminal: exit 2, nothing written; with --yes it deletes", async () => {
    const before = readFileSync(join(dir, "to.env"), "utf8");
    const r = await cli(["copy", "file:from.json", "file:to.env", "--prune"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("ONLY_TARGET");
    expect(r.stderr).toContain("--yes");
    expect(readFileSync(join(dir, "to.env"), "utf8")).toBe(before);
    const y = await cli(["copy", "file:from.json", "file:to.env", "--prune", "--yes"]);
    expect(y.code, y.stderr).toBe(0);
    expect(readEnv("to.env")).toEqual({ A: a, B: `multi\n${b}` });
  });

  it("checks the target's name rules before writing anything (exit 2)", async () => {
    writeFileSync(join(dir, "from.json"), JSON.stringify({ GOOD: a, "bad key": b }));
    const before = readFileSync(join(dir, "to.env"), "utf8");
    const r = await cli(["copy", "file:from.json", "file:to.env"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("bad key");
    expect(readFileSync(join(dir, "to.env"), "utf8")).toBe(before);
  });

  it("copies into a remote that does not exist yet, and between layouts (dotenv → JSON)", async () => {
    const r = await cli(["copy", "file:to.env", "file:new/copy.json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, "new", "copy.json"), "utf8"))).toEqual({
      A: old,
      ONLY_TARGET: old,
    });
  });

  it("a missing source is exit 1; the same remote twice is exit 2", async () => {
    const m = await cli(["copy", "file:nope.json", "file:to.env"]);
    expect(m.code).toBe(1);
    expect(m.stderr).toContain("does not exist");
    expect((await cli(["copy", "file:to.env", "file:to.env"])).code).toBe(2);
  });

  it("--json: one result object with counts and the plan (names only)", async () => {
    const r = await cli(["copy", "file:from.json", "file:to.env", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const obj = JSON.parse(r.stdout);
    expect(obj).toMatchObject({
      ok: true,
      command: "copy",
      from: "file:from.json",
      to: "file:to.env",
      dryRun: false,
      applied: true,
      counts: { added: 1, updated: 1, unchanged: 0, deleted: 0, kept: 1 },
      plan: [
        { key: "A", action: "update" },
        { key: "B", action: "add" },
        { key: "ONLY_TARGET", action: "keep" },
      ],
    });
    expect(typeof obj.targetVersion).toBe("string");
    const again = JSON.parse(
      (await cli(["copy", "file:from.json", "file:to.env", "--json"])).stdout,
    );
    expect(again).toMatchObject({ applied: false, counts: { unchanged: 2 } });
  });

  it("a concurrent writer to the target between read and write → exit 5, nothing written", async () => {
    const run = startPaused(["copy", "file:from.json", "file:to.env"], { cwd: dir });
    const { exited } = run;
    await run.ready;
    const concurrent = "A=someone-else\n";
    writeFileSync(join(dir, "to.env"), concurrent);
    run.release();
    expect(await exited).toBe(5);
    expect(run.stderr).toContain("changed since it was read");
    expect(readFileSync(join(dir, "to.env"), "utf8")).toBe(concurrent);
    assertNoCanary(canaries, { stderr: run.stderr });
  });
});
