/**
 * The `.env.example` contract (envsync.yaml `example:`) on the built binary, on a
 * file: remote and on AWS Secrets Manager (moto): sync and pull keep the committed
 * example in step (new keys appended blank, keys the operation deleted removed, every
 * other line — comments, placeholders — byte for byte, never a value), and `check`
 * exits 3 naming each required key the local file or the remote lacks.
 */
import { randomUUID } from "node:crypto";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { requireEnv } from "../harness/require-env.js";
import { assertNoCanary, canary, runCli, tempDir, type CliResult } from "./helpers.js";

const canaries: string[] = [];
const mk = (label: string): string => {
  const c = canary(label);
  canaries.push(c);
  return c;
};

async function cli(cwd: string, args: string[]): Promise<CliResult> {
  const r = await runCli(args, { cwd });
  assertNoCanary(canaries, {
    [`stdout of ${args[0]}`]: r.stdout,
    [`stderr of ${args[0]}`]: r.stderr,
  });
  return r;
}

/** The example a team committed: comments, a placeholder, a blank value. */
const COMMITTED = [
  "# Database (ask ops for the real URL)",
  "DB_URL=postgres://user:password@localhost/app",
  "",
  "# Third-party API",
  "API_KEY=",
  "",
].join("\n");

function project(remote: string): string {
  const dir = tempDir("envsync-example-");
  writeFileSync(
    join(dir, "envsync.yaml"),
    `environments:\n  dev:\n    file: .env\n    remote: ${JSON.stringify(remote)}\n    example: .env.example\n`,
  );
  writeFileSync(join(dir, ".env.example"), COMMITTED);
  return dir;
}

const example = (dir: string): string => readFileSync(join(dir, ".env.example"), "utf8");

/** The whole story on one remote; `remoteOnly` puts a key on the remote before the first sync. */
async function story(dir: string, seedRemote: (values: Record<string, string>) => Promise<void>) {
  const db = mk("DB");
  const api = mk("API");
  const extra = mk("EXTRA");
  const remoteOnly = mk("RONLY");
  writeFileSync(join(dir, ".env"), `DB_URL=${db}\nAPI_KEY=${api}\nLOCAL_ONLY=${extra}\n`);
  await seedRemote({ DB_URL: db, REMOTE_ONLY: remoteOnly });

  // 1. A dry run says what it would add and writes nothing.
  let r = await cli(dir, ["sync", "--dry-run"]);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toMatch(
    /example \.env\.example: would have added LOCAL_ONLY, REMOTE_ONLY \(blank\)/,
  );
  expect(example(dir)).toBe(COMMITTED);

  // 2. sync: the keys both sides now hold are appended blank; every committed byte stays.
  r = await cli(dir, ["sync"]);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toMatch(/example \.env\.example: added LOCAL_ONLY, REMOTE_ONLY \(blank\)/);
  expect(example(dir)).toBe(`${COMMITTED}LOCAL_ONLY=\nREMOTE_ONLY=\n`);
  for (const c of [db, api, extra, remoteOnly]) expect(example(dir)).not.toContain(c);
  expect((await cli(dir, ["check"])).code).toBe(0);

  // 3. A teammate commits a new required key: check fails naming it on both sides.
  writeFileSync(
    join(dir, ".env.example"),
    `${example(dir)}# new: feature switch\nFEATURE=on|off\n`,
  );
  r = await cli(dir, ["check"]);
  expect(r.code).toBe(3);
  expect(r.stderr).toMatch(/missing: \.env lacks FEATURE \(required by \.env\.example\)/);
  expect(r.stderr).toMatch(/lacks FEATURE \(required by \.env\.example\)[\s\S]*lacks FEATURE/);
  const j = await cli(dir, ["check", "--json"]);
  expect(j.code).toBe(3);
  const out = JSON.parse(j.stdout) as {
    inAgreement: boolean;
    example: { missingLocal: string[]; missingRemote: string[] };
  };
  expect(out.inAgreement).toBe(false);
  expect(out.example.missingLocal).toEqual(["FEATURE"]);
  expect(out.example.missingRemote).toEqual(["FEATURE"]);

  // 4. Set locally but empty: still missing (dotenv-safe); set for real and synced: passes.
  writeFileSync(join(dir, ".env"), `${readFileSync(join(dir, ".env"), "utf8")}FEATURE=\n`);
  r = await cli(dir, ["check"]);
  expect(r.code).toBe(3);
  expect(r.stderr).toMatch(/\.env lacks FEATURE/);
  writeFileSync(
    join(dir, ".env"),
    readFileSync(join(dir, ".env"), "utf8").replace("FEATURE=\n", "FEATURE=on\n"),
  );
  r = await cli(dir, ["check"]);
  expect(r.code).toBe(3);
  expect(r.stderr).not.toMatch(/missing: \.env lacks/);
  expect(r.stderr).toMatch(/lacks FEATURE \(required/);
  expect((await cli(dir, ["sync"])).code).toBe(0);
  expect((await cli(dir, ["check"])).code).toBe(0);

  // 5. A key deleted locally is deleted on the remote by sync, and leaves the example too;
  //    the placeholder and comments of the other keys stay.
  writeFileSync(
    join(dir, ".env"),
    readFileSync(join(dir, ".env"), "utf8").replace(/^LOCAL_ONLY=.*\n/m, ""),
  );
  r = await cli(dir, ["sync", "--yes"]);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toMatch(/example \.env\.example: removed LOCAL_ONLY/);
  expect(example(dir)).toBe(`${COMMITTED}REMOTE_ONLY=\n# new: feature switch\nFEATURE=on|off\n`);

  // 6. A malformed example stops sync before anything is written.
  const before = readFileSync(join(dir, ".env"), "utf8");
  writeFileSync(join(dir, ".env"), `${before}LATER=1\n`);
  const good = example(dir);
  writeFileSync(join(dir, ".env.example"), `${good}BROKEN="unterminated\n`);
  r = await cli(dir, ["sync"]);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/\.env\.example:\d+/);
  writeFileSync(join(dir, ".env.example"), good);
  expect((await cli(dir, ["diff", "--exit-code"])).code).toBe(3); // LATER was not pushed
}

describe("the .env.example contract", () => {
  it("file: remote — sync keeps it in step, check enforces it", async () => {
    const dir = project("file:remote.env");
    await story(dir, (values) => {
      writeFileSync(
        join(dir, "remote.env"),
        Object.entries(values)
          .map(([k, v]) => `${k}=${v}\n`)
          .join(""),
      );
      return Promise.resolve();
    });
  });

  it("file: remote — pull creates a missing example (mode 0644, keys only)", async () => {
    const dir = project("file:remote.env");
    const v = mk("PULL");
    writeFileSync(join(dir, "remote.env"), `A=${v}\nB=${v}\n`);
    const { rmSync } = await import("node:fs");
    rmSync(join(dir, ".env.example"));
    const r = await cli(dir, ["pull"]);
    expect(r.code, r.stderr).toBe(0);
    expect(example(dir)).toBe("A=\nB=\n");
    expect(statSync(join(dir, ".env.example")).mode & 0o777).toBe(0o644);
    // push leaves the example alone.
    writeFileSync(join(dir, ".env"), `A=${v}\nB=${v}\nC=${v}\n`);
    expect((await cli(dir, ["push"])).code).toBe(0);
    expect(example(dir)).toBe("A=\nB=\n");
    expect(existsSync(join(dir, ".env.example"))).toBe(true);
  });

  it("an example that names the local file itself is refused (exit 2, nothing written)", async () => {
    const dir = tempDir("envsync-example-self-");
    writeFileSync(
      join(dir, "envsync.yaml"),
      "environments:\n  dev:\n    file: .env\n    remote: file:remote.env\n    example: ./.env\n",
    );
    const v = mk("SELF");
    writeFileSync(join(dir, ".env"), `A=${v}\n`);
    writeFileSync(join(dir, "remote.env"), `B=${v}\n`);
    const r = await cli(dir, ["sync"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/example: names the local file itself/);
    expect(readFileSync(join(dir, ".env"), "utf8")).toBe(`A=${v}\n`);
    expect(readFileSync(join(dir, "remote.env"), "utf8")).toBe(`B=${v}\n`);
  });

  it("AWS Secrets Manager bundle (moto) — the same story", async () => {
    const endpoint = requireEnv("ENVSYNC_TEST_MOTO_ENDPOINT", "moto");
    const name = `example-${randomUUID().slice(0, 8)}`;
    const remote = `aws-sm://${name}?region=us-east-1&endpoint=${encodeURIComponent(endpoint)}`;
    const dir = project(remote);
    await story(dir, async (values) => {
      const seed = tempDir("envsync-example-seed-");
      writeFileSync(
        join(seed, ".env"),
        Object.entries(values)
          .map(([k, v]) => `${k}=${v}\n`)
          .join(""),
      );
      const r = await cli(seed, ["push", "--remote", remote]);
      expect(r.code, r.stderr).toBe(0);
    });
  });
});
