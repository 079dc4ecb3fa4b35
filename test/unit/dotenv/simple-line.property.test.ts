/**
 * The parser reads plain `KEY=value` lines with one regular expression and every other
 * line with its character loop; a file holding a `\r` takes the loop for every line.
 * Both must read the same text the same way: each generated LF-only text is parsed as
 * is and with a comment line ending in `\r` appended (which adds no entry), and the two
 * results (values, entries with their offsets, warnings, or the error) must agree. The
 * values-only reading (`parseValues`) agrees with the document's.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { model, parseDocument, parse, parseValues } from "../../../src/dotenv/parser.js";
import { backslashSoup, dialectDoc, tokenSoup } from "./arbitraries.js";

/** The outcome of parsing `text`: the document's entries and values, or the error. */
function outcome(text: string): unknown {
  try {
    const r = parseDocument(text, { filename: ".env" });
    return {
      values: [...r.values],
      entries: model(r.doc).entries,
      warnings: r.warnings,
      record: parse(text),
    };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/**
 * The same text read by the loop alone: a trailing comment line ended by `\r`. The text
 * ends with `\n` (see {@link lf}), so its own lines and offsets stay as they were.
 */
const viaLoop = (text: string): string => `${text}#loop\r`;

/** `text` ending with a line break (the last line of a file without one: tested apart). */
const lf = (text: string): string => (text === "" || text.endsWith("\n") ? text : `${text}\n`);

const simpleish = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        "A=1",
        "A=",
        "__proto__=x",
        "export=1",
        "export A=1",
        "A=a'b",
        "A='b'",
        "A=b#c",
        "A=b #c",
        "A=\\n",
        "A= b",
        "A=b ",
        "A=b\u2028c",
        "A=b\u00a0",
        "1A=b",
        "A.b-c_D=v=w",
        "A==b",
        "A=é中🚀",
        "",
        "# c",
        " A=1",
      ),
      fc.string({
        unit: fc.constantFrom("A", "=", "b", " ", "#", "'", '"', "\\", "\u2028", "_"),
        maxLength: 8,
      }),
    ),
    { maxLength: 12 },
  )
  .map((lines) => lines.join("\n"));

describe("plain lines read by the regular expression and by the loop", () => {
  it.each([
    ["dialect documents", dialectDoc],
    ["token soup", tokenSoup],
    ["backslash soup", backslashSoup],
    ["plain and near-plain lines", simpleish],
  ] as const)("agree on %s", (_name, arb) => {
    fc.assert(
      fc.property(arb.filter((t) => !t.includes("\r")).map(lf), (text) => {
        const a = outcome(text);
        const b = outcome(viaLoop(text));
        expect(b).toEqual(a);
      }),
      { numRuns: 400 },
    );
  });

  it.each([
    ["dialect documents", dialectDoc],
    ["token soup", tokenSoup],
    ["plain and near-plain lines, duplicates included", simpleish],
  ] as const)("parseValues gives parseDocument's values, warnings or error on %s", (_n, arb) => {
    const run = (f: () => unknown): unknown => {
      try {
        return f();
      } catch (e) {
        return { error: (e as Error).message };
      }
    };
    fc.assert(
      fc.property(arb, (text) => {
        expect(run(() => parseValues(text))).toEqual(
          run(() => {
            const r = parseDocument(text);
            return { values: r.values, warnings: r.warnings };
          }),
        );
      }),
      { numRuns: 400 },
    );
  });

  it("reads a plain last line without a line break as the loop would", () => {
    for (const [text, values] of [
      ["A=1", [["A", "1"]]],
      ["A=", [["A", ""]]],
      [
        "B=2\nA=x'y",
        [
          ["B", "2"],
          ["A", "x'y"],
        ],
      ],
    ] as const) {
      const r = parseDocument(text);
      expect([...r.values]).toEqual(values);
      const last = model(r.doc).entries.at(-1)!;
      expect([last.end, last.next]).toEqual([text.length, text.length]);
      expect(text.slice(last.valueStart, last.valueEnd)).toBe(values.at(-1)![1]);
    }
    expect(() => parseDocument("__proto__=1")).toThrow(/__proto__ is not allowed/);
  });

  it("control: the loop's own reading differs where the appended line shows (so the check sees it)", () => {
    const text = "A=1\nB=2\n";
    expect(outcome(viaLoop(text))).not.toEqual(outcome(`${text}C=3\r`));
  });
});
