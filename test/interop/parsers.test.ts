/**
 * The differential test of the `.env` files envsync writes: awkward values pulled
 * from a remote (`envsync pull` on the built CLI) are read back by every real parser
 * — envsync, dotenv (npm), dotenvx 2.x (its CLI), python-dotenv (PyPI) and docker
 * compose's compose-go dotenv (Go) — installed by the project's own scripts
 * (test/harness/tools/). It prints the table value × parser (docs/DOTENV.md has it)
 * and requires: envsync reads every value exactly; every other parser reads exactly
 * what the writer's model (src/dotenv/quote.ts) says it reads, so the warnings and
 * the documented table are true; no command in a value ever runs; the pull warns on
 * stderr for each value some parser cannot read literally, naming the key only.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse as envsyncParse } from "../../src/dotenv/index.js";
import { chooseQuoting, READERS, type Reader } from "../../src/dotenv/quote.js";
import { composeDotenvPath, pythonTools } from "../harness/tools/index.js";
import { runCli, tempDir } from "../e2e/helpers.js";
import { AWKWARD_VALUES } from "./awkward-values.js";

const require = createRequire(import.meta.url);
const dotenv = require("dotenv") as { parse(src: string): Record<string, string> };
const DOTENVX = resolve("node_modules/.bin/dotenvx");

let python: string;
let compose: string;

beforeAll(async () => {
  python = (await pythonTools()).python;
  compose = await composeDotenvPath();
}, 600_000);

/** The environment every parser runs in: names the values refer to are set, so expansion shows. */
function parserEnv(dir: string): NodeJS.ProcessEnv {
  return { ...process.env, HOME: dir, VAR: "expanded", NO_COLOR: "1" };
}

function runJson(cmd: string, args: string[], dir: string): Record<string, string> {
  const r = spawnSync(cmd, args, { cwd: dir, env: parserEnv(dir), encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, string>;
}

/** Each real parser's reading of `file`. */
function readAll(file: string, dir: string): Record<Reader, Record<string, string>> {
  const text = readFileSync(file, "utf8");
  return {
    envsync: envsyncParse(text),
    dotenv: dotenv.parse(text),
    dotenvx: runJson(DOTENVX, ["get", "-f", file, "--format", "json"], dir),
    "python-dotenv": runJson(
      python,
      [
        "-c",
        "import json, sys\nfrom dotenv import dotenv_values\nsys.stdout.write(json.dumps(dotenv_values(sys.argv[1])))",
        file,
      ],
      dir,
    ),
    "docker compose": runJson(compose, [file], dir),
  };
}

const keyOf = (i: number): string => `K${String(i + 1).padStart(2, "0")}`;

describe("values every parser reads back literally", () => {
  it("pull writes each awkward value so that the real parsers read it as the model says", async () => {
    const dir = tempDir("envsync-parsers-");
    const marker = join(dir, "pwned");
    const values: [string, string, string][] = AWKWARD_VALUES.map(([label, v], i) => [
      keyOf(i),
      label,
      v,
    ]);
    // A command that leaves a trace if any parser runs it.
    values.push([keyOf(values.length), "$(touch …)", `$(touch ${marker})`]);
    values.push([keyOf(values.length), "`touch …`", `\`touch ${marker}\``]);
    expect(values.length).toBeGreaterThanOrEqual(40);
    writeFileSync(
      join(dir, "remote.json"),
      JSON.stringify(Object.fromEntries(values.map(([k, , v]) => [k, v]))),
    );
    const pull = await runCli(["pull", "-r", "file:remote.json", "--yes"], { cwd: dir });
    expect(pull.code, pull.stderr).toBe(0);

    const read = readAll(join(dir, ".env"), dir);
    expect(existsSync(marker), "a parser ran a command from a value").toBe(false);

    const table: string[] = [`| value | ${READERS.join(" | ")} |`, `|---|${"---|".repeat(5)}`];
    const mismatches: string[] = [];
    for (const [key, label, value] of values) {
      const expected = chooseQuoting(value).differs;
      const cells = READERS.map((r) => {
        const ok = read[r][key] === value;
        const predicted = !expected.includes(r);
        if (ok !== predicted) {
          mismatches.push(
            `${label} (${key}) in ${r}: model says ${predicted ? "ok" : "different"}, parser gives ${JSON.stringify(read[r][key])}`,
          );
        }
        return ok ? "ok" : "different";
      });
      table.push(`| ${label.replace(/\|/g, "\\|")} | ${cells.join(" | ")} |`);
      // The warning names the key and the parsers, never the value.
      if (expected.length > 0) {
        expect(pull.stderr).toMatch(
          new RegExp(`${expected.join(", ")} will not read the value of ${key} `),
        );
      }
    }
    console.log(table.join("\n"));
    expect(mismatches).toEqual([]);
    for (const [key, , value] of values) {
      expect(read.envsync[key], key).toBe(value);
      if (value.length >= 4) expect(pull.stderr).not.toContain(value);
    }
  });

  it("a value that would run as a command in every quoting stops the pull, naming the key", async () => {
    const dir = tempDir("envsync-parsers-");
    writeFileSync(join(dir, ".env"), "KEEP=1\n");
    writeFileSync(
      join(dir, "remote.json"),
      JSON.stringify({ SAFE: "ok", EVIL: "it's $(touch pwned)" }),
    );
    const pull = await runCli(["pull", "-r", "file:remote.json", "--yes"], { cwd: dir });
    expect(pull.code).toBe(2);
    expect(pull.stderr).toContain("UNSAFE_VALUE");
    expect(pull.stderr).toContain("EVIL");
    expect(pull.stderr).not.toContain("touch");
    expect(readFileSync(join(dir, ".env"), "utf8")).toBe("KEEP=1\n");
  });

  it("$HOME from a remote does not expand under compose, $(…) does not run under dotenvx", async () => {
    const dir = tempDir("envsync-parsers-");
    writeFileSync(
      join(dir, "remote.json"),
      JSON.stringify({ HOMEREF: "$HOME/x", CMD: "$(echo pwned)" }),
    );
    const pull = await runCli(["pull", "-r", "file:remote.json", "--yes"], { cwd: dir });
    expect(pull.code, pull.stderr).toBe(0);
    const read = readAll(join(dir, ".env"), dir);
    expect(read["docker compose"].HOMEREF).toBe("$HOME/x");
    expect(read.dotenvx.CMD).toBe("$(echo pwned)");
    expect(read.dotenvx.HOMEREF).toBe("$HOME/x");
  });
});
