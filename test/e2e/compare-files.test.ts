/**
 * End to end on the built binary: `envsync compare` of local dotenv files, given as plain
 * paths (`.env .env.staging`) or `file:` URIs, with or without an envsync.yaml, mixed with
 * environment names. Keys only in one side, equal or different by keyed digest; never a
 * value or a plain hash of one in the output; exit 3 on a difference, 0 when identical;
 * nothing written.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { canary, filesUnder, runCli, tempDir, type CliResult } from "./helpers.js";

let dir: string;
const token = { dev: "", staging: "" };
const shared = canary("shared");
const cli = (cwd: string, args: string[]): Promise<CliResult> => runCli(args, { cwd });
const snapshot = (d: string): Record<string, string> =>
  Object.fromEntries(filesUnder(d).map((f) => [f, readFileSync(f, "utf8")]));

beforeAll(() => {
  dir = tempDir("envsync-compare-files-");
  token.dev = canary("dev_token");
  token.staging = canary("staging_token");
  writeFileSync(join(dir, ".env"), `SHARED=${shared}\nTOKEN=${token.dev}\nONLY_DEV=1\n`);
  writeFileSync(
    join(dir, ".env.staging"),
    `# staging\nSHARED=${shared}\nexport TOKEN="${token.staging}"\nONLY_STAGING=1\n`,
  );
  writeFileSync(join(dir, ".env.copy"), `TOKEN=${token.dev}\nONLY_DEV=1\nSHARED='${shared}'\n`);
});

describe("compare of local dotenv files", () => {
  it("compare .env .env.staging (no envsync.yaml): keys by keyed digest, exit 3, no value, nothing written", async () => {
    const before = snapshot(dir);
    const r = await cli(dir, ["compare", ".env", ".env.staging"]);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stdout).toContain("compare .env ⇄ .env.staging");
    expect(r.stdout).toMatch(/^ {2}ONLY_DEV\s+a\s+-\s+only in \.env$/m);
    expect(r.stdout).toMatch(/^ {2}ONLY_STAGING\s+-\s+a\s+only in \.env\.staging$/m);
    expect(r.stdout).toMatch(/^ {2}SHARED\s+a\s+a\s+equal$/m);
    expect(r.stdout).toMatch(/^ {2}TOKEN\s+a\s+b\s+different$/m);
    for (const v of [shared, token.dev, token.staging]) {
      const hex = createHash("sha256").update(v).digest("hex");
      expect(r.stdout + r.stderr).not.toContain(hex);
    }
    const j = await cli(dir, ["compare", ".env", "file:.env.staging", "--json"]);
    expect(j.code, j.stderr).toBe(3);
    const parsed = JSON.parse(j.stdout) as {
      sides: string[];
      keys: { key: string; status: string }[];
    };
    expect(parsed.sides).toEqual([".env", "file:.env.staging"]);
    expect(parsed.keys.map((k) => [k.key, k.status])).toEqual([
      ["ONLY_DEV", "missing"],
      ["ONLY_STAGING", "missing"],
      ["SHARED", "equal"],
      ["TOKEN", "different"],
    ]);
    expect(snapshot(dir)).toEqual(before);
  });

  it("the same keys and values, however quoted: exit 0; an absolute path and a subfolder path work", async () => {
    const r = await cli(dir, ["compare", "./.env", join(dir, ".env.copy")]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("3 keys: 3 equal, 0 different, 0 missing somewhere");
    mkdirSync(join(dir, "sub"), { recursive: true });
    const up = await cli(join(dir, "sub"), ["compare", "../.env", "../.env.copy", "--keys-only"]);
    expect(up.code, up.stderr).toBe(0);
  });

  it("in a folder with envsync.yaml: an environment name beside a path; a missing file is exit 1, a malformed one exit 2 with file:line", async () => {
    const app = join(dir, "app");
    mkdirSync(app, { recursive: true });
    writeFileSync(
      join(app, "envsync.yaml"),
      'environments:\n  dev: { file: .env, remote: "file:../.env.copy" }\n',
    );
    writeFileSync(join(app, ".env.local"), `TOKEN=${token.dev}\nONLY_DEV=1\nSHARED=${shared}\n`);
    const same = await cli(app, ["compare", "dev", ".env.local"]);
    expect(same.code, same.stdout + same.stderr).toBe(0);
    expect(same.stdout).toContain("compare dev ⇄ .env.local");
    const missing = await cli(app, ["compare", "dev", "./nope.env"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("nope.env");
    writeFileSync(join(app, ".env.bad"), `OK=1\nBAD="${token.staging}\n`);
    const bad = await cli(app, ["compare", ".env.local", ".env.bad"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/\.env\.bad:2:/);
    const unknown = await cli(app, ["compare", "dev", "stagin"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('No environment "stagin"');
  });
});
