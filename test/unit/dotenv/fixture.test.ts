import { readFileSync } from "node:fs";
import dotenv from "dotenv";
import { describe, expect, it } from "vitest";
import { applyChanges, expandValues, parse, parseDocument } from "../../../src/dotenv/index.js";

const text = readFileSync(new URL("./fixtures/realistic.env", import.meta.url), "utf8");
const crlf = text.replace(/\n/g, "\r\n");

describe("a realistic .env file", () => {
  it.each([
    ["LF", text],
    ["CRLF", crlf],
    ["BOM + CRLF", "\uFEFF" + crlf],
  ])("(%s) reads as dotenv reads it", (_name, input) => {
    const ours = parse(input);
    expect(ours).toEqual(dotenv.parse(input));
    expect(Object.keys(ours)).toHaveLength(14);
    expect(ours.DB_PASSWORD).toBe("p@ss w0rd #1 $notexpanded");
    expect(ours.JWT_PUBLIC_KEY!.split("\n")).toHaveLength(3);
    expect(ours.TEMPLATE).toBe("${HOST}:${PORT}");
  });

  it("round-trips byte for byte and edits in place", () => {
    const { doc, warnings } = parseDocument(crlf);
    expect(warnings).toEqual([]);
    expect(applyChanges(doc, { set: new Map(), delete: [] })).toBe(crlf);
    const out = applyChanges(doc, {
      set: new Map([
        ["PORT", "9090"],
        ["DB_PASSWORD", "new 'pass' #2"],
        ["JWT_PUBLIC_KEY", "short"],
        ["NEW_KEY", "a b #c"],
      ]),
      delete: ["FEATURE_FLAGS", "JWT_PRIVATE_KEY"],
    });
    expect(out).toContain("\r\nexport PORT=9090\r\n");
    expect(out).toContain("\r\nDB_PASSWORD=\"new 'pass' #2\"\r\n");
    expect(out).toContain('\r\nJWT_PUBLIC_KEY="short"\r\nGREETING=');
    expect(out).not.toContain("FEATURE_FLAGS");
    expect(out).not.toContain("PRIVATE KEY");
    expect(out.endsWith('app.log-level=debug\r\nNEW_KEY="a b #c"\r\n')).toBe(true);
    expect(out.split("\r\n").slice(0, 4)).toEqual(crlf.split("\r\n").slice(0, 4));
    expect(dotenv.parse(out)).toEqual(parse(out));
  });

  it("expands only when asked", () => {
    const values = parseDocument(text).values;
    expect(expandValues(values, {}).get("TEMPLATE")).toBe("0.0.0.0:8080");
  });
});
