/**
 * The JSON Schema of envsync.yaml (dist/envsync.schema.json, written by the build from
 * the zod schema): it is the schema src/config/json-schema.ts generates, the package
 * ships it, `envsync init` references it from the config it writes, and a JSON Schema
 * validator (ajv) agrees with envsync's own validation on valid and invalid samples.
 */
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv } from "ajv";
import { parse as parseYaml } from "yaml";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/config.js";
import { configJsonSchema, SCHEMA_FILE } from "../../src/config/json-schema.js";
import { runCli, tempDir } from "./helpers.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const shipped = (): Record<string, unknown> =>
  JSON.parse(readFileSync(join(root, SCHEMA_FILE), "utf8")) as Record<string, unknown>;

/** Samples: [yaml, valid?]. */
const SAMPLES: [string, boolean][] = [
  ["environments:\n  dev:\n    remote: file:x.env\n", true],
  [
    "default: prod\nconcurrency: 8\nretries: 0\ntimeout: 500\nretry-budget: 0\nenvironments:\n  dev:\n    file: .env\n    remote: aws-sm://app/dev?region=eu-west-1\n    on-conflict: fail\n    prune: true\n    expand: false\n    example: .env.example\n  prod:\n    remote: gcp-sm://p/s\n",
    true,
  ],
  ["environments: {}\n", true],
  ["{}\n", false], // environments is required
  ["environments:\n  dev:\n    file: .env\n", false], // remote is required
  ["environments:\n  dev:\n    remote: file:x\n    colour: red\n", false], // unknown key
  ["environments:\n  dev:\n    remote: file:x\nextra: 1\n", false], // unknown top-level key
  ["environments:\n  dev:\n    remote: file:x\n    on-conflict: maybe\n", false],
  ["environments:\n  dev:\n    remote: file:x\n    prune: yes-please\n", false],
  ["environments:\n  dev:\n    remote: ''\n", false], // empty remote
  ["environments:\n  dev:\n    remote: file:x\n    example: ''\n", false],
  ["concurrency: 0\nenvironments:\n  dev:\n    remote: file:x\n", false],
  ["concurrency: 257\nenvironments:\n  dev:\n    remote: file:x\n", false],
  ["retries: 1.5\nenvironments:\n  dev:\n    remote: file:x\n", false],
  ["timeout: '500'\nenvironments:\n  dev:\n    remote: file:x\n", false],
];

function zodAccepts(text: string): boolean {
  try {
    parseConfig(text, "envsync.yaml");
    return true;
  } catch {
    return false;
  }
}

describe("JSON Schema of envsync.yaml", () => {
  it("the build shipped the schema generated from the zod schema, and the package lists it", () => {
    expect(shipped()).toEqual(configJsonSchema());
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { files: string[] };
    expect(pkg.files).toContain(SCHEMA_FILE);
  });

  it.each(SAMPLES)("ajv and envsync agree on sample %#", (text, valid) => {
    const validate = new Ajv({ strict: false }).compile(shipped());
    expect(zodAccepts(text), text).toBe(valid);
    expect(validate(parseYaml(text)), text).toBe(valid);
  });

  it("init in a project without envsync in node_modules references the published schema of this version", async () => {
    const dir = tempDir("envsync-schema-");
    const r = await runCli(["init", "--remote", "file:../team.env"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const text = readFileSync(join(dir, "envsync.yaml"), "utf8");
    const ref = /^# yaml-language-server: \$schema=(.+)$/m.exec(text)?.[1];
    const validate = new Ajv({ strict: false }).compile(shipped());
    expect(validate(parseYaml(text))).toBe(true);
    expect(zodAccepts(text)).toBe(true);
    // Not a path of this machine (the CLI under test lives outside the project; the
    // binary has no file on disk): the URL the package registry's CDN serves the file at.
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
      name: string;
      version: string;
      files: string[];
    };
    expect(ref).toBe(`https://cdn.jsdelivr.net/npm/${pkg.name}@${pkg.version}/${SCHEMA_FILE}`);
    expect(pkg.files).toContain(SCHEMA_FILE);
  });

  it("init below a node_modules/envsync (the app's or a monorepo root's) references it by a relative path", async () => {
    const project = tempDir("envsync-schema-nm-");
    const installed = join(project, "node_modules", "envsync", SCHEMA_FILE);
    mkdirSync(dirname(installed), { recursive: true });
    copyFileSync(join(root, SCHEMA_FILE), installed);
    for (const [sub, expected] of [
      [".", `./node_modules/envsync/${SCHEMA_FILE}`],
      ["apps/api", `../../node_modules/envsync/${SCHEMA_FILE}`],
    ] as const) {
      const dir = join(project, sub);
      mkdirSync(dir, { recursive: true });
      const r = await runCli(["init", "--remote", "file:../team.env"], { cwd: dir });
      expect(r.code, r.stderr).toBe(0);
      const text = readFileSync(join(dir, "envsync.yaml"), "utf8");
      const ref = /^# yaml-language-server: \$schema=(.+)$/m.exec(text)?.[1];
      expect(ref).toBe(expected);
      // The reference resolves (as the YAML language server does: from the file's folder).
      expect(JSON.parse(readFileSync(resolve(dir, ref!), "utf8"))).toEqual(shipped());
    }
  });
});
