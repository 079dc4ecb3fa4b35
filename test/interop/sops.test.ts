/**
 * SOPS agrees with envsync on `sops:` files, with the real sops 3.11.0 and age 1.3.2
 * (built from the Go module proxy into the emulator cache by test/harness/tools/sops.ts),
 * for dotenv, JSON and YAML files:
 * - files envsync writes are decrypted by `sops -d` to exactly the values written
 *   (the awkward values), so the MAC envsync computes passes `sops -d`;
 * - files `sops -e` and `sops set` write are read by envsync exactly;
 * - a second write by envsync changes only the changed entries (and lastmodified and
 *   the MAC): every other line is byte-identical, and `sops -d` still accepts it;
 * - a file tampered after encryption is refused by both (envsync: exit 1 naming it).
 * The round-trip table is printed at the end (docs/providers/sops.md quotes it).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sopsTools, type SopsTools } from "../harness/tools/sops.js";
import { runCli, tempDir } from "../e2e/helpers.js";
import { type ProcessResult, runProcess } from "../support/run-process.js";
import { AWKWARD_VALUES } from "./awkward-values.js";

const VALUES: Record<string, string> = Object.fromEntries(
  AWKWARD_VALUES.map(([, v], i) => [`K${String(i).padStart(2, "0")}`, v]),
);
const LABELS: Record<string, string> = Object.fromEntries(
  AWKWARD_VALUES.map(([label], i) => [`K${String(i).padStart(2, "0")}`, label]),
);
const N = AWKWARD_VALUES.length;

let tools: SopsTools;
let keyFile: string;
let recipient: string;
const table: string[] = [];

function run(
  cmd: string,
  args: string[],
  dir: string,
  env: Record<string, string> = {},
): Promise<ProcessResult> {
  return runProcess(cmd, args, {
    cwd: dir,
    env: { ...process.env, HOME: dir, SOPS_AGE_KEY_FILE: keyFile, ...env },
  });
}

async function sops(args: string[], dir: string): Promise<string> {
  const r = await run(tools.sops, ["--disable-version-check", ...args], dir);
  if (r.code !== 0) throw new Error(`sops ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** `sops -d` as JSON: every value exactly (the dotenv output escapes line breaks). */
async function sopsDecrypt(dir: string, file: string): Promise<Record<string, string>> {
  return JSON.parse(await sops(["-d", "--output-type", "json", file], dir)) as Record<
    string,
    string
  >;
}

async function envsyncRead(dir: string, file: string): Promise<Record<string, string>> {
  const r = await runCli(["export", "--format", "json", "-r", `sops:${file}`], {
    cwd: dir,
    env: { HOME: dir, SOPS_AGE_KEY_FILE: keyFile },
  });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Record<string, string>;
}

async function envsync(dir: string, args: string[]): Promise<void> {
  const r = await runCli(args, { cwd: dir, env: { HOME: dir, SOPS_AGE_KEY_FILE: keyFile } });
  expect(r.code, r.stderr).toBe(0);
}

function mismatches(expected: Record<string, string>, got: Record<string, string>): string[] {
  return Object.keys(expected)
    .filter((k) => got[k] !== expected[k])
    .map(
      (k) =>
        `${k} (${LABELS[k]}): expected ${JSON.stringify(expected[k])}, got ${JSON.stringify(got[k])}`,
    );
}

function project(): string {
  const dir = tempDir("envsync-sops-");
  writeFileSync(
    join(dir, ".sops.yaml"),
    `creation_rules:\n  - path_regex: .*\n    age: ${recipient}\n`,
  );
  return dir;
}

beforeAll(async () => {
  tools = await sopsTools();
  const dir = tempDir("envsync-sops-key-");
  keyFile = join(dir, "keys.txt");
  const r = await run(tools.ageKeygen, ["-o", keyFile], dir);
  expect(r.code, r.stderr).toBe(0);
  recipient = /age1[0-9a-z]+/.exec(readFileSync(keyFile, "utf8"))![0];
}, 900_000);

afterAll(() => {
  // The round-trip table (docs/providers/sops.md).
  console.log(
    [
      "| format | envsync writes → sops -d | sops -e → envsync reads | sops set → envsync reads | envsync update: untouched lines identical, sops -d accepts |",
      "| --- | --- | --- | --- | --- |",
      ...table,
    ].join("\n"),
  );
});

describe.each([
  ["dotenv", "secrets.enc.env"],
  ["json", "secrets.enc.json"],
  ["yaml", "secrets.enc.yaml"],
] as const)("sops interop: %s", (format, file) => {
  const row: string[] = [format];
  afterAll(() => table.push(`| ${row.join(" | ")} |`));

  it(`files envsync writes are decrypted by \`sops -d\` to exactly the ${N} values`, async () => {
    const dir = project();
    writeFileSync(join(dir, "src.json"), JSON.stringify(VALUES));
    await envsync(dir, ["copy", "file:src.json", `sops:${file}`]);
    const text = readFileSync(join(dir, file), "utf8");
    for (const v of Object.values(VALUES)) if (v.length >= 6) expect(text).not.toContain(v);
    const bad = mismatches(VALUES, await sopsDecrypt(dir, file));
    row[1] = `${N - bad.length}/${N}`;
    expect(bad).toEqual([]);
    expect(mismatches(VALUES, await envsyncRead(dir, file))).toEqual([]);
  });

  it(`files \`sops -e\` writes are read by envsync exactly (${N} values)`, async () => {
    const dir = project();
    writeFileSync(join(dir, "plain.json"), JSON.stringify(VALUES));
    const out = await sops(
      ["-e", "--input-type", "json", "--output-type", format, "plain.json"],
      dir,
    );
    writeFileSync(join(dir, file), out);
    const bad = mismatches(VALUES, await envsyncRead(dir, file));
    row[2] = `${N - bad.length}/${N}`;
    expect(bad).toEqual([]);
  });

  it("files `sops set` edits are read by envsync exactly", async () => {
    const dir = project();
    writeFileSync(join(dir, "src.json"), JSON.stringify({ A: "1" }));
    await envsync(dir, ["copy", "file:src.json", `sops:${file}`]);
    // sops set takes a JSON value: every awkward value, one edit each, on the file envsync made.
    const edits = Object.entries(VALUES).filter((_, i) => i % 4 === 0);
    for (const [k, v] of edits) await sops(["set", file, `["${k}"]`, JSON.stringify(v)], dir);
    const expected = { A: "1", ...Object.fromEntries(edits) };
    const bad = mismatches(expected, await envsyncRead(dir, file));
    row[3] = `${Object.keys(expected).length - bad.length}/${Object.keys(expected).length}`;
    expect(bad).toEqual([]);
  });

  it("an update re-encrypts only what changed: untouched lines byte-identical, sops -d accepts the MAC", async () => {
    const dir = project();
    writeFileSync(join(dir, "plain.json"), JSON.stringify(VALUES));
    writeFileSync(
      join(dir, file),
      await sops(["-e", "--input-type", "json", "--output-type", format, "plain.json"], dir),
    );
    const before = readFileSync(join(dir, file), "utf8").split("\n");
    const next: Record<string, string> = {
      ...VALUES,
      K03: "changed ${HOME}",
      K10: "changed\ntoo",
      NEW: "new",
    };
    delete next.K20;
    writeFileSync(join(dir, "src.json"), JSON.stringify(next));
    await envsync(dir, ["copy", "--prune", "--yes", "file:src.json", `sops:${file}`]);
    const after = readFileSync(join(dir, file), "utf8").split("\n");
    const meta = /lastmodified|"?mac"?[=:]|sops_mac=/;
    const gone = before.filter((l) => !after.includes(l) && !meta.test(l));
    const added = after.filter((l) => !before.includes(l) && !meta.test(l));
    const keyOf = (l: string): string => /^\s*"?([A-Za-z0-9_]+)"?\s*[:=]/.exec(l)?.[1] ?? l;
    expect(gone.map(keyOf).sort()).toEqual(["K03", "K10", "K20"]);
    expect(added.map(keyOf).sort()).toEqual(["K03", "K10", "NEW"]);
    const bad = mismatches(next, await sopsDecrypt(dir, file));
    row[4] = bad.length === 0 ? `yes (${gone.length} lines out, ${added.length} in)` : "no";
    expect(bad).toEqual([]);
  });

  it("a tampered file is refused by both: envsync exit 1 naming the file, nothing written", async () => {
    const dir = project();
    writeFileSync(join(dir, "src.json"), JSON.stringify({ A: "one", B: "two" }));
    await envsync(dir, ["copy", "file:src.json", `sops:${file}`]);
    const path = join(dir, file);
    // Swap the ciphertexts of A and B: each decrypts with the data key only under its own key path.
    const text = readFileSync(path, "utf8");
    const tokens = [...text.matchAll(/ENC\[AES256_GCM,data:[^\]]+type:str\]/g)].map((m) => m[0]);
    const swapped = text
      .replace(tokens[0]!, "@@")
      .replace(tokens[1]!, tokens[0]!)
      .replace("@@", tokens[1]!);
    writeFileSync(path, swapped);
    const r = await runCli(["export", "--format", "json", "-r", `sops:${file}`], {
      cwd: dir,
      env: { HOME: dir, SOPS_AGE_KEY_FILE: keyFile },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`sops:${file}`);
    expect((await run(tools.sops, ["--disable-version-check", "-d", file], dir)).code).not.toBe(0);
    // A value changed without the key (the MAC no longer matches): sops says "MAC mismatch".
    writeFileSync(join(dir, "src.json"), JSON.stringify({ A: "one", B: "two" }));
    writeFileSync(path, text);
    const macText = text.replace(
      /(sops_mac=|"mac": "|mac: )ENC\[AES256_GCM,data:[^,]{4}/,
      (m) => m.slice(0, -4) + "AAAA",
    );
    writeFileSync(path, macText);
    const r2 = await runCli(["sync", "--yes", "-r", `sops:${file}`], {
      cwd: dir,
      env: { HOME: dir, SOPS_AGE_KEY_FILE: keyFile },
    });
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain(`sops:${file}`);
    expect(readFileSync(path, "utf8")).toBe(macText);
  });
});
