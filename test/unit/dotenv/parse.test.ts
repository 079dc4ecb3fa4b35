import dotenv from "dotenv";
import { describe, expect, it } from "vitest";
import { isEnvsyncError } from "../../../src/errors.js";
import type { EnvsyncError } from "../../../src/errors.js";
import { parse, parseDocument } from "../../../src/dotenv/index.js";

/** Inputs where envsync must read exactly what dotenv 16.6 reads (one line a case). */
const sameAsDotenv: string[] = [
  "A=1",
  "A=hello world",
  "A = 1",
  "A\t=\t1",
  "  A=1",
  "\tA=1",
  "A=1   ",
  "A=  1",
  "export A=1",
  "export  A=1",
  "export\tA=1",
  "export=1",
  "export =1",
  "exportA=1",
  "A=",
  "A=   ",
  "A= # only a comment",
  "A=1 # comment",
  "A=1\t# comment",
  "A=1 #comment # more",
  "A=a b c # c",
  "# comment\nA=1",
  "#A=1",
  "  # indented comment\nA=1",
  "\n\n\nA=1\n\n",
  "A=1\nB=2",
  "A=1\r\nB=2\r\n",
  "A=1\rB=2",
  "\uFEFFA=1",
  "\uFEFF# comment\nA=1",
  "A='single quoted'",
  "A='  spaces kept  '",
  "A='#not a comment'",
  "A='a \"double\" inside'",
  "A='$NOT_EXPANDED'",
  "A='\\n stays literal'",
  "A='it\\'s'",
  "A='a\\'",
  "A='multi\nline'",
  "A='multi\r\nline CRLF'",
  "A='' # empty",
  "A=''",
  'A="double quoted"',
  'A="  spaces kept  "',
  'A="#not a comment"',
  "A=\"a 'single' inside\"",
  'A="line\\nbreak"',
  'A="carriage\\rreturn"',
  'A="both\\r\\n"',
  'A="unknown \\x escape kept"',
  'A="C:\\Users\\me"',
  'A="multi\nline"',
  'A="multi\r\nline"',
  'A="" # empty',
  'A=""',
  'A="x"#comment',
  "A=`backtick`",
  "A=`a 'single' and \"double\"`",
  "A=`multi\nline`",
  "A=``",
  "A=a=b=c",
  "A==",
  "A=$OTHER",
  "A=${OTHER}",
  "A=value'with'quotes",
  'A=value"end"',
  "A=ünïcödé ✓ 🚀",
  "A=1\n# ünïcödé comment ✓",
  "A.B-C_D=1",
  "_A=1",
  "a_lower=1",
  "A=1\nA=2",
  "A=1\nB=2\nA=3",
  "A=\u00a0padded\u00a0",
  "A=x\u2028y",
  "A=\u2028x",
  "A='x'\u2028",
  "A=1\n\tB=2\n   C=3",
  "A=tab\tinside",
  "A=\"a\"   # c\nB='b' # c\nC=`c` # c",
  "A='one\ntwo'\nB=\"three\nfour\"\nC=`five\nsix`",
  "A='spans\nB=1\nC=2'",
  'PRIVATE_KEY="-----BEGIN KEY-----\\nMIIB\\n-----END KEY-----\\n"',
];

describe("parse: same as dotenv.parse", () => {
  it("has at least 60 cases", () => expect(sameAsDotenv.length).toBeGreaterThanOrEqual(60));
  it.each(sameAsDotenv)("%j", (input) => {
    expect(parse(input)).toEqual(dotenv.parse(input));
  });
});

/**
 * Deliberate differences (b): inside double quotes envsync resolves the escapes that
 * docs/DESIGN.md, "The local file" lists (`\n \r \t \" \\`); dotenv 16.6 resolves only `\n` and `\r` and keeps the others
 * as written. Columns: input, envsync's value of A, dotenv's value of A.
 */
const escapeDifferences: [string, string, string][] = [
  ['A="tab\\there"', "tab\there", "tab\\there"],
  ['A="say \\"hi\\""', 'say "hi"', 'say \\"hi\\"'],
  ['A="back\\\\slash"', "back\\slash", "back\\\\slash"],
  ['A="json {\\"a\\": 1}"', 'json {"a": 1}', 'json {\\"a\\": 1}'],
  ['A="ends with backslash\\\\"', "ends with backslash\\", "ends with backslash\\\\"],
  ['A="a\\\\" # "', "a\\", 'a\\\\" # '], // dotenv also ends the value at another quote
  ['A="\\\\n is not a newline"', "\\n is not a newline", "\\\n is not a newline"],
];

describe("parse: deliberate differences from dotenv (double-quote escapes)", () => {
  it.each(escapeDifferences)("%j", (input, ours, theirs) => {
    expect(parse(input)).toEqual({ A: ours });
    expect(dotenv.parse(input)).toEqual({ A: theirs });
  });
});

/**
 * Deliberate differences (a): where dotenv silently guesses or drops, envsync raises a
 * PARSE error naming file:line:column. Columns: input, line, column, what dotenv does
 * (its result, recorded so the test fails if dotenv changes).
 */
const errors: [string, number, number, Record<string, string>][] = [
  ["A='unterminated", 1, 3, { A: "'unterminated" }],
  ['A="unterminated', 1, 3, { A: '"unterminated' }],
  ["A=`unterminated", 1, 3, { A: "`unterminated" }],
  ['OK=1\nA="no close\nB=2', 2, 3, { OK: "1", A: '"no close', B: "2" }],
  ['A="escaped close\\"', 1, 3, { A: "escaped close\\" }], // \" escapes the quote for us
  ["A='x' trailing", 1, 7, { A: "'x' trailing" }],
  ['A="x" trailing', 1, 7, { A: '"x" trailing' }],
  ["A='x'y'", 1, 6, { A: "x'y" }],
  ["just some text", 1, 6, {}],
  ["KEY", 1, 4, {}],
  ["KEY: value", 1, 4, { KEY: "value" }], // the colon form: dotenv reads it, we refuse it
  ["KEY:value", 1, 4, {}],
  ["1KEY=x", 1, 1, { "1KEY": "x" }],
  ["-KEY=x", 1, 1, { "-KEY": "x" }],
  [".KEY=x", 1, 1, { ".KEY": "x" }],
  ["KEY$=x", 1, 4, {}],
  ["ÅÄÖ=1", 1, 1, {}],
  ["__proto__=x", 1, 1, {}], // dotenv drops it silently (assigning to __proto__)
  ["export", 1, 7, {}],
  ["export 1A=x", 1, 8, { "1A": "x" }],
  ["export\nA=1", 1, 7, { A: "1" }],
  ["A=a#b", 1, 4, { A: "a" }], // '#' glued to a value: dotenv cuts the value
  ["A=#fff", 1, 3, { A: "" }],
  ["A=1\n  B\nC=3", 2, 4, { A: "1", C: "3" }],
  ["# c\u2028B=1", 1, 4, { B: "1" }], // U+2028 ends a comment for dotenv's regex
  ["A=\n'quoted on the next line'", 2, 1, { A: "quoted on the next line" }],
  ["\uFEFF1A=x", 1, 1, { "1A": "x" }], // the BOM is not counted in the column
  ["A=1\nB='héllo\n", 2, 3, { A: "1", B: "'héllo" }],
  ["A=a\u2028'x'", 1, 4, { A: "a\u2028x" }], // dotenv strips quotes after U+2028 in a bare value
  ["KEY=🚀#x", 1, 6, { KEY: "🚀" }], // columns count code points, not UTF-16 units
  ["A='é' x", 1, 7, { A: "'é' x" }],
];

describe("parse: errors where dotenv guesses or drops", () => {
  it.each(errors)("%j → line %i, column %i", (input, line, column, dotenvResult) => {
    expect(dotenv.parse(input)).toEqual(dotenvResult);
    let caught: unknown;
    try {
      parseDocument(input, { filename: "app/.env" });
    } catch (e) {
      caught = e;
    }
    expect(isEnvsyncError(caught, "PARSE")).toBe(true);
    const err = caught as EnvsyncError;
    expect(err.exitCode).toBe(2);
    expect(err.location).toEqual({ file: "app/.env", line, column });
    expect(err.message.startsWith(`app/.env:${line}:${column}: `)).toBe(true);
    expect(err.hint).toBeTruthy();
  });

  it("never puts value text in the message or hint", () => {
    const secret = "sk_live_51HsecretValue";
    const inputs = [
      `A='${secret}`,
      `A="${secret}`,
      `A="${secret}" ${secret}`,
      `A=${secret}#${secret}`,
      `${secret}`,
      `A=1\n${secret} ${secret}`,
      `# ${secret}\u2028x`,
      `${secret}: ${secret}`,
      `${secret} ${secret}`,
      `A=a\u2028'${secret}'`,
    ];
    for (const input of inputs) {
      let caught: unknown;
      try {
        parse(input);
      } catch (e) {
        caught = e;
      }
      expect(isEnvsyncError(caught, "PARSE"), input).toBe(true);
      const err = caught as Error & { hint?: string };
      expect(err.message).not.toContain(secret);
      expect(err.message).not.toContain("sk_live");
      expect(String(err.hint)).not.toContain("sk_live");
    }
  });
});

describe("parseDocument", () => {
  it("warns about a duplicate key naming both lines; the last wins", () => {
    const { values, warnings } = parseDocument("A=1\nB=2\n# c\nA=3\nA=4\n", { filename: "x.env" });
    expect(values.get("A")).toBe("4");
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatchObject({
      code: "DUPLICATE_KEY",
      key: "A",
      file: "x.env",
      firstLine: 1,
      line: 4,
    });
    expect(warnings[1]).toMatchObject({ firstLine: 1, line: 5 });
    expect(warnings[0]!.message).toContain("x.env:4");
    expect(warnings[0]!.message).toContain("line 1");
    expect(warnings[0]!.message).not.toMatch(/[=]3|\b3\b/);
  });

  it("keeps map order of first appearance, as dotenv's object", () => {
    const input = "B=1\nA=2\nB=3";
    expect([...parseDocument(input).values.keys()]).toEqual(Object.keys(dotenv.parse(input)));
  });

  it("counts lines through multi-line values for later errors", () => {
    expect(() => parse("A='x\ny\nz'\nB=\"u\r\nv\"\nC=ok\nD")).toThrow(/^\.env:7:2: /);
  });

  it("defaults the file name to .env", () => {
    expect(() => parse("oops")).toThrow(/^\.env:1:5: /);
  });

  it("returns a plain object like dotenv", () => {
    const out = parse("A=1");
    expect(Object.getPrototypeOf(out)).toBe(Object.getPrototypeOf(dotenv.parse("A=1")));
  });
});
