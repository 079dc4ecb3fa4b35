import pc from "picocolors";
import { describe, expect, it } from "vitest";
import { escapeControl, markPainters, safeJson, terminalText } from "../../../src/cli/safe-text.js";

/** A raw control or format character (the line feed excepted). */
const RAW = /(?!\n)[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u;

describe("escapeControl", () => {
  it.each([
    ["\x1b]0;title\x07", "\\x1b]0;title\\x07"],
    ["a\x1b[2Kb", "a\\x1b[2Kb"],
    ["\x00\x7f\x85\x9b", "\\x00\\x7f\\x85\\x9b"],
    ["r\rn\nt\t", "r\\x0dn\nt\\x09"],
    ["\u202ebidi\u2066\u200e\u200f", "\\u202ebidi\\u2066\\u200e\\u200f"],
    ["\u2028\u2029\ufeff\u00ad", "\\u2028\\u2029\\ufeff\\xad"],
    ["tag\u{e0041}", "tag\\u{e0041}"],
    ["lone\ud800", "lone\\ud800"],
    ["plain ünïcödé ⇄ ↑ 日本", "plain ünïcödé ⇄ ↑ 日本"],
    ["back\\x1b slash", "back\\x1b slash"],
  ])("%j → %j", (input, shown) => {
    expect(escapeControl(input)).toBe(shown);
    expect(escapeControl(shown)).toBe(shown); // idempotent
  });
});

describe("the fast path for text that needs no escaping", () => {
  // escapeControl and safeJson skip their Unicode-class expressions for text made only
  // of ranges with nothing to escape: every code point must come out as the full rule
  // (RAW, and JSON's own set) gives it, in and around plain text.
  const ALL = /(?!\n)[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/gu;
  const IN_JSON = /[\u007f-\u009f\p{Cf}\p{Zl}\p{Zp}]/u;
  it("gives every code point the full rule's result", () => {
    const wrong: string[] = [];
    for (let cp = 0; cp <= 0x10ffff; cp++) {
      const text = `a ${String.fromCodePoint(cp)} z`;
      const full = text.replace(ALL, (ch) => escapeControl(ch));
      if (escapeControl(text) !== full) wrong.push(`escapeControl U+${cp.toString(16)}`);
      const json = safeJson({ v: text });
      if (IN_JSON.test(json) || (JSON.parse(json) as { v: string }).v !== text)
        if (!(cp >= 0xd800 && cp <= 0xdfff)) wrong.push(`safeJson U+${cp.toString(16)}`);
      if (wrong.length > 10) break;
    }
    expect(wrong).toEqual([]);
  });

  it("control: a character the fast path lets through would be caught", () => {
    expect(escapeControl("a \u2060 z")).toBe("a \\u2060 z");
    expect(safeJson({ v: "\u2060" })).toContain("\\u2060");
  });
});

describe("colours survive, remote escapes do not", () => {
  const c = markPainters(pc.createColors(true));
  it("keeps the CLI's own SGR sequences and escapes everything else", () => {
    const line = `${c.red(`! ${"K\x1b]0;T\x07"}`)} ${c.dim("why\x1b[2K")} \x1b[31mforged`;
    const shown = terminalText(line);
    expect(shown).toBe(
      "\x1b[31m! K\\x1b]0;T\\x07\x1b[39m \x1b[2mwhy\\x1b[2K\x1b[22m \\x1b[31mforged",
    );
  });
  it("nests as picocolors does", () => {
    const plain = pc.createColors(true);
    expect(terminalText(c.bold(`a ${c.dim("b")} c`))).toBe(plain.bold(`a ${plain.dim("b")} c`));
  });
});

describe("safeJson", () => {
  it("is the same JSON value with no raw terminal character", () => {
    const all = Array.from({ length: 0xa0 }, (_, i) => String.fromCharCode(i)).join("");
    const v = { [`k${all}`]: `${all}\u202e\u2028\u2029\ufeff\u{e0001}`, n: [1, null, true] };
    const text = safeJson(v);
    expect(JSON.parse(text)).toEqual(v);
    expect(RAW.test(text.replaceAll("\n", ""))).toBe(false);
  });
});
