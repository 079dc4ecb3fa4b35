/**
 * End to end on the built binary, `file:` store: the single-target commands (run, export,
 * history, rollback, adopt, copy) in a workspace. `--target NAME` works on that target as if
 * run in its folder; `export --all`, `history --all` and `adopt --all` give per-target output
 * with one exit code (the worst) and a stderr line per failed target; `run`, `rollback` and
 * `copy` refuse `--all` (exit 2, naming `--target`).
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { parse } from "../../src/dotenv/index.js";
import { canary, runCli, tempDir, type CliResult } from "./helpers.js";
import { writeWorkspace, type FixtureTarget, type Row } from "./workspace-fixture.js";

let root: string;
let targets: FixtureTarget[];
const secrets = new Map<string, string>();
const cli = (cwd: string, args: string[]): Promise<CliResult> => runCli(args, { cwd });
const remotePath = (t: FixtureTarget, env: string): string =>
  join(root, "remotes", `${t.name.replace("/", "-")}-${env}.env`);
const byName = (name: string): FixtureTarget => targets.find((t) => t.name === name)!;

beforeAll(async () => {
  root = tempDir("envsync-ws-cmds-");
  // a00, a01 declared in the root envsync.yaml; services/s02, services/s03 with their own.
  targets = writeWorkspace(
    root,
    4,
    (t, e) =>
      `file:${t.dir
        .split("/")
        .map(() => "..")
        .join("/")}/remotes/${t.name.replace("/", "-")}-${e}.env`,
    (t, e) => {
      const s = canary(`${t.name.replace("/", "_")}_${e}`);
      secrets.set(`${t.name}/${e}`, s);
      return { TOKEN: s, [`ONLY_${e.toUpperCase()}`]: "1" };
    },
  );
  const r = await cli(root, ["sync", "--all"]);
  expect(r.code, r.stderr).toBe(0);
});

describe("single-target commands in a workspace", () => {
  it("--target NAME works on that target as if run in its folder (export, run, history)", async () => {
    const a01 = byName("a01");
    for (const args of [
      ["export", "-e", "dev"],
      ["export", "-e", "prod", "--format", "json"],
      ["history", "-e", "staging"],
    ]) {
      const here = await cli(join(root, a01.dir), args);
      const there = await cli(root, [...args, "--target", "a01"]);
      expect(here.code, here.stderr).toBe(0);
      expect(there.code, there.stderr).toBe(0);
      expect(there.stdout).toBe(here.stdout);
    }
    const exported = await cli(root, ["export", "--target", "services/s03", "-e", "staging"]);
    expect(parse(exported.stdout)).toEqual({
      TOKEN: secrets.get("services/s03/staging"),
      ONLY_STAGING: "1",
    });
    const run = await cli(root, [
      "run",
      "--target",
      "a00",
      "-e",
      "prod",
      "--",
      process.execPath,
      "-e",
      "process.stdout.write(process.env.TOKEN)",
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe(secrets.get("a00/prod"));
    // run --watch too: the target's remote, and the child's own exit code.
    const watch = await cli(root, [
      "run",
      "--watch",
      "--target",
      "services/s02",
      "-e",
      "dev",
      "--",
      process.execPath,
      "-e",
      "process.stdout.write(process.env.TOKEN); process.exit(7)",
    ]);
    expect(watch.code, watch.stderr).toBe(7);
    expect(watch.stdout).toBe(secrets.get("services/s02/dev"));
    expect(watch.stderr).toContain("watching file:../../remotes/services-s02-dev.env");
  });

  it("rollback and copy take --target; adopt --target reaches the target's remote", async () => {
    const a00 = byName("a00");
    const before = readFileSync(remotePath(a00, "dev"), "utf8");
    const h = await cli(root, ["history", "--target", "a00", "-e", "dev", "--json"]);
    expect(h.code, h.stderr).toBe(0);
    const first = (JSON.parse(h.stdout) as { versions: { id: string }[] }).versions[0]!.id;
    // A teammate's change, synced; then rolled back from the root with --target.
    writeFileSync(join(root, a00.dir, ".env"), `TOKEN=${canary("a00_dev_v2")}\n`);
    expect((await cli(root, ["push", "--target", "a00", "-e", "dev", "--yes"])).code).toBe(0);
    expect(readFileSync(remotePath(a00, "dev"), "utf8")).not.toBe(before);
    const rb = await cli(root, [
      "rollback",
      "--target",
      "a00",
      "-e",
      "dev",
      "--to",
      first,
      "--yes",
    ]);
    expect(rb.code, rb.stderr).toBe(0);
    expect(parse(readFileSync(remotePath(a00, "dev"), "utf8"))).toEqual(parse(before));
    // copy: relative file: URIs are relative to the target's folder.
    const cp = await cli(root, [
      "copy",
      "--target",
      "a00",
      "file:../../remotes/a00-prod.env",
      "file:../../remotes/a00-copy.env",
    ]);
    expect(cp.code, cp.stderr).toBe(0);
    expect(parse(readFileSync(join(root, "remotes", "a00-copy.env"), "utf8"))).toEqual({
      TOKEN: secrets.get("a00/prod"),
      ONLY_PROD: "1",
    });
    // adopt: the target's remote is found (a file: remote has nothing to adopt: exit 2 naming it).
    const ad = await cli(root, ["adopt", "--target", "a00", "-e", "dev"]);
    expect(ad.code).toBe(2);
    expect(ad.stderr).toContain("a00-dev.env has no entries envsync could adopt");
  });

  it("run, rollback and copy refuse --all and a selector of several targets (exit 2, naming --target)", async () => {
    for (const args of [
      ["run", "--all", "--", process.execPath, "-e", ""],
      ["rollback", "--all", "--to", "abc"],
      ["copy", "--all", "file:a.env", "file:b.env"],
    ]) {
      const r = await cli(root, args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`${args[0]} works on one target.*--target NAME`));
    }
    const many = await cli(root, ["run", "--target", "a0*", "--", process.execPath, "-e", ""]);
    expect(many.code).toBe(2);
    expect(many.stderr).toContain("--target a0* matches 2 targets (a00, a01)");
    const none = await cli(root, ["history", "--target", "nope"]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("--target nope matches no target.");
    expect(existsSync(join(root, "remotes", "b.env"))).toBe(false);
  });

  it("export --all: a block per target with a header comment, --format json keyed by target, --json rows", async () => {
    const dot = await cli(root, ["export", "--all", "-e", "staging"]);
    expect(dot.code, dot.stderr).toBe(0);
    const blocks = dot.stdout.split(/\n(?=# target: )/);
    expect(blocks.map((b) => b.split("\n")[0])).toEqual(
      targets.map((t) => expect.stringMatching(new RegExp(`^# target: ${t.name} \\(staging, `))),
    );
    for (const [i, t] of targets.entries())
      expect(parse(blocks[i]!)).toEqual({
        TOKEN: secrets.get(`${t.name}/staging`),
        ONLY_STAGING: "1",
      });
    const json = await cli(root, ["export", "--all", "-e", "prod", "--format", "json"]);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual(
      Object.fromEntries(
        targets.map((t) => [t.name, { TOKEN: secrets.get(`${t.name}/prod`), ONLY_PROD: "1" }]),
      ),
    );
    const yaml = await cli(root, ["export", "--all", "-e", "dev", "--format", "yaml"]);
    expect(yaml.code, yaml.stderr).toBe(0);
    expect(parseYaml(yaml.stdout)).toEqual(
      Object.fromEntries(
        targets.map((t) => [t.name, { TOKEN: secrets.get(`${t.name}/dev`), ONLY_DEV: "1" }]),
      ),
    );
    const rows = await cli(root, ["export", "--all", "-e", "dev", "--json"]);
    expect(rows.code, rows.stderr).toBe(0);
    const parsed = JSON.parse(rows.stdout) as Row[];
    expect(parsed.map((r) => [r.target, r.env, r.exitCode])).toEqual(
      targets.map((t) => [t.name, "dev", 0]),
    );
    expect((parsed[0]!.result as { keys: string[] }).keys).toEqual(["ONLY_DEV", "TOKEN"]);
  });

  it("export --all: a failing target is a stderr line and the run's exit code; the others are printed", async () => {
    const s02 = byName("services/s02");
    const own = readFileSync(join(root, s02.dir, "envsync.yaml"), "utf8");
    writeFileSync(
      join(root, s02.dir, "envsync.yaml"),
      'environments:\n  staging: { file: .env.staging, remote: "file:../../remotes/gone.env" }\n',
    );
    try {
      const r = await cli(root, ["export", "--all", "-e", "staging"]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^services\/s02\/staging: error \[NOT_FOUND\]/m);
      expect(r.stdout).not.toContain("# target: services/s02");
      expect(r.stdout.match(/^# target: /gm)).toHaveLength(targets.length - 1);
      // One $GITHUB_ENV file cannot hold several targets' keys apart: refused.
      const gh = await cli(root, ["export", "--all", "--format", "github-env"]);
      expect(gh.code).toBe(2);
      expect(gh.stderr).toContain("--format github-env");
    } finally {
      writeFileSync(join(root, s02.dir, "envsync.yaml"), own);
    }
  });

  it("history --all: each target's versions under its name, then the table", async () => {
    const r = await cli(root, ["history", "--all", "-e", "prod"]);
    expect(r.code, r.stderr).toBe(0);
    expect(
      r.stdout.match(/^history of file:\S+-prod\.env \(\S+\/prod; newest first\)$/gm),
    ).toHaveLength(targets.length);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines.at(-1)).toBe(
      `${targets.length} run(s) over ${targets.length} target(s): ${targets.length} exit 0, 0 not; exit 0`,
    );
    for (const t of targets)
      expect(r.stdout).toMatch(
        new RegExp(`^${t.name.replace("/", "\\/")}\\s+prod\\s+1 version`, "m"),
      );
    const adopt = await cli(root, ["adopt", "--all", "-e", "dev"]);
    expect(adopt.code).toBe(2);
    expect(
      adopt.stderr.match(/: error \[USAGE\] .* has no entries envsync could adopt/g),
    ).toHaveLength(targets.length);
  });
});
