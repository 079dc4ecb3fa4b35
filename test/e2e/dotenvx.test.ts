/**
 * `dotenvx:PATH` end to end on the built binary: two working copies sync through one
 * dotenvx-encrypted file (diff, sync, check, run, export, copy), a writer that moved
 * the file meanwhile stops the write (exit 5), and hostile files (broken ciphertext,
 * wrong or missing private key, bad public key, truncated file) exit 1 or 2 naming
 * `file:line` with nothing written. Canary values never reach stdout or stderr.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { newKeypair, encryptValue } from "../../src/providers/dotenvx/keys.js";
import { canary, runCli, startPaused, tempDir, type CliResult } from "./helpers.js";

const FILE = "secrets/.env.production";

function setup(): { root: string; A: string; B: string } {
  const root = tempDir("envsync-dotenvx-e2e-");
  const A = join(root, "a");
  const B = join(root, "b");
  mkdirSync(A);
  mkdirSync(B);
  mkdirSync(join(root, "secrets"));
  return { root, A, B };
}

const cli = (cwd: string, args: string[], env: Record<string, string> = {}): Promise<CliResult> =>
  runCli(args, { cwd, env });

/** A dotenvx file with the given entries (values encrypted), its .env.keys beside it. */
function dotenvxFile(root: string, values: Record<string, string>): { privateKey: string } {
  const pair = newKeypair();
  let text = `DOTENV_PUBLIC_KEY_PRODUCTION="${pair.publicKey}"\n\n# .env.production\n`;
  for (const [k, v] of Object.entries(values))
    text += `${k}="${encryptValue(pair.publicKey, v)}"\n`;
  writeFileSync(join(root, FILE), text);
  writeFileSync(
    join(root, "secrets", ".env.keys"),
    `DOTENV_PRIVATE_KEY_PRODUCTION=${pair.privateKey}\n`,
  );
  return { privateKey: pair.privateKey };
}

describe("dotenvx: store, end to end", () => {
  it("two working copies sync through one encrypted file; diff, check, run and export agree", async () => {
    const { root, A, B } = setup();
    const api = canary("API");
    const db = canary("DB");
    dotenvxFile(root, { API_KEY: api });
    for (const dir of [A, B]) {
      expect((await cli(dir, ["init", "--remote", `dotenvx:../${FILE}`])).code).toBe(0);
    }
    writeFileSync(join(A, ".env"), `DB_URL=${db}\n`);
    const s1 = await cli(A, ["sync"]);
    expect(s1.code, s1.stderr).toBe(0);
    expect(readFileSync(join(A, ".env"), "utf8")).toContain(api);
    const file = readFileSync(join(root, FILE), "utf8");
    expect(file).not.toContain(db);
    expect(file).toMatch(/^DB_URL="encrypted:/m);

    const s2 = await cli(B, ["pull"]);
    expect(s2.code, s2.stderr).toBe(0);
    expect(readFileSync(join(B, ".env"), "utf8")).toContain(db);
    expect((await cli(B, ["check"])).code).toBe(0);

    writeFileSync(join(B, ".env"), readFileSync(join(B, ".env"), "utf8").replace(db, "rotated"));
    expect((await cli(B, ["check"])).code).toBe(3);
    const d = await cli(B, ["diff"]);
    expect(d.stdout).toContain("DB_URL");
    expect((await cli(B, ["sync"])).code).toBe(0);
    expect((await cli(A, ["sync"])).code).toBe(0);
    expect(readFileSync(join(A, ".env"), "utf8")).toContain("DB_URL=rotated");

    const run = await cli(A, [
      "run",
      "--",
      process.execPath,
      "-e",
      "process.stdout.write(process.env.API_KEY)",
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe(api);
    const exp = await cli(A, ["export", "--format", "json"]);
    expect(JSON.parse(exp.stdout)).toEqual({ API_KEY: api, DB_URL: "rotated" });
  });

  it("copies to and from another store (file:) both ways", async () => {
    const { root } = setup();
    const v = canary("COPY");
    writeFileSync(join(root, "plain.json"), JSON.stringify({ A: v, B: "two" }));
    const c1 = await cli(root, ["copy", "file:plain.json", `dotenvx:${FILE}`]);
    expect(c1.code, c1.stderr).toBe(0);
    expect(c1.stderr).toContain(".env.keys");
    const c2 = await cli(root, ["copy", `dotenvx:${FILE}`, "file:back.json"]);
    expect(c2.code, c2.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(root, "back.json"), "utf8"))).toEqual({ A: v, B: "two" });
  });

  it("reads the private key from DOTENV_PRIVATE_KEY_<ENV> when there is no .env.keys", async () => {
    const { root } = setup();
    const { privateKey } = dotenvxFile(root, { A: "1" });
    writeFileSync(join(root, "secrets", ".env.keys"), "");
    const r1 = await cli(root, ["export", "--format", "json", "-r", `dotenvx:${FILE}`]);
    expect(r1.code).toBe(1);
    expect(r1.stderr).toContain("DOTENV_PRIVATE_KEY_PRODUCTION");
    const r2 = await cli(root, ["export", "--format", "json", "-r", `dotenvx:${FILE}`], {
      DOTENV_PRIVATE_KEY_PRODUCTION: privateKey,
    });
    expect(r2.code, r2.stderr).toBe(0);
    expect(JSON.parse(r2.stdout)).toEqual({ A: "1" });
  });

  it("stops with exit 5 when the file moved between read and write, and writes nothing", async () => {
    const { root, A } = setup();
    dotenvxFile(root, { A: "1" });
    expect((await cli(A, ["init", "--remote", `dotenvx:../${FILE}`])).code).toBe(0);
    writeFileSync(join(A, ".env"), "A=1\nB=mine\n");
    const run = startPaused(["push"], { cwd: A });
    await run.ready;
    // Another writer changes the file meanwhile (a dotenvx-style edit of one line).
    const path = join(root, FILE);
    writeFileSync(path, readFileSync(path, "utf8") + 'C="plain"\n');
    const moved = readFileSync(path, "utf8");
    run.release();
    expect(await run.exited).toBe(5);
    expect(readFileSync(path, "utf8")).toBe(moved);
  });

  describe("hostile files: exit 1 or 2 naming file:line, nothing written", () => {
    const cases: [string, (text: string) => string, number, RegExp][] = [
      [
        "broken ciphertext",
        (t) => t.replace(/(A=")encrypted:[^"]{20}/, "$1encrypted:!!"),
        2,
        /\.env\.production:4: the encrypted value of A is malformed/,
      ],
      [
        "truncated ciphertext",
        (t) => t.replace(/(A="encrypted:[^"]{30})[^"]*/, "$1"),
        2,
        /\.env\.production:4: the encrypted value of A is malformed/,
      ],
      [
        "truncated file (unterminated quote)",
        (t) => t.slice(0, t.lastIndexOf('"')),
        2,
        /\.env\.production:\d+:\d+/,
      ],
      [
        "bad public key",
        (t) =>
          t.replace(
            /DOTENV_PUBLIC_KEY_PRODUCTION="[0-9a-f]+"/,
            'DOTENV_PUBLIC_KEY_PRODUCTION="nope"',
          ),
        2,
        /\.env\.production:1: DOTENV_PUBLIC_KEY_PRODUCTION is not a dotenvx public key/,
      ],
    ];
    it.each(cases)("%s", async (_label, mangle, code, message) => {
      const { root, A } = setup();
      dotenvxFile(root, { A: canary("H") });
      expect((await cli(A, ["init", "--remote", `dotenvx:../${FILE}`])).code).toBe(0);
      const path = join(root, FILE);
      writeFileSync(path, mangle(readFileSync(path, "utf8")));
      const before = readFileSync(path, "utf8");
      writeFileSync(join(A, ".env"), "LOCAL=1\n");
      for (const cmd of ["sync", "push", "pull"]) {
        const r = await cli(A, [cmd, "--yes"]);
        expect(r.code, r.stderr).toBe(code);
        expect(r.stderr).toMatch(message);
      }
      expect(readFileSync(path, "utf8")).toBe(before);
      expect(readFileSync(join(A, ".env"), "utf8")).toBe("LOCAL=1\n");
    });

    it("wrong private key: exit 1 naming file:line and the key name", async () => {
      const { root, A } = setup();
      dotenvxFile(root, { A: canary("W") });
      writeFileSync(
        join(root, "secrets", ".env.keys"),
        `DOTENV_PRIVATE_KEY_PRODUCTION=${newKeypair().privateKey}\n`,
      );
      copyFileSync(join(root, FILE), join(root, "before"));
      expect((await cli(A, ["init", "--remote", `dotenvx:../${FILE}`])).code).toBe(0);
      writeFileSync(join(A, ".env"), "LOCAL=1\n");
      const r = await cli(A, ["sync"]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/\.env\.production:4: .*cannot decrypt A/);
      expect(r.stderr).toContain("DOTENV_PRIVATE_KEY_PRODUCTION");
      expect(readFileSync(join(root, FILE), "utf8")).toBe(
        readFileSync(join(root, "before"), "utf8"),
      );
    });
  });
});
