/**
 * Property tests of the format-preserving writer on generated documents and changes:
 * the written file reads back as the intended map (in envsync, and in dotenv whenever
 * every value has a quoting both read alike), and every line not changed is byte-identical.
 */
import dotenv from "dotenv";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { applyChanges, formatDotenv, parse, parseDocument } from "../../../src/dotenv/index.js";
import { model } from "../../../src/dotenv/parser.js";
import type { Entry } from "../../../src/dotenv/parser.js";
import { dotenvReadsBack } from "../../../src/dotenv/quote.js";
import { anyKey, anyValue, dialectDoc } from "./arbitraries.js";

const RUNS = Number(process.env.DOTENV_FC_RUNS ?? 300);

/** Splits text into lines with their line endings, each with its start offset. */
function lines(text: string): { start: number; text: string }[] {
  const out: { start: number; text: string }[] = [];
  const re = /[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$/g;
  for (let m = re.exec(text); m !== null && m[0] !== ""; m = re.exec(text)) {
    out.push({ start: m.index, text: m[0] });
  }
  return out;
}

/** Line texts, with every line inside one of `replaced` entries folded into a marker. */
function skeleton(text: string, replaced: readonly Entry[], dropped: readonly Entry[]): string[] {
  const out: string[] = [];
  for (const l of lines(text)) {
    if (dropped.some((e) => l.start >= e.start && l.start < e.next)) continue;
    const r = replaced.find((e) => l.start >= e.start && l.start < e.next);
    if (r === undefined) out.push(l.text);
    else if (l.start === r.start) out.push(`<<${r.key}>>`);
  }
  return out;
}

const changesArb = fc.record({
  set: fc.array(fc.tuple(anyKey, anyValue), { maxLength: 5 }).map((pairs) => new Map(pairs)),
  delete: fc.array(anyKey, { maxLength: 3 }),
});

describe("applyChanges (property)", () => {
  it("reads back as the intended map and leaves every other line byte-identical", () => {
    fc.assert(
      fc.property(dialectDoc, changesArb, (text, changes) => {
        const before = parseDocument(text);
        const out = applyChanges(before.doc, changes);

        // 1. The intended map, in envsync's parser (and order: updated keys stay in place).
        const intended = new Map(before.values);
        for (const k of changes.delete) if (!changes.set.has(k)) intended.delete(k);
        for (const [k, v] of changes.set) intended.set(k, v);
        const after = parseDocument(out);
        expect([...after.values]).toEqual([...intended]);

        // 2. dotenv reads the same, when every value has a quoting both parsers share.
        if ([...changes.set.values()].every(dotenvReadsBack)) {
          expect(dotenv.parse(out)).toEqual(Object.fromEntries(intended));
        }

        // 3. Untouched lines byte-identical, updated keys on their line, new keys appended.
        const m = model(before.doc);
        const deleted = new Set([...changes.delete].filter((k) => !changes.set.has(k)));
        const lastIndex = new Map(m.entries.map((e, i) => [e.key, i] as const));
        const updated = m.entries.filter(
          (e, i) =>
            changes.set.has(e.key) &&
            lastIndex.get(e.key) === i &&
            changes.set.get(e.key) !== e.value,
        );
        const dropped = m.entries.filter((e) => deleted.has(e.key));
        const expected = skeleton(text, updated, dropped);
        const appended = [...changes.set.keys()].filter((k) => !before.values.has(k));
        if (expected.length === 1 && expected[0] === "\uFEFF" && appended.length > 0) {
          expected.pop(); // a file holding only a BOM: the first new line starts right after it
        }
        const tail = expected.at(-1);
        if (appended.length > 0 && tail !== undefined && !/^<<|[\r\n]$/.test(tail)) {
          expected[expected.length - 1] += m.eol; // a final line break is added before appending
        }
        const om = model(after.doc);
        const outLast = new Map(om.entries.map((e, i) => [e.key, i] as const));
        const rewritten = om.entries.filter(
          (e, i) =>
            outLast.get(e.key) === i &&
            (appended.includes(e.key) || updated.some((u) => u.key === e.key)),
        );
        const got = skeleton(out, rewritten, []);
        expect(got).toEqual([...expected, ...appended.map((k) => `<<${k}>>`)]);

        // 4. An updated key keeps its indent, `export `, key and spacing through '='.
        for (const u of updated) {
          const o = om.entries[outLast.get(u.key)!]!;
          const through = (t: string, start: number) => t.slice(start, t.indexOf("=", start) + 1);
          expect(through(out, o.start)).toBe(through(text, u.start));
        }
      }),
      { numRuns: RUNS },
    );
  });

  // Backticks are not read by python-dotenv nor compose: a value set in a backtick-quoted
  // line is rewritten in the least quoting every reader reads (docs/DOTENV.md).
  it("keeps the quote style of an updated value when the new value allows it", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("A=x", "A='x'", 'A="x"', "A=`x`"),
        fc.string({ unit: fc.constantFrom("a", " ", "é", "="), minLength: 1, maxLength: 6 }),
        (line, value) => {
          const v = `v${value}v`; // no blanks at the ends: every style can hold it
          const out = applyChanges(parseDocument(line).doc, {
            set: new Map([["A", v]]),
            delete: [],
          });
          const q = line.charAt(2) === "x" || line.charAt(2) === "`" ? "" : line.charAt(2);
          expect(out).toBe(`A=${q}${v}${q}`);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe("formatDotenv (property)", () => {
  it("writes a file that reads back as the map, in envsync and (portable values) in dotenv", () => {
    const key = fc
      .stringMatching(/^[A-Za-z_][A-Za-z0-9_.-]{0,8}$/)
      .filter((k) => k !== "__proto__");
    fc.assert(
      fc.property(fc.array(fc.tuple(key, anyValue), { maxLength: 8 }), (pairs) => {
        const values = new Map(pairs);
        const text = formatDotenv(values);
        expect([...parseDocument(text).values]).toEqual([...values]);
        if ([...values.values()].every(dotenvReadsBack)) {
          expect(dotenv.parse(text)).toEqual(Object.fromEntries(values));
        }
        expect(parse(text)).toEqual(Object.fromEntries(values));
      }),
      { numRuns: RUNS },
    );
  });
});
