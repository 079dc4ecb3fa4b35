import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isEnvsyncError } from "../../../src/errors.js";
import {
  decodeBundle,
  encodeBundle,
  jsonMemberText,
  parseBundle,
  patchBundle,
  utf8OrNull,
} from "../../../src/providers/shared/json-bundle.js";

const decode = (t: string): Record<string, string> => Object.fromEntries(decodeBundle(t, "x"));
/** Decodes `doc`, sets `key` to `value`, encodes against what was read. */
const change = (doc: string, key: string, value: string): string => {
  const read = decodeBundle(doc, "x");
  const next = new Map(read).set(key, value);
  return encodeBundle(next, read);
};

describe("decodeBundle", () => {
  // prettier-ignore
  it.each([
    ['{"A":"x"}', { A: "x" }],
    ['{"N":12345678901234567890}', { N: "12345678901234567890" }],
    ['{"F":1.50,"E":-1e+3}', { F: "1.50", E: "-1e+3" }],
    ['{"T":true,"Z":null}', { T: "true", Z: "null" }],
    ['{ "O" : {"a": [1, "}"]} , "L":[1,[2]] }', { O: '{"a": [1, "}"]}', L: "[1,[2]]" }],
    ['{"Q":"a\\"b\\\\","U":"\\u00e9"}', { Q: 'a"b\\', U: "é" }],
    ['{"D":"1","D":"2"}', { D: "2" }],
    ["{}", {}],
  ])("%s", (doc, values) => expect(decode(doc)).toEqual(values));

  it.each(["not json", "[1]", '"s"', "null"])("refuses %s (PARSE, no content shown)", (doc) => {
    let err: unknown;
    try {
      decodeBundle(doc, "remote");
    } catch (e) {
      err = e;
    }
    expect(isEnvsyncError(err, "PARSE")).toBe(true);
    expect(String(err)).not.toContain(doc);
  });
});

describe("encodeBundle", () => {
  // prettier-ignore
  it.each([
    ["unchanged keys keep text", '{"B":1.0,"A":"x","N":null}', "A", "y", '{"B":1.0,"A":"y","N":null}'],
    ["a number stays a number", '{"N":12345678901234567890}', "N", "98765432109876543210", '{"N":98765432109876543210}'],
    ["a number becomes a string when not a literal", '{"N":1}', "N", "one", '{"N":"one"}'],
    ["a boolean stays a boolean", '{"T":true}', "T", "false", '{"T":false}'],
    ["a boolean becomes a string", '{"T":true}', "T", "yes", '{"T":"yes"}'],
    ["null set to text becomes a string", '{"Z":null}', "Z", "v", '{"Z":"v"}'],
    ["a new key is a string, after the others, sorted", '{"B":2}', "A", "1", '{"B":2,"A":"1"}'],
    ["escapes of unchanged strings are kept", '{"U":"caf\\u00e9","A":"x"}', "A", "y", '{"U":"caf\\u00e9","A":"y"}'],
  ])("%s", (_name, doc, key, value, want) => expect(change(doc, key, value)).toBe(want));

  it("without a read: sorted keys, every value a string", () => {
    expect(
      encodeBundle(
        new Map([
          ["B", "2"],
          ["A", "1"],
        ]),
      ),
    ).toBe('{"A":"1","B":"2"}');
  });

  it("pretty-prints for file:*.json", () => {
    const read = decodeBundle('{"A":1}', "x");
    expect(encodeBundle(new Map(read).set("B", "b"), read, 2)).toBe('{\n  "A": 1,\n  "B": "b"\n}');
  });

  it("refuses to change a nested value, and keeps it when unchanged or deleted", () => {
    const doc = '{"O":{"a":1},"A":"x"}';
    expect(change(doc, "A", "y")).toBe('{"O":{"a":1},"A":"y"}');
    let err: unknown;
    try {
      change(doc, "O", '{"a":2}');
    } catch (e) {
      err = e;
    }
    expect(isEnvsyncError(err, "PARSE")).toBe(true);
    const read = decodeBundle(doc, "x");
    const next = new Map(read);
    next.delete("O");
    expect(encodeBundle(next, read)).toBe('{"A":"x"}');
  });
});

describe("patchBundle: a write is a patch of what was read", () => {
  const patch = (doc: string, set: Record<string, string>, del: string[] = []): string =>
    patchBundle(parseBundle(doc, "x").document, { set: new Map(Object.entries(set)), delete: del });

  // prettier-ignore
  it.each([
    ["adds after the last member laid out like it, keeping every other byte", '{ "bad key" : 1 ,"A":"x" }', { B: "b" }, [], '{ "bad key" : 1 ,"A":"x" ,"B" : "b" }'],
    ["a pretty document keeps its layout", '{\n    "A": 1,\n    "B": 2\n}\n', { C: "c" }, [], '{\n    "A": 1,\n    "B": 2,\n    "C": "c"\n}\n'],
    ["one pretty member: the new one goes on its own line", '{\n  "A": 1\n}', { C: "c" }, [], '{\n  "A": 1,\n  "C": "c"\n}'],
    ["deletes the first member only", '{"A":1, "B":2, "C":3}', {}, ["A"], '{"B":2, "C":3}'],
    ["deletes a middle member only", '{"A":1, "B":2, "C":3}', {}, ["B"], '{"A":1, "C":3}'],
    ["deletes the last member only", '{\n "A": 1,\n "B": 2\n}', {}, ["B"], '{\n "A": 1\n}'],
    ["deleting every member leaves an empty object", '{"A":1}', {}, ["A"], "{}"],
    ["sets only the value token", '{"A" :  1,"B":"x"}', { B: "y" }, [], '{"A" :  1,"B":"y"}'],
    ["an unchanged value keeps its token", '{"A":1.50}', { A: "1.50" }, [], '{"A":1.50}'],
    ["a byte order mark and surroundings stay", '\uFEFF {"A":1}\n', { B: "b" }, [], '\uFEFF {"A":1,"B":"b"}\n'],
    ["a repeated name: a set replaces the last occurrence", '{"D":"1","D":"2"}', { D: "3" }, [], '{"D":"1","D":"3"}'],
    ["a repeated name: a delete removes every occurrence", '{"D":"1","A":0,"D":"2"}', {}, ["D"], '{"A":0}'],
    ["an empty document gets its first member", "{}", { A: "a" }, [], '{"A":"a"}'],
    ["unknown deletes change nothing", '{"A":1}', {}, ["Z"], '{"A":1}'],
  ])("%s", (_name, doc, set, del, want) => expect(patch(doc, set, del)).toBe(want));

  it("a lone surrogate is left out of the values, listed, kept by writes, never overwritten", () => {
    const doc = '{"L":"a\\ud800","A":"x"}';
    const parsed = parseBundle(doc, "x");
    expect([...parsed.values.keys()]).toEqual(["A"]);
    expect(parsed.unreadable.map((u) => u.key)).toEqual(["L"]);
    expect(patch(doc, { A: "y" })).toBe('{"L":"a\\ud800","A":"y"}');
    expect(() => patch(doc, { L: "b" })).toThrow(/not valid Unicode/);
  });

  it("reads a document with a byte order mark", () => {
    expect(Object.fromEntries(parseBundle('\uFEFF{"A":1}', "x").values)).toEqual({ A: "1" });
  });

  it("without a document: a fresh object, compact or pretty", () => {
    const set = new Map([
      ["B", "2"],
      ["A", "1"],
    ]);
    expect(patchBundle(undefined, { set, delete: [] })).toBe('{"A":"1","B":"2"}');
    expect(patchBundle(undefined, { set, delete: [] }, 2)).toBe('{\n  "A": "1",\n  "B": "2"\n}');
  });

  it("jsonMemberText finds a nested member's exact text", () => {
    const res = '{"data":{"data":{"N":12345678901234567890,"a b":true},"metadata":{}}}';
    expect(jsonMemberText(res, ["data", "data"])).toBe('{"N":12345678901234567890,"a b":true}');
    expect(jsonMemberText('{"data":null}', ["data", "data"])).toBeUndefined();
  });

  it("utf8OrNull refuses bytes that are not UTF-8 instead of replacing them", () => {
    expect(utf8OrNull(Buffer.from("café"))).toBe("café");
    expect(utf8OrNull(Buffer.from([0x66, 0xff, 0x00]))).toBeNull();
  });
});

describe("parseBundle on any JSON object", () => {
  // Quotes, backslashes and brackets inside strings are what the scanner must step over.
  const text = fc.string({
    unit: fc.constantFrom(
      "a",
      "Z",
      '"',
      "\\",
      "/",
      "\n",
      "\t",
      "é",
      "😀",
      "{",
      "}",
      "[",
      "]",
      ",",
      ":",
      " ",
    ),
    maxLength: 12,
  });
  const json = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: "small" },
      text,
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.boolean(),
      fc.constant(null),
      fc.array(tie("value"), { maxLength: 3 }),
      fc.dictionary(text, tie("value"), { maxKeys: 3 }),
    ),
  })).value;

  it("reads every member as JSON.parse does, whatever the spacing", () => {
    fc.assert(
      fc.property(
        fc.dictionary(text, json, { maxKeys: 8 }),
        fc.constantFrom(0, 1, 2, "\t"),
        (generated, space) => {
          // What JSON can say: -0 is written as 0, so compare with the round-tripped object.
          const obj = JSON.parse(JSON.stringify(generated)) as Record<string, unknown>;
          const doc = JSON.stringify(obj, null, space);
          const { values, document } = parseBundle(doc, "x");
          expect([...values.keys()].sort()).toEqual(Object.keys(obj).sort());
          for (const [k, v] of Object.entries(obj)) {
            const got = values.get(k)!;
            if (typeof v === "string") expect(got).toBe(v);
            else expect(JSON.parse(got)).toEqual(v);
          }
          for (const m of document.members) expect(doc.slice(m.valueStart, m.end)).toBe(m.raw.text);
          expect(
            JSON.parse(jsonMemberText(JSON.stringify({ a: { b: obj } }, null, space), ["a", "b"])!),
          ).toEqual(obj);
        },
      ),
      { numRuns: 400 },
    );
  });
});
