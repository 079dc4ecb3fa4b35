/**
 * What other programs read is valid (issue 25, item 7): `envsync export --format yaml`
 * is read back exactly — every key, every value, as strings — by the real YAML readers
 * users have: PyYAML (YAML 1.1; the one in the project's Python venv, a dependency of
 * awscli), Go's gopkg.in/yaml.v3 (built by the harness, test/harness/tools/go-yaml.ts)
 * and the `yaml` package in both its 1.1 and 1.2 modes. The values hold every C0 and
 * C1 character, DEL, NEL, the line and paragraph separators, a BOM, U+FFFE/FFFF, words
 * YAML 1.1 reads as booleans, numbers, dates or null, indicators, and multi-line text
 * with leading tabs and spaces, trailing spaces, CRLF and final blank lines.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse as yamlParse } from "yaml";
import { goYamlPath } from "../harness/tools/go-yaml.js";
import { pythonTools } from "../harness/tools/python.js";
import { runCli, tempDir } from "./helpers.js";

/** Values that some YAML reader treats specially. */
function values(): Record<string, string> {
  const v: Record<string, string> = {};
  // Every C0 and C1 character and DEL, alone and between letters.
  for (let c = 0; c < 0xa0; c++) {
    if (c >= 0x20 && c < 0x7f) continue;
    v[`CH_${c.toString(16).padStart(2, "0")}`] = `a${String.fromCharCode(c)}b`;
    v[`ALONE_${c.toString(16).padStart(2, "0")}`] = String.fromCharCode(c);
  }
  const specials: Record<string, string> = {
    LS: "a\u2028b",
    PS: "a\u2029b",
    BOM_FIRST: "\ufeffx",
    BOM_INSIDE: "a\ufeffb",
    FFFE: "a\ufffeb",
    FFFF: "a\uffffb",
    NBSP: "a\u00a0b",
    EMOJI: "🔑 \u{1f600}",
    RTL: "\u202eevil",
    ML_NEL: "l1\nl2\u0085x",
    ML_LS: "l1\nl2\u2028x",
    ML_TRAIL: "l1\nl2  ",
    ML_LEAD_SPACE: "  l1\nl2",
    ML_LEAD_TAB: "\tl1\nl2",
    ML_TAB_LINE: "l1\n\tl2",
    ML_CRLF: "l1\r\nl2",
    ML_ONLY_NL: "\n",
    ML_NLS: "\n\n",
    ML_END_NL: "x\n",
    ML_END_NLS: "x\n\n",
    ML_PEM: "-----BEGIN KEY-----\nMIIB\n-----END KEY-----\n",
    EMPTY: "",
    SPACE: " ",
    LEAD_SPACE: " x",
    TRAIL_SPACE: "x ",
    HASH: "a #b",
    COLON: "a: b",
    DASH: "- a",
    QUESTION: "? a",
    FLOW_MAP: "{a: 1}",
    FLOW_SEQ: "[1]",
    ANCHOR: "&a",
    ALIAS: "*a",
    TAG: "!!int 1",
    PERCENT: "%YAML",
    AT: "@x",
    BACKTICK: "`x`",
    PIPE: "|",
    GT: ">",
    QUOTES: `'"`,
    BACKSLASH: "a\\nb",
    DOC_START: "---",
    DOC_END: "...",
    MERGE: "<<",
    LONG: "x".repeat(10_000),
  };
  Object.assign(v, specials);
  // Scalars YAML 1.1 or 1.2 would read as something other than a string.
  const words = [
    ...["y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON"],
    ...["off", "Off", "OFF", "true", "True", "TRUE", "false", "False", "FALSE"],
    ...["null", "Null", "NULL", "~", "0", "-0", "017", "0o17", "0x1F", "0b101", "1_000"],
    ...["1e3", "1E3", ".5", "+1", ".inf", "-.inf", ".nan", ".NaN", "12:30", "190:20:30"],
    ...["2001-12-14", "2001-12-14t21:59:43.10-05:00", "=", "1.0", "0.", "-"],
  ];
  words.forEach((w, i) => (v[`WORD_${i}`] = w));
  return v;
}

/** Keys that YAML 1.1 readers read as booleans or null when unquoted. */
const KEYS = ["y", "Y", "n", "N", "yes", "NO", "on", "OFF", "true", "FALSE", "null", "NULL", "_"];

describe("export --format yaml is read back exactly by PyYAML, yaml.v3 and the yaml package", () => {
  const expected = values();
  KEYS.forEach((k, i) => (expected[k] = `key ${i}`));
  let text = "";
  let python = "";
  let goYaml = "";

  beforeAll(async () => {
    [{ python }, goYaml] = await Promise.all([pythonTools(), goYamlPath()]);
    const root = tempDir("envsync-yaml-");
    mkdirSync(join(root, "w"));
    mkdirSync(join(root, "remote"));
    writeFileSync(join(root, "remote", "all.json"), JSON.stringify(expected));
    const r = await runCli(["export", "--format", "yaml", "-r", "file:../remote/all.json"], {
      cwd: join(root, "w"),
    });
    expect(r.code, r.stderr).toBe(0);
    text = r.stdout;
  });

  /** Compares a reader's result with the exported values, naming the first keys that differ. */
  function same(got: Record<string, unknown>, reader: string): void {
    const wrong = Object.keys(expected)
      .filter((k) => got[k] !== expected[k])
      .map((k) => `${k}: ${JSON.stringify(expected[k])} read as ${JSON.stringify(got[k])}`);
    expect(wrong, `${reader}:\n${wrong.slice(0, 10).join("\n")}`).toEqual([]);
    expect(Object.keys(got).sort()).toEqual(Object.keys(expected).sort());
  }

  it("PyYAML (YAML 1.1, safe_load)", () => {
    const p = spawnSync(
      python,
      [
        "-c",
        "import sys, json, yaml; d = yaml.safe_load(sys.stdin.buffer); " +
          "bad = [k for k, v in d.items() if not isinstance(k, str) or not isinstance(v, str)]; " +
          "sys.exit('not strings: %r' % bad) if bad else sys.stdout.write(json.dumps(d))",
      ],
      { input: text, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
    );
    expect(p.status, p.stderr).toBe(0);
    same(JSON.parse(p.stdout) as Record<string, unknown>, "PyYAML");
  });

  it("Go gopkg.in/yaml.v3 (every value a !!str)", () => {
    const p = spawnSync(goYaml, [], { input: text, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    expect(p.status, p.stderr).toBe(0);
    same(JSON.parse(p.stdout) as Record<string, unknown>, "yaml.v3");
  });

  it("the yaml package, YAML 1.2 and YAML 1.1", () => {
    same(yamlParse(text) as Record<string, unknown>, "yaml 1.2");
    same(yamlParse(text, { version: "1.1" }) as Record<string, unknown>, "yaml 1.1");
  });

  it("no raw control character, separator or BOM in the text", () => {
    expect(/(?![\t\n])[\p{Cc}\u2028\u2029\ufeff\ufffe\uffff]/u.exec(text)).toBeNull();
  });
});
