/**
 * End to end on the built binary with the embedded file: store: the shared
 * two-working-copies story (test/scenario/two-copies.ts), then dry runs, check, seed
 * flags and bad input. Canary values must never reach
 * stdout or stderr unless asked (diff --show-values).
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "../../src/dotenv/index.js";
import { beforeEach, describe, expect, it } from "vitest";
import { runTwoCopiesScenario } from "../scenario/two-copies.js";
import { assertNoCanary, canary, modeOf, runCli, tempDir, type CliResult } from "./helpers.js";

let root: string;
let A: string;
let B: string;
let remoteFile: string;
const canaries: string[] = [];

const parseEnv = (text: string): Record<string, string> => ({ ...parse(text) });

async function cli(
  cwd: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<CliResult> {
  const r = await runCli(args, { cwd, env });
  assertNoCanary(canaries, {
    [`stdout of envsync ${args.join(" ")}`]: r.stdout,
    [`stderr of envsync ${args.join(" ")}`]: r.stderr,
  });
  return r;
}

function mkCanary(label: string): string {
  const c = canary(label);
  canaries.push(c);
  return c;
}

// The two-working-copies story (test/scenario/two-copies.ts) on a file: remote.
runTwoCopiesScenario("a file: remote", () => `file:${join(tempDir(), "shared.env")}`);

beforeEach(async () => {
  root = tempDir();
  A = join(root, "a");
  B = join(root, "b");
  mkdirSync(A);
  mkdirSync(B);
  remoteFile = join(root, "remote", "shared.env");
  for (const dir of [A, B]) {
    const r = await cli(dir, ["init", "--remote", `file:../remote/shared.env`]);
    expect(r.code, r.stderr).toBe(0);
  }
});

describe("envsync on a file: remote, two working copies", () => {
  it("init writes envsync.yaml and git-ignores .env, .env.* (not .env.example) and .envsync/", () => {
    const gi = readFileSync(join(A, ".gitignore"), "utf8").split("\n");
    expect(gi).toEqual(expect.arrayContaining([".env", ".env.*", "!.env.example", ".envsync/"]));
    expect(readFileSync(join(A, "envsync.yaml"), "utf8")).toContain("file:../remote/shared.env");
  });

  it("the remote file is written readable by its owner only (0600)", async () => {
    writeFileSync(join(A, ".env"), `K=${mkCanary("K")}\n`);
    expect((await cli(A, ["push"])).code).toBe(0);
    expect(modeOf(remoteFile)).toBe(0o600);
  });

  it("--dry-run changes nothing and prints the plan", async () => {
    writeFileSync(join(A, ".env"), "P=1\n");
    const r = await cli(A, ["sync", "--dry-run"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/dry run/);
    expect(r.stdout).toContain("P");
    expect(existsSync(remoteFile)).toBe(false);
    expect(existsSync(join(A, ".envsync", "state.json"))).toBe(false);
  });

  it("check exits 0 in agreement and 3 on drift; diff hides values unless --show-values", async () => {
    const s = mkCanary("DIFF");
    writeFileSync(join(A, ".env"), `Q=${s}\n`);
    expect((await cli(A, ["check"])).code).toBe(3);
    expect(existsSync(join(A, ".envsync"))).toBe(false); // read-only commands write nothing
    await cli(A, ["push"]);
    expect((await cli(A, ["check"])).code).toBe(0);
    writeFileSync(join(A, ".env"), `Q=${s}x\n`);
    expect((await cli(A, ["check"])).code).toBe(3);
    const d = await cli(A, ["diff", "--exit-code"]);
    expect(d.code).toBe(3);
    expect(d.stdout).toContain("Q");
    const shown = await runCli(["diff", "--show-values"], { cwd: A });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(s); // asked for: the only place values may appear
    const json = await cli(A, ["diff", "--json"]);
    const parsed = JSON.parse(json.stdout) as { entries: { key: string }[] };
    expect(parsed.entries.map((e) => e.key)).toEqual(["Q"]);
  });

  it("push and pull with --prune; pull creates a 0600 .env", async () => {
    writeFileSync(join(A, ".env"), "A1=1\nA2=2\n");
    await cli(A, ["push"]);
    writeFileSync(join(A, ".env"), "A1=1\n");
    expect((await cli(A, ["push"])).code).toBe(0);
    expect(parseEnv(readFileSync(remoteFile, "utf8"))).toEqual({ A1: "1", A2: "2" });
    expect((await cli(A, ["push", "--prune", "--yes"])).code).toBe(0);
    expect(parseEnv(readFileSync(remoteFile, "utf8"))).toEqual({ A1: "1" });
    writeFileSync(join(B, ".env"), "LOCAL_ONLY=1\n");
    chmodSync(join(B, ".env"), 0o640);
    expect((await cli(B, ["pull", "--prune"])).code).toBe(0);
    expect(parseEnv(readFileSync(join(B, ".env"), "utf8"))).toEqual({ A1: "1" });
    expect(modeOf(join(B, ".env"))).toBe(0o640); // the existing file's mode is kept
  });

  it("pull from a remote that does not exist → exit 1 saying so, nothing written", async () => {
    const r = await cli(A, ["pull"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/does not exist/);
    expect(existsSync(join(A, ".env"))).toBe(false);
    const d = await cli(A, ["diff"]);
    expect(d.stdout).toMatch(/does not exist yet/);
  });

  it("malformed .env → exit 2 naming file:line, nothing written anywhere", async () => {
    writeFileSync(join(A, ".env"), 'GOOD=1\nBAD="unterminated\nOTHER=2\n');
    const r = await cli(A, ["sync", "--yes"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\.env:2/);
    expect(existsSync(remoteFile)).toBe(false);
    expect(existsSync(join(A, ".envsync", "state.json"))).toBe(false);
  });

  it("usage errors: unknown scheme, no remote, bad config key → exit 2 with what to do", async () => {
    const unknown = await cli(A, ["diff", "-r", "s3://bucket/x"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/aws-sm/);
    const bare = tempDir();
    const none = await cli(bare, ["diff"]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/envsync init/);
    writeFileSync(
      join(bare, "envsync.yaml"),
      "environments:\n  dev:\n    remote: file:x.env\n    remot: typo\n",
    );
    const bad = await cli(bare, ["diff"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("environments.dev.remot");
    expect(bad.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it("seed flags: --direction local-to-cloud / cloud-to-local and --env-path", async () => {
    writeFileSync(join(A, "custom.env"), "SEED=1\n");
    const r = await cli(A, [
      "--remote",
      "file:../remote/shared.env",
      "--direction",
      "local-to-cloud",
      "--env-path",
      "custom.env",
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(parseEnv(readFileSync(remoteFile, "utf8"))).toEqual({ SEED: "1" });
    const p = await cli(B, ["sync", "--direction", "cloud-to-local", "--env-path", "pulled.env"]);
    expect(p.code, p.stderr).toBe(0);
    expect(parseEnv(readFileSync(join(B, "pulled.env"), "utf8"))).toEqual({ SEED: "1" });
    const bad = await cli(B, ["sync", "--direction", "sideways"]);
    expect(bad.code).toBe(2);
  });

  it("a JSON file remote round-trips values exactly and --json prints one object", async () => {
    const s = mkCanary("JSON");
    writeFileSync(join(A, ".env"), `MULTI="line1\\nline2"\nQUOTE='it"s'\nSECRET=${s}\n`);
    const r = await cli(A, ["push", "--json", "-r", "file:../remote/all.json"]);
    expect(r.code).toBe(0);
    const obj = JSON.parse(r.stdout) as { ok: boolean; counts: { pushed: number } };
    expect(obj.ok).toBe(true);
    expect(obj.counts.pushed).toBe(3);
    const stored = JSON.parse(readFileSync(join(root, "remote", "all.json"), "utf8")) as Record<
      string,
      string
    >;
    expect(stored).toEqual({ MULTI: "line1\nline2", QUOTE: 'it"s', SECRET: s });
    expect(modeOf(join(root, "remote", "all.json"))).toBe(0o600);
  });
});
