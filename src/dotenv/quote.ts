/**
 * Quoting for the writer. For each quote style, a predicate says whether a value can be
 * written in that style so that BOTH envsync's parser and `dotenv.parse` read it back
 * exactly; `quoteValue` picks the least quoting that works.
 */
import { BACKSLASH, BACKTICK, CR, DQUOTE, HASH, LF, LS, PS, SQUOTE, isSpace } from "./chars.js";
import type { QuoteCode } from "./parser.js";

/** Whether `value` can be written without quotes (`KEY=value`). */
export function canBare(value: string): boolean {
  const n = value.length;
  if (n === 0) return true;
  const first = value.charCodeAt(0);
  if (isSpace(first) || first === DQUOTE || first === SQUOTE || first === BACKTICK) return false;
  if (isSpace(value.charCodeAt(n - 1))) return false;
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    // U+2028/U+2029 followed by a quote is refused by the parser (dotenv mangles it).
    if (c === LF || c === CR || c === HASH || c === LS || c === PS) return false;
  }
  return true;
}

/**
 * Whether `value` can be written between single quotes or backticks (`q`): literal in
 * both parsers, so the value must not hold the quote itself, a carriage return (dotenv
 * turns it into `\n`), nor end with a backslash (dotenv would not see the closing quote).
 */
export function canLiteral(value: string, q: typeof SQUOTE | typeof BACKTICK): boolean {
  const n = value.length;
  if (n > 0 && value.charCodeAt(n - 1) === BACKSLASH) return false;
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c === q || c === CR) return false;
  }
  return true;
}

/**
 * Whether `value` can be written between double quotes with only `\n` and `\r` escapes,
 * the two that dotenv also resolves: no `"`, and no backslash that either parser would
 * read as the start of an escape.
 */
export function canDouble(value: string): boolean {
  const n = value.length;
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c === DQUOTE) return false;
    if (c === BACKSLASH) {
      if (i + 1 >= n) return false;
      const d = value.charCodeAt(i + 1);
      // n, r, t, ", \ and a line break after a backslash would be read as an escape.
      if (
        d === 110 ||
        d === 114 ||
        d === 116 ||
        d === DQUOTE ||
        d === BACKSLASH ||
        d === LF ||
        d === CR
      ) {
        return false;
      }
    }
  }
  return true;
}

/** Whether some quoting of `value` reads back identically in envsync and in `dotenv.parse`. */
export function isPortable(value: string): boolean {
  return (
    canBare(value) || canDouble(value) || canLiteral(value, SQUOTE) || canLiteral(value, BACKTICK)
  );
}

/** Writes `value` in the given style, when {@link canStyle} allows it. */
function render(value: string, q: QuoteCode): string {
  if (q === 0) return value;
  if (q === DQUOTE) return `"${value.replace(/\n/g, "\\n").replace(/\r/g, "\\r")}"`;
  const c = q === SQUOTE ? "'" : "`";
  return c + value + c;
}

/** Whether `value` can be written in style `q` and read back identically by both parsers. */
export function canStyle(value: string, q: QuoteCode): boolean {
  if (q === 0) return canBare(value);
  if (q === DQUOTE) return canDouble(value);
  return canLiteral(value, q);
}

/**
 * Writes `value` in style `preferred` when that reads back identically, else with
 * {@link quoteValue}'s choice.
 */
export function renderValue(value: string, preferred: QuoteCode): string {
  return canStyle(value, preferred) ? render(value, preferred) : quoteValue(value);
}

/**
 * The least quoting of one value: unquoted when that is safe, else double quotes
 * (`\n`, `\r` escaped), else single quotes, else backticks — the first style that both
 * envsync and `dotenv.parse` read back as exactly `value`. When no style does (a value
 * holding `'`, `` ` `` and `"` together with a line break, for example), it falls back
 * to double quotes with all of envsync's escapes (`\" \\ \n \r`), which envsync reads
 * back exactly but dotenv does not.
 */
export function quoteValue(value: string): string {
  if (canBare(value)) return value;
  if (canDouble(value)) return render(value, DQUOTE);
  if (canLiteral(value, SQUOTE)) return render(value, SQUOTE);
  if (canLiteral(value, BACKTICK)) return render(value, BACKTICK);
  let out = '"';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    if (ch === "\\") out += "\\\\";
    else if (ch === '"') out += '\\"';
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else out += ch;
  }
  return out + '"';
}
