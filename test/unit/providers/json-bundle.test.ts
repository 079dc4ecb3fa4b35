import { describe, expect, it } from "vitest";
import { isEnvsyncError } from "../../../src/errors.js";
import { decodeBundle, encodeBundle } from "../../../src/providers/shared/json-bundle.js";

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
