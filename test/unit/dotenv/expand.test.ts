import { describe, expect, it } from "vitest";
import { expandValues, parse } from "../../../src/dotenv/index.js";

/** [file, env, expected] — one line a case; values stay literal unless expanded. */
const cases: [string, Record<string, string>, Record<string, string>][] = [
  ["A=1\nB=${A}", {}, { A: "1", B: "1" }],
  ["A=1\nB=$A", {}, { A: "1", B: "1" }],
  ["A=1\nB=x${A}y$A.z", {}, { A: "1", B: "x1y1.z" }],
  ["B=${A}\nA=1", {}, { B: "1", A: "1" }],
  ["B=${MISSING}", {}, { B: "" }],
  ["B=${MISSING:-fallback}", {}, { B: "fallback" }],
  ["B=${MISSING-fallback}", {}, { B: "fallback" }],
  ["A=\nB=${A:-empty}", {}, { A: "", B: "empty" }],
  ["B=${MISSING:-${OTHER}}\nOTHER=o", {}, { B: "o", OTHER: "o" }],
  ["B=${HOME}", { HOME: "/home/me" }, { B: "/home/me" }],
  ["HOME=file\nB=${HOME}", { HOME: "/home/me" }, { HOME: "file", B: "/home/me" }],
  ["A=file\nB=${A}", { A: "" }, { A: "file", B: "file" }],
  ["B=\\${A}\nA=1", {}, { B: "${A}", A: "1" }],
  ["B='\\$A'\nA=1", {}, { B: "$A", A: "1" }],
  ["A=${A}", {}, { A: "" }],
  ["A=${B}\nB=${A}", {}, { A: "", B: "" }],
  ["A=$", {}, { A: "$" }],
  ["A=${", {}, { A: "${" }],
  ["A=$1x", {}, { A: "$1x" }],
  ["A=price: 5$", {}, { A: "price: 5$" }],
  ['A=1\nB="${A} and $A"', {}, { A: "1", B: "1 and 1" }],
];

describe("expandValues", () => {
  it.each(cases)("%j with env %j", (text, env, expected) => {
    const values = new Map(Object.entries(parse(text)));
    expect(Object.fromEntries(expandValues(values, env))).toEqual(expected);
  });

  it("does not expand unless asked", () => {
    expect(parse("A=1\nB=${A}")).toEqual({ A: "1", B: "${A}" });
  });

  it("keeps key order and does not change its input", () => {
    const values = new Map([
      ["Z", "$A"],
      ["A", "1"],
    ]);
    expect([...expandValues(values, {}).keys()]).toEqual(["Z", "A"]);
    expect(values.get("Z")).toBe("$A");
  });
});
