/**
 * `.sops.yaml` creation rules that leave some values unencrypted — `encrypted_regex`,
 * `unencrypted_regex`, `encrypted_suffix`, `unencrypted_suffix` (and SOPS's default
 * `_unencrypted` suffix), `mac_only_encrypted`, and `encrypted_comment_regex` for YAML —
 * checked against the real sops 3.11.0 for dotenv, JSON and YAML files:
 * - a file envsync creates under the rule has exactly the plain and encrypted entries
 *   that `sops -e` gives the same values, and `sops -d` decrypts it (MAC accepted);
 * - a file `sops -e` made is read by envsync exactly, and after envsync changes a
 *   plain and an encrypted value and adds a key, `sops -d` still accepts it and every
 *   entry is encrypted or not as `sops -e` would have it;
 * - envsync warns (key names only) when a rule leaves a value it writes unencrypted.
 */
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml, stringify as toYaml } from "yaml";
import { silentLogger } from "../../src/logger.js";
import { openStore } from "../../src/providers/registry.js";
import { runCli, tempDir } from "../e2e/helpers.js";
import { sopsTools, type SopsTools } from "../harness/tools/sops.js";
import { type ProcessResult, runProcess } from "../support/run-process.js";

let tools: SopsTools;
let keyFile: string;
let recipient: string;

function run(cmd: string, args: string[], dir: string): Promise<ProcessResult> {
  return runProcess(cmd, args, {
    cwd: dir,
    env: { ...process.env, HOME: dir, SOPS_AGE_KEY_FILE: keyFile },
  });
}

async function sops(args: string[], dir: string): Promise<string> {
  const r = await run(tools.sops, ["--disable-version-check", ...args], dir);
  if (r.code !== 0) throw new Error(`sops ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

const sopsDecrypt = async (dir: string, file: string): Promise<Record<string, string>> =>
  JSON.parse(await sops(["-d", "--output-type", "json", file], dir)) as Record<string, string>;

type Format = "env" | "json" | "yaml";

/** The entries of an encrypted file (metadata left out): key → stored text. */
function stored(text: string, format: Format): Record<string, string> {
  let all: Record<string, unknown>;
  if (format === "json") all = JSON.parse(text) as Record<string, unknown>;
  else if (format === "yaml") all = parseYaml(text) as Record<string, unknown>;
  else {
    all = {};
    for (const line of text.split("\n")) {
      const m = /^([^#=][^=]*)=(.*)$/.exec(line);
      if (m) all[m[1]!] = m[2]!;
    }
  }
  return Object.fromEntries(
    Object.entries(all)
      .filter(([k]) => k !== "sops" && !k.startsWith("sops_"))
      .map(([k, v]) => [k, String(v)]),
  );
}

/** Keys stored in plain text (not `ENC[…]`), sorted. */
const plainKeys = (path: string, format: Format): string[] =>
  Object.entries(stored(readFileSync(path, "utf8"), format))
    .filter(([, v]) => !v.startsWith("ENC[AES256_GCM,"))
    .map(([k]) => k)
    .sort();

function plainText(values: Record<string, string>, format: Format): string {
  if (format === "json") return `${JSON.stringify(values, null, 2)}\n`;
  if (format === "yaml") return toYaml(values);
  return Object.entries(values)
    .map(([k, v]) => `${k}=${v}\n`)
    .join("");
}

const VALUES = {
  API_KEY: "sk_live_123 'q' \"d\"",
  DB_URL: "postgres://u:p@db/app",
  PUBLIC_URL: "https://example.com",
  TOKEN_SECRET: "t0k3n",
  NOTE_PLAIN: "hello world",
  X_unencrypted: "shown",
  OTHER: "other value",
};

const RULES: [string, string][] = [
  ["encrypted_regex", "encrypted_regex: ^(API_KEY|DB_.*)$"],
  ["unencrypted_regex", "unencrypted_regex: ^PUBLIC_"],
  ["encrypted_suffix", "encrypted_suffix: _SECRET"],
  ["unencrypted_suffix", "unencrypted_suffix: _PLAIN"],
  ["no rule (default _unencrypted suffix)", ""],
  [
    "mac_only_encrypted with unencrypted_regex",
    "unencrypted_regex: ^PUBLIC_\n    mac_only_encrypted: true",
  ],
];

function project(rule: string): string {
  const dir = tempDir("envsync-sops-rules-");
  writeFileSync(
    join(dir, ".sops.yaml"),
    `creation_rules:\n  - path_regex: .*\n    age: ${recipient}\n${rule ? `    ${rule}\n` : ""}`,
  );
  return dir;
}

/** A file `sops -e` makes from plain values, under the folder's `.sops.yaml`. */
async function sopsMade(
  dir: string,
  name: string,
  values: Record<string, string>,
  format: Format,
): Promise<string> {
  writeFileSync(join(dir, name), plainText(values, format));
  await sops(["-e", "-i", name], dir);
  return join(dir, name);
}

async function envsyncWrite(
  dir: string,
  file: string,
  set: Record<string, string>,
): Promise<string> {
  const store = await openStore(`sops:${file}`, {
    cwd: dir,
    env: { HOME: dir, SOPS_AGE_KEY_FILE: keyFile },
    logger: silentLogger,
    concurrency: 4,
  });
  const snap = await store.read();
  await store.write({ set: new Map(Object.entries(set)), delete: [] }, snap);
  return join(dir, file);
}

beforeAll(async () => {
  tools = await sopsTools();
  const dir = tempDir("envsync-sops-rules-key-");
  keyFile = join(dir, "keys.txt");
  const r = await run(tools.ageKeygen, ["-o", keyFile], dir);
  expect(r.code, r.stderr).toBe(0);
  recipient = /age1[0-9a-z]+/.exec(readFileSync(keyFile, "utf8"))![0];
}, 900_000);

describe.each(["env", "json", "yaml"] as const)("sops creation rules, %s files", (format) => {
  it.each(RULES)(
    "%s: envsync and sops -e encrypt the same entries; each reads the other's file",
    async (_, rule) => {
      const dir = project(rule);
      // envsync creates a file under the rule (copy from plain JSON).
      writeFileSync(join(dir, "seed.json"), JSON.stringify(VALUES));
      const c = await runCli(["copy", "file:seed.json", `sops:e.enc.${format}`], {
        cwd: dir,
        env: { HOME: dir, SOPS_AGE_KEY_FILE: keyFile },
      });
      expect(c.code, c.stderr).toBe(0);
      const s = await sopsMade(dir, `s.enc.${format}`, VALUES, format);
      const expectedPlain = plainKeys(s, format);
      expect(plainKeys(join(dir, `e.enc.${format}`), format)).toEqual(expectedPlain);
      expect(await sopsDecrypt(dir, `e.enc.${format}`)).toEqual(VALUES);
      // A value a rule leaves unencrypted is named (never its value) on stderr.
      if (expectedPlain.length > 0) {
        expect(c.stderr).toMatch(/unencrypted/);
        for (const k of expectedPlain) expect(c.stderr).toContain(k);
        for (const k of expectedPlain)
          expect(c.stderr).not.toContain(VALUES[k as keyof typeof VALUES]);
      }

      // envsync reads the sops-made file, then changes a plain and an encrypted value and adds a key.
      const update = {
        API_KEY: "rotated 'x'",
        PUBLIC_URL: "https://changed.example",
        NEW_SECRET: "n3w",
        NEW_PLAIN: "p",
      };
      await envsyncWrite(dir, `s.enc.${format}`, update);
      const after = { ...VALUES, ...update };
      expect(await sopsDecrypt(dir, `s.enc.${format}`)).toEqual(after);
      const again = await sopsMade(dir, `ref.enc.${format}`, after, format);
      expect(plainKeys(s, format)).toEqual(plainKeys(again, format));
    },
  );
});

describe("encrypted_comment_regex (YAML)", () => {
  it("a sops-made file with marked keys: envsync keeps the marked key encrypted, the rest as sops would", async () => {
    const dir = project("encrypted_comment_regex: sops:enc");
    const name = "c.enc.yaml";
    writeFileSync(
      join(dir, name),
      "# sops:enc\nAPI_KEY: k1\nPUBLIC_URL: p1\n# sops:enc\nDB_URL: d1\n",
    );
    await sops(["-e", "-i", name], dir);
    expect(plainKeys(join(dir, name), "yaml")).toEqual(["PUBLIC_URL"]);
    copyFileSync(join(dir, name), join(dir, "before.yaml"));
    await envsyncWrite(dir, name, { API_KEY: "k2", PUBLIC_URL: "p2", NEW_KEY: "n" });
    expect(await sopsDecrypt(dir, name)).toEqual({
      API_KEY: "k2",
      PUBLIC_URL: "p2",
      DB_URL: "d1",
      NEW_KEY: "n",
    });
    // The marked keys stay encrypted; the others (the new one, unmarked) are plain, as sops -e gives.
    expect(plainKeys(join(dir, name), "yaml")).toEqual(["NEW_KEY", "PUBLIC_URL"]);
    writeFileSync(
      join(dir, "ref.enc.yaml"),
      "# sops:enc\nAPI_KEY: k2\nPUBLIC_URL: p2\n# sops:enc\nDB_URL: d1\nNEW_KEY: n\n",
    );
    await sops(["-e", "-i", "ref.enc.yaml"], dir);
    expect(plainKeys(join(dir, "ref.enc.yaml"), "yaml")).toEqual(["NEW_KEY", "PUBLIC_URL"]);
  });
});
