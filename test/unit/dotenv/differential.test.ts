/**
 * Differential tests against the real `dotenv` package (16.6) on generated inputs:
 * envsync must read exactly what dotenv reads, or refuse with a PARSE error — never
 * silently read something else.
 */
import dotenv from "dotenv";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isEnvsyncError } from "../../../src/errors.js";
import { applyChanges, parse, parseDocument } from "../../../src/dotenv/index.js";
import { backslashSoup, dialectDoc, tokenSoup } from "./arbitraries.js";

const RUNS = Number(process.env.DOTENV_FC_RUNS ?? 400);

describe("differential: envsync parse vs dotenv.parse", () => {
  it("reads every file of the shared dialect exactly as dotenv does", () => {
    fc.assert(
      fc.property(dialectDoc, (text) => {
        expect(parse(text)).toEqual(dotenv.parse(text));
      }),
      { numRuns: RUNS },
    );
  });

  it("parse and parseDocument accept, reject and read the same texts", () => {
    const outcome = (f: () => unknown): unknown => {
      try {
        return f();
      } catch (e) {
        return { error: (e as Error).message };
      }
    };
    fc.assert(
      fc.property(fc.oneof(tokenSoup, backslashSoup, dialectDoc), (text) => {
        const a = outcome(() => parse(text));
        const b = outcome(() => Object.fromEntries(parseDocument(text).values));
        expect(a).toEqual(b);
      }),
      { numRuns: RUNS },
    );
  });

  it("serializes an unchanged document to the identical bytes", () => {
    fc.assert(
      fc.property(dialectDoc, (text) => {
        const { doc } = parseDocument(text);
        expect(applyChanges(doc, { set: new Map(), delete: [] })).toBe(text);
      }),
      { numRuns: RUNS },
    );
  });

  it.each([
    ["quotes, '#', '=', ':', blanks, line breaks, U+2028", tokenSoup],
    ["backslashes (no double quotes)", backslashSoup],
  ])("on risky fragments (%s) either agrees with dotenv or raises a PARSE error", (_name, soup) => {
    // Never backslashes and double quotes together: escapes inside double quotes are a
    // deliberate difference (tested in parse.test.ts).
    let accepted = 0;
    fc.assert(
      fc.property(soup, (text) => {
        let ours: Record<string, string>;
        try {
          ours = parse(text);
        } catch (e) {
          expect(isEnvsyncError(e, "PARSE")).toBe(true);
          return;
        }
        accepted++;
        expect(ours).toEqual(dotenv.parse(text));
      }),
      { numRuns: RUNS * 2 },
    );
    expect(accepted).toBeGreaterThan(0);
  });
});
