/**
 * End to end on the built binary, `file:` store: a workspace of 50 targets × 3
 * environments (test/e2e/workspace-fixture.ts) synced, checked and compared with one
 * command each; a target with a malformed .env fails with its own exit code while every
 * other one completes. Canary values must never reach stdout or stderr.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "../../src/dotenv/index.js";
import { canary, runCli, tempDir, type CliResult } from "./helpers.js";
import {
  ENVS,
  localFile,
  writeWorkspace,
  type FixtureTarget,
  type Row,
} from "./workspace-fixture.js";

const N = 50;
const BROKEN = "services/s37";
let root: string;
let targets: FixtureTarget[];
const secrets = new Map<string, string>();

const cli = (cwd: string, args: string[]): Promise<CliResult> => runCli(args, { cwd });
const rowsOf = (r: CliResult): Row[] => JSON.parse(r.stdout) as Row[];
const remotePath = (t: FixtureTarget, env: string): string =>
  join(root, "remotes", `${t.name.replace("/", "-")}-${env}.env`);

beforeAll(() => {
  root = tempDir("envsync-ws-e2e-");
  targets = writeWorkspace(
    root,
    N,
    (t, e) =>
      `file:${t.dir
        .split("/")
        .map(() => "..")
        .join("/")}/remotes/${t.name.replace("/", "-")}-${e}.env`,
    (t, e) => {
      const s = canary(`${t.name.replace("/", "_")}_${e}`);
      secrets.set(`${t.name}/${e}`, s);
      // SHARED is the same in every environment, TOKEN differs, ONLY_<ENV> exists in one.
      return { SHARED: "same", TOKEN: s, [`ONLY_${e.toUpperCase()}`]: "1" };
    },
  );
  writeFileSync(join(root, BROKEN, localFile("staging")), 'OK=1\nBROKEN="unterminated\n');
});

describe("a workspace of 50 targets × 3 environments on the file: store", () => {
  it("sync --all syncs every target and environment; the malformed one exits 2 and is the run's exit code", async () => {
    const r = await cli(root, ["sync", "--all"]);
    expect(r.code, r.stderr).toBe(2);
    // One table: a header, a row per target × environment, a summary line.
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(1 + N * ENVS.length + 1);
    expect(lines[0]).toMatch(/^TARGET\s+ENV\s+RESULT\s+EXIT$/);
    expect(lines.at(-1)).toBe(
      `${N * 3} run(s) over ${N} target(s): ${N * 3 - 1} exit 0, 1 not; exit 2`,
    );
    expect(lines.slice(1, -1).filter((l) => /\s2$/.test(l))).toEqual([
      expect.stringMatching(new RegExp(`^${BROKEN}\\s+staging\\s+error \\[PARSE\\]\\s+2$`)),
    ]);
    // The per-target line names the file and line.
    expect(r.stderr).toContain(`${BROKEN}/staging: error [PARSE] .env.staging:2:`);
    for (const t of targets)
      for (const e of ENVS) {
        const broken = t.name === BROKEN && e === "staging";
        expect(existsSync(remotePath(t, e)), `${t.name}/${e}`).toBe(!broken);
        if (!broken)
          expect(parse(readFileSync(remotePath(t, e), "utf8"))).toEqual({
            SHARED: "same",
            TOKEN: secrets.get(`${t.name}/${e}`),
            [`ONLY_${e.toUpperCase()}`]: "1",
          });
      }
    // Each target keeps its own base in its own folder; the root has none.
    for (const t of targets)
      expect(existsSync(join(root, t.dir, ".envsync", "state.json"))).toBe(true);
    expect(existsSync(join(root, ".envsync"))).toBe(false);
  });

  it("check --all --json: one array, a row per target × environment with its exit code", async () => {
    const r = await cli(root, ["check", "--all", "--json"]);
    expect(r.code).toBe(2);
    const rows = rowsOf(r);
    expect(rows).toHaveLength(N * 3);
    expect(
      rows.filter((x) => !x.ok).map((x) => [x.target, x.env, x.exitCode, x.error?.code]),
    ).toEqual([[BROKEN, "staging", 2, "PARSE"]]);
    expect(rows.find((x) => x.target === "a00" && x.env === "prod")?.result).toMatchObject({
      inAgreement: true,
    });
  });

  it("--target and -e choose rows; after a fix the target syncs and check --all is 0", async () => {
    writeFileSync(join(root, BROKEN, localFile("staging")), "OK=1\n");
    const before = await cli(root, ["check", "--target", "services/s3*", "--json"]);
    expect(before.code).toBe(3);
    const rows = rowsOf(before);
    expect(new Set(rows.map((x) => x.target))).toEqual(
      new Set([
        "services/s30",
        "services/s31",
        "services/s32",
        "services/s33",
        "services/s34",
        "services/s35",
        "services/s36",
        "services/s37",
        "services/s38",
        "services/s39",
      ]),
    );
    expect(rows.filter((x) => x.exitCode !== 0).map((x) => `${x.target}/${x.env}`)).toEqual([
      `${BROKEN}/staging`,
    ]);
    const one = await cli(root, ["sync", "--target", BROKEN, "-e", "staging"]);
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toMatch(/1 run\(s\) over 1 target\(s\)/);
    const after = await cli(root, ["check", "--all"]);
    expect(after.code, after.stdout + after.stderr).toBe(0);
  });

  it("a change made in one target's folder is synced there only, and a plain command in a declared target's folder uses that target", async () => {
    const t = targets.find((x) => x.name === "a05")!;
    writeFileSync(
      join(root, t.dir, ".env"),
      `${readFileSync(join(root, t.dir, ".env"), "utf8")}ADDED=yes\n`,
    );
    const check = await cli(join(root, t.dir), ["check", "-e", "dev"]);
    expect(check.code).toBe(3);
    const r = await cli(root, ["sync", "--all", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const changed = rowsOf(r).filter((x) => (x.result?.plan as unknown[]).length > 0);
    expect(changed.map((x) => [x.target, x.env, x.result?.plan])).toEqual([
      ["a05", "dev", [expect.objectContaining({ key: "ADDED", action: "push-add" })]],
    ]);
  });

  it("doctor --all checks every target × environment; in a declared target's folder it sees that target", async () => {
    const r = await cli(root, ["doctor", "--all", "--offline", "--json"]);
    expect(r.code, r.stdout).toBe(0);
    expect(rowsOf(r)).toHaveLength(N * 3);
    const one = await cli(join(root, "apps/a03"), ["doctor", "--offline", "-e", "staging"]);
    expect(one.code, one.stdout).toBe(0);
    expect(one.stdout).toMatch(/envsync\.yaml is valid \(3 environment\(s\)\)/);
  });

  it("flags naming one file or remote are refused with --all (exit 2)", async () => {
    const r = await cli(root, ["sync", "--all", "--remote", "file:x.env"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--remote cannot be used with --all/);
    const none = await cli(root, ["sync"]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/is a workspace .*--all or --target/s);
  });
});

describe("compare on the file: store", () => {
  it("compare A B lists keys missing on either side and equal/different ones, exit 3, never values", async () => {
    const t = targets.find((x) => x.name === "services/s40")!;
    const r = await cli(join(root, t.dir), ["compare", "dev", "prod"]);
    expect(r.code).toBe(3);
    const body = r.stdout.split("\n").map((l) => l.trim().split(/\s+/));
    expect(body).toContainEqual(["ONLY_DEV", "a", "-", "only", "in", "dev"]);
    expect(body).toContainEqual(["ONLY_PROD", "-", "a", "only", "in", "prod"]);
    expect(body).toContainEqual(["SHARED", "a", "a", "equal"]);
    expect(body).toContainEqual(["TOKEN", "a", "b", "different"]);
    // Equal remotes: exit 0.
    const same = await cli(join(root, t.dir), [
      "compare",
      "dev",
      `file:../../remotes/services-s40-dev.env`,
    ]);
    expect(same.code, same.stderr).toBe(0);
    expect(same.stdout).toMatch(/3 keys: 3 equal, 0 different, 0 missing/);
    // The same keys with other values: 3, but 0 with --keys-only.
    const other = ["compare", "dev", "file:../../remotes/services-s41-dev.env"];
    expect((await cli(join(root, t.dir), other)).code).toBe(3);
    const keysOnly = await cli(join(root, t.dir), [...other, "--keys-only"]);
    expect(keysOnly.code, keysOnly.stdout).toBe(0);
  });

  it("compare --all --json: a matrix of each target's environments", async () => {
    const r = await cli(root, ["compare", "--all", "--json"]);
    expect(r.code).toBe(3);
    const rows = rowsOf(r);
    expect(rows).toHaveLength(N);
    const a00 = rows.find((x) => x.target === "a00")!.result as {
      sides: string[];
      keys: { key: string; status: string; classes: Record<string, number | null> }[];
    };
    expect(a00.sides).toEqual(["dev", "staging", "prod"]);
    expect(a00.keys.find((k) => k.key === "TOKEN")).toMatchObject({
      status: "different",
      classes: { dev: 0, staging: 1, prod: 2 },
    });
    expect(a00.keys.find((k) => k.key === "ONLY_STAGING")).toMatchObject({
      status: "missing",
      classes: { dev: null, staging: 0, prod: null },
    });
    // No value and no plain digest of one anywhere in the output.
    const { createHash } = await import("node:crypto");
    for (const s of secrets.values()) {
      expect(r.stdout).not.toContain(s);
      expect(r.stdout).not.toContain(createHash("sha256").update(s).digest("hex"));
      expect(r.stdout).not.toContain(createHash("sha256").update(s).digest("base64"));
    }
  });
});

describe("the worst row decides the exit code", () => {
  it("a runtime failure (1) outranks an input error (2); the healthy target still syncs", async () => {
    const dir = tempDir("envsync-ws-worst-");
    const cfg = (remote: string): string => `environments:\n  dev: { remote: "${remote}" }\n`;
    const files: Record<string, string> = {
      "bad-input/envsync.yaml": cfg("file:r.env"),
      "bad-input/.env": "X='open\n",
      "bad-remote/envsync.yaml": cfg("file:blocker/r.env"),
      "bad-remote/blocker": "a file where a folder should be\n",
      "bad-remote/.env": "Y=1\n",
      "good/envsync.yaml": cfg("file:r.env"),
      "good/.env": "Z=1\n",
    };
    for (const [p, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, p)), { recursive: true });
      writeFileSync(join(dir, p), text);
    }
    const r = await cli(dir, ["sync", "--all", "--json"]);
    expect(r.code, r.stdout).toBe(1);
    expect(rowsOf(r).map((x) => [x.target, x.exitCode])).toEqual([
      ["bad-input", 2],
      ["bad-remote", 1],
      ["good", 0],
    ]);
    expect(readFileSync(join(dir, "good/r.env"), "utf8")).toBe("Z=1\n");
    expect(existsSync(join(dir, "bad-input/r.env"))).toBe(false);
  });
});
