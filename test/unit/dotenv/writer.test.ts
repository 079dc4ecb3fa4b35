import dotenv from "dotenv";
import { describe, expect, it } from "vitest";
import { isEnvsyncError } from "../../../src/errors.js";
import {
  applyChanges,
  formatDotenv,
  parse,
  parseDocument,
  quoteValue,
} from "../../../src/dotenv/index.js";

const apply = (text: string, set: Record<string, string>, del: string[] = []): string =>
  applyChanges(parseDocument(text).doc, { set: new Map(Object.entries(set)), delete: del });

/** [file, set, delete, expected file] — one line a case. */
const cases: [string, Record<string, string>, string[], string][] = [
  ["A=1\n", {}, [], "A=1\n"],
  ["A=1\n", { A: "2" }, [], "A=2\n"],
  ["A=1\n", { A: "1" }, [], "A=1\n"],
  ["A='1'\n", { A: "1" }, [], "A='1'\n"],
  ["export A=1\n", { A: "2" }, [], "export A=2\n"],
  ["A = 1 # note\n", { A: "two words" }, [], "A = two words # note\n"],
  ["A='x' # note\n", { A: "y" }, [], "A='y' # note\n"],
  ['A="x"\n', { A: "y" }, [], 'A="y"\n'],
  ["A=`x`\n", { A: "y" }, [], "A=y\n"], // backticks: not read by python-dotenv nor compose
  ["A='x'\n", { A: "it's" }, [], "A=it's\n"],
  ["A='x'\n", { A: "it's #1" }, [], 'A="it\'s #1"\n'],
  ['A="x"\n', { A: 'say "hi"' }, [], 'A=say "hi"\n'],
  ['A="x"\n', { A: 'say "hi" #' }, [], "A='say \"hi\" #'\n"],
  ['A="x"\n', { A: "a\nb" }, [], 'A="a\\nb"\n'],
  ["A='x'\n", { A: "a\nb" }, [], "A='a\nb'\n"],
  ["A=x\n", { A: "a\nb" }, [], 'A="a\\nb"\n'],
  ["A=x\n", { A: "#hash" }, [], 'A="#hash"\n'],
  ["A=x\n", { A: " lead" }, [], 'A=" lead"\n'],
  ["A=x\n", { A: "" }, [], "A=\n"],
  ["A=  # c\n", { A: "v" }, [], "A=v  # c\n"],
  ['A="x"#c\n', { A: "v" }, [], 'A="v"#c\n'],
  ["A=x\n", { A: "a=b" }, [], "A=a=b\n"],
  ["A='multi\nline'\nB=2\n", { A: "one" }, [], "A='one'\nB=2\n"],
  ["A='multi\nline'\nB=2\n", {}, ["A"], "B=2\n"],
  ["# c\nA=1\n\nB=2\n", {}, ["A"], "# c\n\nB=2\n"],
  ["A=1\nB=2", {}, ["B"], "A=1\n"],
  ["A=1\nA=2\nB=3\n", {}, ["A"], "B=3\n"],
  ["A=1\nA=2\n", { A: "3" }, [], "A=1\nA=3\n"],
  ["A=1\n", { B: "2" }, [], "A=1\nB=2\n"],
  ["A=1", { B: "2" }, [], "A=1\nB=2\n"],
  ["A=1\r\n", { B: "2" }, [], "A=1\r\nB=2\r\n"],
  ["A=1\r\nB=2", { C: "3" }, [], "A=1\r\nB=2\r\nC=3\r\n"],
  ["# only a comment", { B: "2" }, [], "# only a comment\nB=2\n"],
  ["", { B: "2" }, [], "B=2\n"],
  ["\uFEFF", { B: "2" }, [], "\uFEFFB=2\n"],
  ["export A=1\nexport B=2\n", { C: "3" }, [], "export A=1\nexport B=2\nexport C=3\n"],
  ["\uFEFFA=1\n", { A: "2" }, [], "\uFEFFA=2\n"],
  ["A=1\n", { A: "2" }, ["A"], "A=2\n"],
  ["A=1\n", {}, ["NOPE"], "A=1\n"],
];

describe("applyChanges", () => {
  it.each(cases)("%j set %j delete %j", (text, set, del, expected) => {
    const out = apply(text, set, del);
    expect(out).toBe(expected);
    const intended = { ...parse(text), ...set };
    for (const k of del) if (!(k in set)) delete intended[k];
    expect(parse(out)).toEqual(intended);
    expect(dotenv.parse(out)).toEqual(intended);
  });

  it("does what docs/DOTENV.md shows", () => {
    const before =
      "# service settings\nexport API_URL='https://a.test'   # staging\nOLD=\"multi\nline\"\nPORT=8080\n";
    const after =
      "# service settings\nexport API_URL='https://x.test/?a=1#top'   # staging\nPORT=8080\nLEVEL=debug\n";
    expect(apply(before, { API_URL: "https://x.test/?a=1#top", LEVEL: "debug" }, ["OLD"])).toBe(
      after,
    );
  });

  it("returns the identical bytes for no change", () => {
    const text = "\uFEFF# head\r\nexport A = 'x' # c\r\n\r\nB=\"multi\r\nline\"\rC=`z`";
    expect(apply(text, {})).toBe(text);
  });

  it("rejects a key that is not a dotenv key", () => {
    expect(() => apply("A=1", { "BAD KEY": "x" })).toThrow(/BAD KEY/);
    try {
      apply("A=1", { "1A": "x" });
    } catch (e) {
      expect(isEnvsyncError(e, "NAME")).toBe(true);
    }
  });
});

/** [value, quoted] — the least quoting both parsers read back. */
const quoting: [string, string][] = [
  ["plain", "plain"],
  ["", ""],
  ["two words", "two words"],
  ["a=b", "a=b"],
  ["#x", '"#x"'],
  ["a #x", '"a #x"'],
  ["a#x", '"a#x"'],
  [" lead", '" lead"'],
  ["trail ", '"trail "'],
  ["'q", '"\'q"'],
  ['"q', "'\"q'"],
  ["`q", '"`q"'],
  ["a\nb", '"a\\nb"'],
  ["a\r\nb", '"a\\r\\nb"'],
  ["back\\slash", "back\\slash"],
  ["a\\nb #", "'a\\nb #'"],
  ["$HOME", "'$HOME'"],
  ["$(echo pwned)", "'$(echo pwned)'"],
  ["${X} #", "'${X} #'"],
  ['it\'s "x" #', '`it\'s "x" #`'], // no quoting every reader reads: the JS readers' one
  ['it\'s "x" `y` #', '"it\'s \\"x\\" `y` #"'],
  ["ends\\ #", "'ends\\ #'"],
  ["ends #\\", '"ends #\\\\"'],
  ["ünï 🚀 #", '"ünï 🚀 #"'],
  ["tab\tin", "tab\tin"],
  ["\ttab", '"\ttab"'],
];

describe("quoteValue", () => {
  it.each(quoting)("%j → %s", (value, quoted) => {
    expect(quoteValue(value)).toBe(quoted);
    expect(parse(`K=${quoted}`)).toEqual({ K: value });
  });
});

describe("formatDotenv", () => {
  it("writes one line per key in map order with \\n endings", () => {
    const values = new Map([
      ["B", "1"],
      ["A", "x y # z"],
      ["C", "line\nbreak"],
    ]);
    const text = formatDotenv(values);
    expect(text).toBe('B=1\nA="x y # z"\nC="line\\nbreak"\n');
    expect(parseDocument(text).values).toEqual(values);
    expect(dotenv.parse(text)).toEqual(Object.fromEntries(values));
  });
  it("writes nothing for no keys", () => expect(formatDotenv(new Map())).toBe(""));
});
