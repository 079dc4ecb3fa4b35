/**
 * `--json` on every command (built binary, file: remote): stdout holds exactly one
 * JSON object with `ok` and `command` (or `error`), and no canary value unless the
 * command exists to show values (export). Usage errors from the command line give
 * the error object too.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { assertNoCanary, canary, runCli, tempDir } from "./helpers.js";

let dir: string;
const secret = canary("JSON");

beforeAll(async () => {
  dir = tempDir("envsync-json-");
  writeFileSync(join(dir, ".env"), `A=${secret}\nB=2\n`, { mode: 0o600 });
  expect((await runCli(["init", "--remote", "file:remote.env"], { cwd: dir })).code).toBe(0);
  expect((await runCli(["push"], { cwd: dir })).code).toBe(0);
  writeFileSync(join(dir, ".env"), `A=${secret}\nB=3\n`, { mode: 0o600 });
  expect((await runCli(["push"], { cwd: dir })).code).toBe(0);
});

/** Parses stdout as exactly one JSON object (JSON.parse fails on anything more). */
function one(stdout: string): Record<string, unknown> {
  const v: unknown = JSON.parse(stdout);
  expect(typeof v === "object" && v !== null && !Array.isArray(v)).toBe(true);
  return v as Record<string, unknown>;
}

describe("--json prints one result object on stdout", () => {
  it.each<[string, string[], number]>([
    ["diff", ["diff"], 0],
    ["check", ["check"], 0],
    ["sync", ["sync"], 0],
    ["push", ["push", "--dry-run"], 0],
    ["pull", ["pull", "--dry-run"], 0],
    ["run", ["run", "--", process.execPath, "-e", "console.log('child output')"], 0],
    ["copy", ["copy", "file:remote.env", "file:copy.env"], 0],
    ["history", ["history"], 0],
    ["rollback", ["rollback", "--to", "no-such-version", "--dry-run"], 1],
    ["doctor", ["doctor"], 0],
  ])("%s", async (command, args, code) => {
    // --json right after the command name: after `--` it would belong to run's child.
    const r = await runCli([args[0]!, "--json", ...args.slice(1)], {
      cwd: dir,
      env: { HOME: dir },
    });
    expect(r.code, r.stderr).toBe(code);
    const obj = one(r.stdout);
    if (code === 0) expect(obj).toMatchObject({ ok: true, command });
    else expect(obj).toMatchObject({ ok: false, error: { exitCode: code } });
    assertNoCanary([secret], { stdout: r.stdout, stderr: r.stderr });
  });

  it("export: the object holds the output the user asked for", async () => {
    const r = await runCli(["export", "--format", "json", "--json"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const obj = one(r.stdout);
    expect(obj).toMatchObject({ ok: true, command: "export", keys: ["A", "B"] });
    expect(JSON.parse(obj.output as string)).toEqual({ A: secret, B: "3" });
  });

  it("init", async () => {
    const fresh = tempDir("envsync-json-init-");
    const r = await runCli(["init", "--remote", "file:x.env", "--json"], { cwd: fresh });
    expect(r.code, r.stderr).toBe(0);
    expect(one(r.stdout)).toMatchObject({ ok: true, command: "init", createdConfig: true });
  });

  it("a command-line error gives the error object with USAGE, exit 2", async () => {
    const r = await runCli(["export", "--format", "toml", "--json"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(one(r.stdout)).toMatchObject({ ok: false, error: { code: "USAGE", exitCode: 2 } });
  });
});
