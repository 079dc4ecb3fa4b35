/**
 * Guards that protect the local file through the base, on the built binary with a
 * file: remote (docs/DESIGN.md, "Sync semantics" and "Options that change values"):
 *
 * - a remote that reads as absent or empty while the base recorded keys does not
 *   empty the local file by itself: sync and pull stop (exit 2, nothing written)
 *   unless --yes confirms;
 * - `--expand` is refused for sync/push/pull (it stays for diff and export), so a
 *   plain sync after it can never push the literal `${HOST}` over an expanded value.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { parse } from "../../src/dotenv/index.js";
import { assertNoCanary, canary, runCli, tempDir, type CliResult } from "./helpers.js";

let dir: string;
let remote: string;
let secret: string;

const readEnv = (path: string): Record<string, string> => ({
  ...parse(readFileSync(path, "utf8")),
});

async function cli(args: string[]): Promise<CliResult> {
  const r = await runCli(args, { cwd: dir });
  assertNoCanary([secret], { stdout: r.stdout, stderr: r.stderr });
  return r;
}

beforeEach(async () => {
  const root = tempDir("envsync-guards-");
  dir = join(root, "app");
  mkdirSync(dir);
  remote = join(root, "remote", "shared.env");
  secret = canary("GUARD");
  expect((await cli(["init", "--remote", "file:../remote/shared.env"])).code).toBe(0);
});

describe("a remote that reads as absent or empty while the base recorded keys", () => {
  async function synced(): Promise<string> {
    const env = `A=${secret}\nB=2\n`;
    writeFileSync(join(dir, ".env"), env);
    const r = await cli(["sync"]);
    expect(r.code, r.stderr).toBe(0);
    expect(readEnv(remote)).toEqual({ A: secret, B: "2" });
    return env;
  }

  it.each([
    ["absent", () => rmSync(remote)],
    ["empty", () => writeFileSync(remote, "")],
  ])("%s: sync stops with exit 2 and writes nothing; --yes confirms", async (how, emptyIt) => {
    const env = await synced();
    emptyIt();
    const before = existsSync(remote) ? readFileSync(remote, "utf8") : null;
    const r = await cli(["sync"]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`reads as ${how}`);
    expect(r.stderr).toContain("recorded 2 key(s)");
    expect(r.stderr).toContain("--yes");
    expect(readFileSync(join(dir, ".env"), "utf8")).toBe(env);
    expect(existsSync(remote) ? readFileSync(remote, "utf8") : null).toBe(before);
    // The plan is still visible, and writes nothing.
    const dry = await cli(["sync", "--dry-run"]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(readFileSync(join(dir, ".env"), "utf8")).toBe(env);

    const yes = await cli(["sync", "--yes"]);
    expect(yes.code, yes.stderr).toBe(0);
    expect(readEnv(join(dir, ".env"))).toEqual({});
  });

  it("pull --prune from an emptied remote stops too (exit 2, nothing written)", async () => {
    const env = await synced();
    writeFileSync(remote, "");
    const r = await cli(["pull", "--prune"]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain("reads as empty");
    expect(readFileSync(join(dir, ".env"), "utf8")).toBe(env);
  });

  it("control: a remote that lost one key (not all) still deletes it locally", async () => {
    await synced();
    writeFileSync(remote, `A=${secret}\n`);
    const r = await cli(["sync"]);
    expect(r.code, r.stderr).toBe(0);
    expect(readEnv(join(dir, ".env"))).toEqual({ A: secret });
  });
});

describe("--expand is for reading commands only", () => {
  const env = "HOST=db.internal\nURL=postgres://${HOST}/app\n";

  it("sync --expand is refused (exit 2, nothing written); the next plain sync pushes the file as written and then agrees", async () => {
    writeFileSync(join(dir, ".env"), env);
    const r = await cli(["sync", "--expand"]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain("--expand");
    expect(existsSync(remote)).toBe(false);

    const plain = await cli(["sync"]);
    expect(plain.code, plain.stderr).toBe(0);
    expect(readEnv(remote)).toEqual({ HOST: "db.internal", URL: "postgres://${HOST}/app" });
    // Nothing changed locally: a second sync has nothing to push.
    const again = await cli(["sync", "--json"]);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ applied: false });
    expect(readEnv(remote).URL).toBe("postgres://${HOST}/app");
    expect(readFileSync(join(dir, ".env"), "utf8")).toBe(env);
  });

  it("push and pull refuse it too, also from envsync.yaml; diff and export keep it", async () => {
    writeFileSync(join(dir, ".env"), env);
    for (const mode of ["push", "pull"]) {
      const r = await cli([mode, "--expand"]);
      expect(r.code, `${mode}: ${r.stderr}`).toBe(2);
    }
    const yaml = readFileSync(join(dir, "envsync.yaml"), "utf8");
    writeFileSync(
      join(dir, "envsync.yaml"),
      yaml.replace(/(remote: .*\n)/, "$1    expand: true\n"),
    );
    const fromConfig = await cli(["sync"]);
    expect(fromConfig.code, fromConfig.stderr).toBe(2);
    expect(fromConfig.stderr).toContain("expand");
    expect(existsSync(remote)).toBe(false);

    const exported = await cli(["export", "--source", "local", "--format", "json"]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(JSON.parse(exported.stdout)).toMatchObject({ URL: "postgres://db.internal/app" });
    const d = await cli(["diff", "--expand"]);
    expect(d.code, d.stderr).toBe(0);
  });
});
