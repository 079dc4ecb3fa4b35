/**
 * dotenvx agrees with envsync on dotenvx-encrypted files, with the real dotenvx 2.x
 * CLI (npm devDependency): files envsync writes (`envsync copy` into `dotenvx:PATH`)
 * are decrypted by `dotenvx get` to exactly the values written, awkward values
 * included; files `dotenvx set` writes are read by envsync exactly; `dotenvx encrypt`
 * of a plain file reads the same in both; a second write leaves untouched lines
 * byte-identical. No decrypted value reaches a file other than the user's own.
 */
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { formatDotenv } from "../../src/dotenv/index.js";
import { endInput, filesUnder, runCli, tempDir } from "../e2e/helpers.js";
import { AWKWARD_VALUES } from "./awkward-values.js";

const DOTENVX = resolve("node_modules/.bin/dotenvx");
const FILE = ".env.production";

/** Key → awkward value, keys K00… in list order. */
const VALUES: Record<string, string> = Object.fromEntries(
  AWKWARD_VALUES.map(([, v], i) => [`K${String(i).padStart(2, "0")}`, v]),
);
const LABELS: Record<string, string> = Object.fromEntries(
  AWKWARD_VALUES.map(([label], i) => [`K${String(i).padStart(2, "0")}`, label]),
);

/** Names the values refer to are set, so any expansion by dotenvx would show. */
function toolEnv(dir: string): NodeJS.ProcessEnv {
  return { ...process.env, HOME: dir, VAR: "expanded", NO_COLOR: "1" };
}

/** Runs a tool to completion (asynchronously: the test worker keeps answering). */
function tool(cmd: string, args: string[], dir: string, input = ""): Promise<string> {
  return new Promise((done, fail) => {
    const child = spawn(cmd, args, {
      cwd: dir,
      env: toolEnv(dir),
      stdio: ["pipe", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
    child.on("error", fail);
    child.on("close", (code) =>
      code === 0 ? done(out) : fail(new Error(`${cmd} ${args.join(" ")} exited ${code}: ${err}`)),
    );
    endInput(child.stdin, input, fail);
  });
}

const dotenvx = (args: string[], dir: string): Promise<string> => tool(DOTENVX, args, dir);

/**
 * `dotenvx set` for many keys in one process: dotenvx's own `set` (the function its
 * CLI command calls), so 47 values do not cost 47 CLI start-ups.
 */
async function dotenvxSetMany(dir: string, values: Record<string, string>): Promise<void> {
  const script = `
    const { set } = require(${JSON.stringify(resolve("node_modules/@dotenvx/dotenvx"))});
    let input = "";
    process.stdin.on("data", (d) => (input += d)).on("end", async () => {
      for (const [k, v] of Object.entries(JSON.parse(input))) {
        await set(k, v, { path: ${JSON.stringify(FILE)}, quiet: true });
      }
    });`;
  await tool(process.execPath, ["-e", script], dir, JSON.stringify(values));
}

async function dotenvxGet(dir: string): Promise<Record<string, string>> {
  const all = JSON.parse(await dotenvx(["get", "-f", FILE, "--format", "json"], dir)) as Record<
    string,
    string
  >;
  return Object.fromEntries(Object.entries(all).filter(([k]) => !k.startsWith("DOTENV_")));
}

async function envsyncRead(dir: string): Promise<Record<string, string>> {
  const r = await runCli(["export", "--format", "json", "-r", `dotenvx:${FILE}`], {
    cwd: dir,
    env: { HOME: dir },
  });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Record<string, string>;
}

/** Rows of the round-trip table: label, and whether each direction agreed. */
function mismatches(expected: Record<string, string>, got: Record<string, string>): string[] {
  return Object.keys(expected)
    .filter((k) => got[k] !== expected[k])
    .map(
      (k) =>
        `${k} (${LABELS[k]}): expected ${JSON.stringify(expected[k])}, got ${JSON.stringify(got[k])}`,
    );
}

describe("dotenvx interop (dotenvx 2.x CLI)", () => {
  it(`files envsync writes are decrypted by \`dotenvx get\` to exactly the ${AWKWARD_VALUES.length} values written`, async () => {
    const dir = tempDir("envsync-dotenvx-");
    writeFileSync(join(dir, "src.json"), JSON.stringify(VALUES));
    const r = await runCli(["copy", "file:src.json", `dotenvx:${FILE}`], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const text = readFileSync(join(dir, FILE), "utf8");
    // Only ciphertext at rest: no value (longer than a few characters) appears in the file.
    for (const v of Object.values(VALUES)) if (v.length >= 6) expect(text).not.toContain(v);
    expect(mismatches(VALUES, await dotenvxGet(dir))).toEqual([]);
    expect(mismatches(VALUES, await envsyncRead(dir))).toEqual([]);
  });

  it("a second write re-encrypts only the changed keys; every other line stays byte-identical", async () => {
    const dir = tempDir("envsync-dotenvx-");
    writeFileSync(join(dir, "src.json"), JSON.stringify(VALUES));
    expect((await runCli(["copy", "file:src.json", `dotenvx:${FILE}`], { cwd: dir })).code).toBe(0);
    const before = readFileSync(join(dir, FILE), "utf8").split("\n");
    const changed = { ...VALUES, K03: "changed ${HOME}", K10: "changed too" };
    delete (changed as Record<string, string | undefined>).K20;
    writeFileSync(join(dir, "src.json"), JSON.stringify(changed));
    const r = await runCli(["copy", "--prune", "--yes", "file:src.json", `dotenvx:${FILE}`], {
      cwd: dir,
    });
    expect(r.code, r.stderr).toBe(0);
    const after = readFileSync(join(dir, FILE), "utf8").split("\n");
    const gone = before.filter((l) => !after.includes(l)).map((l) => l.split("=")[0]);
    const added = after.filter((l) => !before.includes(l)).map((l) => l.split("=")[0]);
    expect(gone.sort()).toEqual(["K03", "K10", "K20"]);
    expect(added.sort()).toEqual(["K03", "K10"]);
    expect(mismatches(changed, await dotenvxGet(dir))).toEqual([]);
  });

  it(`files \`dotenvx set\` writes are read by envsync exactly (${AWKWARD_VALUES.length} values)`, async () => {
    const dir = tempDir("envsync-dotenvx-");
    // Three through the CLI itself (PEM starts with "-": after "--"), the rest through its set().
    const viaCli = ["K01", "K05", "K40"];
    for (const k of viaCli) await dotenvx(["set", "-f", FILE, "--", k, VALUES[k]!], dir);
    await dotenvxSetMany(
      dir,
      Object.fromEntries(Object.entries(VALUES).filter(([k]) => !viaCli.includes(k))),
    );
    expect(mismatches(VALUES, await envsyncRead(dir))).toEqual([]);
  });

  it("`dotenvx encrypt` of a plain file: envsync reads what dotenvx reads", async () => {
    const dir = tempDir("envsync-dotenvx-");
    writeFileSync(join(dir, FILE), formatDotenv(new Map(Object.entries(VALUES))));
    // The values dotenvx reads literally from the plain file (it expands `$…` in some).
    const plain = await dotenvxGet(dir);
    const literal = Object.fromEntries(Object.entries(VALUES).filter(([k, v]) => plain[k] === v));
    expect(Object.keys(literal).length).toBeGreaterThanOrEqual(30);
    await dotenvx(["encrypt", "-f", FILE], dir);
    expect(readFileSync(join(dir, FILE), "utf8")).toContain("encrypted:");
    const got = await envsyncRead(dir);
    expect(mismatches(literal, got)).toEqual([]);
    expect(mismatches(literal, await dotenvxGet(dir))).toEqual([]);
  });

  it("a sync leaves no decrypted value in any file but the user's .env", async () => {
    const dir = tempDir("envsync-dotenvx-");
    const canaries = Object.fromEntries(
      Array.from({ length: 5 }, (_, i) => [
        `S${i}`,
        `CANARY_DX_${i}_${Math.random().toString(36).slice(2)}`,
      ]),
    );
    writeFileSync(join(dir, "src.json"), JSON.stringify(canaries));
    expect((await runCli(["copy", "file:src.json", `dotenvx:${FILE}`], { cwd: dir })).code).toBe(0);
    expect((await runCli(["init", "--remote", `dotenvx:${FILE}`], { cwd: dir })).code).toBe(0);
    expect((await runCli(["pull"], { cwd: dir })).code).toBe(0);
    writeFileSync(
      join(dir, ".env"),
      readFileSync(join(dir, ".env"), "utf8") + "S9=CANARY_DX_local_new\n",
    );
    expect((await runCli(["sync"], { cwd: dir })).code).toBe(0);
    const all = [...Object.values(canaries), "CANARY_DX_local_new"];
    for (const f of filesUnder(dir)) {
      // The user's .env (and its own backups) and the plain source hold values by design.
      if (f === join(dir, ".env") || f === join(dir, "src.json")) continue;
      if (/\/\.envsync\/backups\/\.env\.\d{8}T/.test(f)) continue;
      const text = readFileSync(f, "utf8");
      for (const c of all) expect(text.includes(c), `${c} in ${f}`).toBe(false);
    }
    expect((await dotenvxGet(dir)).S9).toBe("CANARY_DX_local_new");
  });
});
