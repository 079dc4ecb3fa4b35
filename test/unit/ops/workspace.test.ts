import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { configForCwd, loadConfig, parseConfig } from "../../../src/config/config.js";
import { EnvsyncError } from "../../../src/errors.js";
import {
  findConfigFiles,
  globToRegExp,
  listTargets,
  runTargets,
  worstExit,
} from "../../../src/ops/workspace.js";

const tree = (files: Record<string, string>): string => {
  const root = mkdtempSync(join(tmpdir(), "envsync-ws-"));
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), text);
  }
  return root;
};
const app = (remote: string, envs = ["dev"]): string =>
  `environments:\n${envs.map((e) => `  ${e}: { remote: "file:${remote}-${e}.env" }\n`).join("")}`;

describe("worstExit", () => {
  it.each([
    [[], 0],
    [[0, 0], 0],
    [[0, 3], 3],
    [[3, 4], 4],
    [[4, 5], 5],
    [[5, 2], 2],
    [[3, 2, 0], 2],
    [[2, 1, 3], 1],
    [[1, 130], 130],
  ])("%j → %i", (codes, worst) => expect(worstExit(codes)).toBe(worst));
});

describe("globToRegExp", () => {
  it.each([
    ["api", "api", true],
    ["api", "api2", false],
    ["a*", "api", true],
    ["services/*", "services/billing", true],
    ["services/*", "services/a/b", false],
    ["services/**", "services/a/b", true],
    ["ap?", "api", true],
    ["a.i", "api", false],
  ])("%s matches %s: %s", (glob, name, ok) => expect(globToRegExp(glob).test(name)).toBe(ok));
});

describe("targets in envsync.yaml", () => {
  const ws = `targets:\n  api:\n    dir: apps/api\n    default: dev\n    environments:\n      dev: { remote: "file:a.env" }\n`;

  it("parses targets with their folder and environments", () => {
    const c = parseConfig(ws, "envsync.yaml");
    expect(c.targets?.api?.dir).toBe("apps/api");
    expect(c.environments).toEqual({});
  });

  it.each([
    [
      `targets:\n  api:\n    dir: x\n    colour: red\n    environments: {}\n`,
      /:4: targets\.api\.colour: unknown key/,
    ],
    [`targets:\n  api:\n    environments: {}\n`, /targets\.api\.dir/],
    [
      `targets:\n  api:\n    dir: x\n    default: prod\n    environments: {}\n`,
      /targets\.api\.default: "prod"/,
    ],
  ])("refuses %j with exit 2 and the key's path", (text, msg) => {
    const err = (() => {
      try {
        parseConfig(text, "envsync.yaml");
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(EnvsyncError);
    expect((err as EnvsyncError).exitCode).toBe(2);
    expect((err as EnvsyncError).message).toMatch(msg);
  });

  it("a folder inside a target works with that target's environments, rooted at its folder", () => {
    const root = tree({ "envsync.yaml": ws, "apps/api/src/x": "" });
    const loaded = loadConfig(root);
    const here = configForCwd(loaded, join(root, "apps/api/src"));
    expect(here?.root).toBe(join(root, "apps/api"));
    expect(here?.config.default).toBe("dev");
    expect(configForCwd(loaded, root)).toBe(loaded);
  });
});

describe("listTargets", () => {
  const files = {
    "envsync.yaml": `targets:\n  api:\n    dir: apps/api\n    environments:\n      dev: { remote: "file:a.env" }\n`,
    "apps/api/envsync.yaml": app("dup"), // the declared target wins
    "apps/web/envsync.yaml": app("web"),
    "services/billing/envsync.yaml": app("bill"),
    "build/envsync.yaml": app("build"),
    "node_modules/pkg/envsync.yaml": app("nm"),
    ".gitignore": "build/\n",
  };

  it("declared and found targets, .gitignore respected, without git", async () => {
    const root = tree(files);
    const names = (await listTargets({ all: true, cwd: root })).map((t) => t.name);
    expect(names).toEqual(["api", "apps/web", "services/billing"]);
  });

  it("without git, wildcard patterns of a nested .gitignore are respected too", async () => {
    const root = tree({
      "apps/x/envsync.yaml": app("x"),
      "apps/tmp-1/envsync.yaml": app("t"),
      "apps/keep-tmp/envsync.yaml": app("k"),
      "apps/.gitignore": "tmp-*/\n*-tmp/\n!keep-tmp/\n",
    });
    expect(await findConfigFiles(root)).toEqual([
      "apps/keep-tmp/envsync.yaml",
      "apps/x/envsync.yaml",
    ]);
  });

  it("in a git repository, from git ls-files (ignored and untracked-ignored files left out)", async () => {
    const root = tree({ ...files, ".gitignore": "build/\nnode_modules/\nservices/*/\n" });
    execFileSync("git", ["init", "-q", root]);
    expect(await findConfigFiles(root)).toEqual([
      "apps/api/envsync.yaml",
      "apps/web/envsync.yaml",
      "envsync.yaml",
    ]);
    const names = (await listTargets({ all: true, cwd: join(root, "apps") })).map((t) => t.name);
    expect(names).toEqual(["api", "apps/web"]);
  });

  it("--target picks by name or glob; a selector matching nothing is exit 2 naming the targets", async () => {
    const root = tree(files);
    const pick = async (select: string): Promise<string[]> =>
      (await listTargets({ select, cwd: root })).map((t) => t.name);
    expect(await pick("api")).toEqual(["api"]);
    expect(await pick("apps/*,services/**")).toEqual(["apps/web", "services/billing"]);
    await expect(pick("nope")).rejects.toThrow(/--target nope matches no target/);
    await expect(pick("nope")).rejects.toMatchObject({
      exitCode: 2,
      hint: expect.stringMatching(/api, apps\/web/),
    });
  });

  it("each target is rooted at its own folder (its own base and lock)", async () => {
    const root = tree(files);
    const ts = await listTargets({ all: true, cwd: root });
    expect(ts.map((t) => t.config.root)).toEqual([
      join(root, "apps/api"),
      join(root, "apps/web"),
      join(root, "services/billing"),
    ]);
  });
});

describe("runTargets", () => {
  it("a failing row keeps its exit code and the others complete", async () => {
    const root = tree({
      "a/envsync.yaml": app("a", ["dev", "prod"]),
      "b/envsync.yaml": app("b", ["dev", "prod"]),
    });
    const ts = await listTargets({ all: true, cwd: root });
    const seen: string[] = [];
    const rows = await runTargets(ts, { concurrency: 2 }, (t, env) => {
      seen.push(`${t.name}/${env}`);
      if (t.name === "a" && env === "dev")
        return Promise.reject(new EnvsyncError("PARSE", "bad line"));
      return Promise.resolve({ exitCode: 0, result: "ok" });
    });
    expect(seen.sort()).toEqual(["a/dev", "a/prod", "b/dev", "b/prod"]);
    expect(rows.map((r) => [r.target, r.env, r.exitCode])).toEqual([
      ["a", "dev", 2],
      ["a", "prod", 0],
      ["b", "dev", 0],
      ["b", "prod", 0],
    ]);
    expect(rows[0]!.error).toMatchObject({ code: "PARSE", message: "bad line" });
  });

  it("-e runs one environment; none of the targets having it is exit 2", async () => {
    const root = tree({ "a/envsync.yaml": app("a", ["dev", "prod"]), "b/envsync.yaml": app("b") });
    const ts = await listTargets({ all: true, cwd: root });
    const rows = await runTargets(ts, { env: "prod", concurrency: 4 }, () =>
      Promise.resolve({ exitCode: 0, result: null }),
    );
    expect(rows.map((r) => `${r.target}/${r.env}`)).toEqual(["a/prod"]);
    await expect(
      runTargets(ts, { env: "qa", concurrency: 4 }, () =>
        Promise.resolve({ exitCode: 0, result: null }),
      ),
    ).rejects.toMatchObject({ exitCode: 2 });
  });
});

describe("listTargets refuses", () => {
  it("two declared targets in one folder (they would share a base and lock)", async () => {
    const root = mkdtempSync(join(tmpdir(), "envsync-ws-"));
    writeFileSync(
      join(root, "envsync.yaml"),
      `targets:\n  a: { dir: app, environments: { dev: { remote: "file:a" } } }\n  b: { dir: ./app/, environments: { dev: { remote: "file:b" } } }\n`,
    );
    await expect(listTargets({ all: true, cwd: root })).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(/targets a and b have the same folder/),
    });
  });
});
