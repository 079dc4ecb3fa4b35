/**
 * End to end on the built binary with the embedded file: store: two working copies
 * share one remote and go through add, change, delete, conflicts, a concurrent
 * writer, dry runs, check, seed flags and bad input. Canary values must never reach
 * stdout or stderr unless asked (diff --show-values).
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "../../src/dotenv/index.js";
import { beforeEach, describe, expect, it } from "vitest";
import {
  assertNoCanary,
  canary,
  filesUnder,
  modeOf,
  runCli,
  tempDir,
  type CliResult,
  startPaused,
} from "./helpers.js";

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

  it("add, change and delete travel both ways; files are 0600; secrets never printed", async () => {
    const s1 = mkCanary("S1");
    const s2 = mkCanary("S2");
    const s3 = mkCanary("S3");
    writeFileSync(
      join(A, ".env"),
      `# app settings\nexport API_KEY=${s1}\nDB_URL="postgres://u:${s2}@h/db"\n\nOLD=${s3}\n`,
    );
    expect((await cli(A, ["sync"])).code).toBe(0);
    expect(existsSync(remoteFile)).toBe(true);
    expect(modeOf(remoteFile)).toBe(0o600);

    expect((await cli(B, ["sync"])).code).toBe(0);
    expect(parseEnv(readFileSync(join(B, ".env"), "utf8"))).toEqual({
      API_KEY: s1,
      DB_URL: `postgres://u:${s2}@h/db`,
      OLD: s3,
    });
    expect(modeOf(join(B, ".env"))).toBe(0o600);

    // A changes API_KEY, B adds NEW; both sync; both converge.
    const s4 = mkCanary("S4");
    const s5 = mkCanary("S5");
    writeFileSync(join(A, ".env"), readFileSync(join(A, ".env"), "utf8").replace(s1, s4));
    writeFileSync(join(B, ".env"), readFileSync(join(B, ".env"), "utf8") + `NEW=${s5}\n`);
    expect((await cli(A, ["sync"])).code).toBe(0);
    expect((await cli(B, ["sync"])).code).toBe(0);
    expect((await cli(A, ["sync"])).code).toBe(0);
    const a = readFileSync(join(A, ".env"), "utf8");
    expect(a.startsWith("# app settings\nexport API_KEY=")).toBe(true); // comment and export prefix kept
    expect(parseEnv(a)).toEqual(parseEnv(readFileSync(join(B, ".env"), "utf8")));
    expect(parseEnv(a).API_KEY).toBe(s4);
    expect(parseEnv(a).NEW).toBe(s5);

    // A deletes OLD: a remote deletion needs --yes without a TTY (exit 2, nothing written).
    writeFileSync(join(A, ".env"), a.replace(`OLD=${s3}\n`, ""));
    const remoteBefore = readFileSync(remoteFile, "utf8");
    const refused = await cli(A, ["sync"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--yes/);
    expect(readFileSync(remoteFile, "utf8")).toBe(remoteBefore);
    expect((await cli(A, ["sync", "--yes"])).code).toBe(0);
    expect(readFileSync(remoteFile, "utf8")).not.toContain("OLD=");
    // B gets the deletion (a local deletion needs no confirmation; a backup is kept).
    expect((await cli(B, ["sync"])).code).toBe(0);
    expect(readFileSync(join(B, ".env"), "utf8")).not.toContain("OLD=");
    expect((await cli(B, ["check"])).code).toBe(0);

    // The state holds no values; state and backups are 0600.
    const state = readFileSync(join(B, ".envsync", "state.json"), "utf8");
    assertNoCanary(canaries, { "state.json": state });
    expect(modeOf(join(B, ".envsync", "state.json"))).toBe(0o600);
    for (const f of filesUnder(join(B, ".envsync", "backups"))) expect(modeOf(f)).toBe(0o600);
    expect(filesUnder(join(B, ".envsync", "backups")).length).toBeGreaterThan(0);
  });

  it("conflicts: fail exits 4 writing nothing; prompt without a TTY exits 2; local and remote resolve", async () => {
    writeFileSync(join(A, ".env"), "K=base\n");
    await cli(A, ["sync"]);
    await cli(B, ["sync"]);
    writeFileSync(join(A, ".env"), "K=from-a\n");
    writeFileSync(join(B, ".env"), "K=from-b\n");
    expect((await cli(A, ["sync"])).code).toBe(0); // remote now from-a

    const remoteBefore = readFileSync(remoteFile, "utf8");
    const fail = await cli(B, ["sync", "--on-conflict", "fail"]);
    expect(fail.code).toBe(4);
    expect(fail.stderr).toContain("K");
    expect(readFileSync(join(B, ".env"), "utf8")).toBe("K=from-b\n");
    expect(readFileSync(remoteFile, "utf8")).toBe(remoteBefore);

    const prompt = await cli(B, ["sync", "--on-conflict", "prompt"]);
    expect(prompt.code).toBe(2);
    expect(readFileSync(join(B, ".env"), "utf8")).toBe("K=from-b\n");

    const local = await cli(B, ["sync", "--on-conflict", "local"]);
    expect(local.code).toBe(0);
    expect(parseEnv(readFileSync(remoteFile, "utf8")).K).toBe("from-b");

    // Now A changes again and B too; the default (remote wins) brings A's value to B.
    writeFileSync(join(A, ".env"), "K=a2\n");
    await cli(A, ["sync", "--on-conflict", "local"]);
    writeFileSync(join(B, ".env"), "K=b2\n");
    const remote = await cli(B, ["sync"]);
    expect(remote.code).toBe(0);
    expect(readFileSync(join(B, ".env"), "utf8")).toBe("K=a2\n");
  });

  it("a concurrent writer between read and write → exit 5, nothing written; a re-run merges", async () => {
    writeFileSync(join(A, ".env"), "X=1\n");
    await cli(A, ["sync"]);
    await cli(B, ["sync"]);
    writeFileSync(join(A, ".env"), "X=1\nFROM_A=1\n");
    const run = startPaused(["sync"], { cwd: A });
    const { exited } = run;
    await run.ready;
    writeFileSync(join(B, ".env"), "X=1\nFROM_B=1\n");
    expect((await cli(B, ["sync"])).code).toBe(0);
    const remoteAfterB = readFileSync(remoteFile, "utf8");
    run.release();
    expect(await exited).toBe(5);
    expect(run.stderr).toMatch(/changed/);
    expect(readFileSync(remoteFile, "utf8")).toBe(remoteAfterB);
    expect(readFileSync(join(A, ".env"), "utf8")).toBe("X=1\nFROM_A=1\n");
    expect((await cli(A, ["sync"])).code).toBe(0);
    expect(parseEnv(readFileSync(remoteFile, "utf8"))).toEqual({
      X: "1",
      FROM_A: "1",
      FROM_B: "1",
    });
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
