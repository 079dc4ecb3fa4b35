/**
 * The lossless dotenv parser: one pass over the text with char-code scanning, no
 * per-line regular expression. It reads the dialect of the `dotenv` package (v16) and
 * raises an error where dotenv would silently guess or drop (see docs/DOTENV.md).
 */
import { EnvsyncError } from "../errors.js";
import {
  BACKSLASH,
  BACKTICK,
  COLON,
  CR,
  DQUOTE,
  EQUALS,
  HASH,
  LF,
  LS,
  PS,
  SQUOTE,
  isKeyPart,
  isKeyStart,
  isSpace,
} from "./chars.js";

/** Options of {@link parseDocument} and {@link parse}. */
export interface ParseOptions {
  /** The file name used in error messages and locations; default ".env". */
  filename?: string;
}

/** A non-fatal finding of the parser. */
export interface DotenvWarning {
  /** What kind of finding this is. */
  code: "DUPLICATE_KEY";
  /** The key concerned. */
  key: string;
  /** The file name given in {@link ParseOptions.filename}. */
  file: string;
  /** 1-based line of the first definition of the key. */
  firstLine: number;
  /** 1-based line of the definition that overrides it (the last one wins). */
  line: number;
  /** A sentence naming the key and both lines (never the value). */
  message: string;
}

/**
 * A parsed `.env` file that keeps every byte (comments, blank lines, order, `export `
 * prefixes, quoting, line endings). Treat it as opaque: pass it to `applyChanges`.
 */
export interface DotenvDocument {
  /** The exact text that was parsed; serializing an unchanged document gives it back. */
  readonly text: string;
  /** The file name used in messages. */
  readonly file: string;
}

/** The result of {@link parseDocument}. */
export interface ParsedDotenv {
  /** Key → value, in order of first appearance; for a duplicate key the last value wins. */
  values: Map<string, string>;
  /** The lossless document model, for format-preserving writes. */
  doc: DotenvDocument;
  /** Duplicate keys and other non-fatal findings. */
  warnings: DotenvWarning[];
}

/** Quote kind of a value token: 0 when unquoted, else the quote's char code. */
export type QuoteCode = 0 | typeof DQUOTE | typeof SQUOTE | typeof BACKTICK;

/** One `KEY=value` definition, as offsets into the document text. */
export interface Entry {
  /** The key as written (without `export `). */
  readonly key: string;
  /** The value this definition gives (before any later duplicate overrides it). */
  readonly value: string;
  /** 1-based line of the key. */
  readonly line: number;
  /** Offset of the first character of the entry's first line. */
  readonly start: number;
  /** Offset of the value token (quotes included); for an empty unquoted value, right after `=`. */
  readonly valueStart: number;
  /** Offset just after the value token. */
  readonly valueEnd: number;
  /** Offset of the line break ending the entry's last line (or the text's length). */
  readonly end: number;
  /** Offset of the line after the entry (after its line break). */
  readonly next: number;
  /** How the value was quoted. */
  readonly quote: QuoteCode;
  /** Whether the line has the `export ` prefix. */
  readonly exported: boolean;
}

/** The internal shape behind {@link DotenvDocument}. */
export interface DocumentModel extends DotenvDocument {
  /** Every `KEY=value` definition in file order (duplicates included). */
  readonly entries: readonly Entry[];
  /** The file's line ending (its first one), "\n" when it has none. */
  readonly eol: string;
}

/** Reads the internals of a document made by {@link parseDocument}. */
export function model(doc: DotenvDocument): DocumentModel {
  const m = doc as Partial<DocumentModel>;
  if (typeof m.text !== "string" || !Array.isArray(m.entries) || typeof m.eol !== "string") {
    throw new TypeError("not a DotenvDocument made by parseDocument()");
  }
  return m as DocumentModel;
}

/**
 * Parses `.env` text into its values, a lossless document and warnings.
 *
 * @throws EnvsyncError with code "PARSE" (exit 2) naming `file:line:column` for an
 *   unterminated quote, a line that is neither `KEY=value`, a comment nor blank, an
 *   invalid key, or anything dotenv would silently read differently. The message names
 *   the key and position, never the value.
 */
export function parseDocument(text: string, options: ParseOptions = {}): ParsedDotenv {
  return scan(text, options.filename ?? ".env", null)!;
}

/** What {@link parseValues} returns: the values and the warnings, no document. */
export interface ParsedValues {
  readonly values: Map<string, string>;
  readonly warnings: DotenvWarning[];
}

/** Thrown inside {@link scan} in values-only mode at the first duplicate key. */
class Duplicate extends Error {}

/**
 * The values and warnings of `.env` text, as {@link parseDocument} gives them, without
 * the lossless document (for reads that write nothing back: less to allocate). A file
 * with a duplicate key is read again by {@link parseDocument} for its warning.
 *
 * @throws EnvsyncError "PARSE", as {@link parseDocument}.
 */
export function parseValues(text: string, options: ParseOptions = {}): ParsedValues {
  const file = options.filename ?? ".env";
  let parsed: ParsedDotenv;
  try {
    parsed = scan(text, file, null, true)!;
  } catch (e) {
    if (!(e instanceof Duplicate)) throw e;
    parsed = scan(text, file, null)!;
  }
  return { values: parsed.values, warnings: parsed.warnings };
}

/**
 * Parses `.env` text into a plain object, the shape `dotenv.parse` returns (last
 * duplicate wins, values literal, no expansion).
 *
 * @throws EnvsyncError "PARSE", as {@link parseDocument}.
 */
export function parse(text: string, options: ParseOptions = {}): Record<string, string> {
  const out: Record<string, string> = {};
  scan(text, options.filename ?? ".env", out);
  return out;
}

/**
 * A whole `KEY=value` line whose value needs no rule of the loop in {@link scan}: the key
 * at the line start, `=` right after it, a value without whitespace (JavaScript's `\s`,
 * U+2028/U+2029 included), `#`, or a quote as its first character, then `\n` or the end.
 */
const SIMPLE_LINE = /([A-Za-z_][A-Za-z0-9_.-]*)=((?:[^\s#"'`][^\s#]*)?)(?=\n|$)/y;

/**
 * The one scanner behind the entry points. With `record`, it only assigns values into
 * it (the fast path of {@link parse}); with `valuesOnly`, it builds the map alone and
 * throws {@link Duplicate} at a duplicate key (see {@link parseValues}); otherwise it
 * builds the map, the lossless model and the warnings. All accept and reject exactly the
 * same texts.
 */
function scan(
  text: string,
  file: string,
  record: Record<string, string> | null,
  valuesOnly = false,
): ParsedDotenv | null {
  const values = new Map<string, string>();
  const entries: Entry[] = [];
  const warnings: DotenvWarning[] = [];
  const n = text.length;
  let firstLines: Map<string, number> | undefined;
  const anyCR = text.includes("\r");
  let nextLF = -1;
  let nextCR = -1;
  let nextHash = -1;
  let nextBackslash = -1;
  let nextLS = -1;
  let nextPS = -1;
  let eol = "";
  let line = 1;
  let i = 0;

  /** parse() and parseValues() keep only the values: no entry of the model is built. */
  const light = record !== null || valuesOnly;
  const put = (key: string, value: string): void => {
    if (record !== null) {
      record[key] = value;
      return;
    }
    const size = values.size;
    values.set(key, value);
    if (values.size === size) throw new Duplicate();
  };

  /** Records one definition into the map, the model and the warnings. */
  const add = (entry: Entry): void => {
    const { key, value, line: keyLine } = entry;
    entries.push(entry);
    const size = values.size;
    values.set(key, value);
    if (firstLines !== undefined && values.size !== size) firstLines.set(key, keyLine);
    if (values.size === size) {
      firstLines ??= firstLinesOf(entries);
      const firstLine = firstLines.get(key) ?? keyLine;
      warnings.push({
        code: "DUPLICATE_KEY",
        key,
        file,
        firstLine,
        line: keyLine,
        message: `${file}:${keyLine}: ${key} is defined again (first at line ${firstLine}); the last definition wins`,
      });
    }
  };

  while (i < n) {
    const lineStart = i;
    // The common line, `KEY=value` with a plain unquoted value and a `\n` after it, is
    // matched by one regular expression (compiled to native code: a cold start reads a
    // 10,000-line file in half the time of the loop below). Anything else, and every
    // file with a `\r`, takes the loop, which reads these lines the same way.
    if (!anyCR) {
      SIMPLE_LINE.lastIndex = i;
      const m = SIMPLE_LINE.exec(text);
      if (m !== null && m[1] !== "__proto__") {
        const key = m[1]!;
        const end = SIMPLE_LINE.lastIndex;
        if (light) put(key, m[2]!);
        else
          add({
            key,
            value: m[2]!,
            line,
            start: i,
            valueStart: i + key.length + 1,
            valueEnd: end,
            end,
            next: end >= n ? end : end + 1,
            quote: 0,
            exported: false,
          });
        if (end >= n) break;
        if (eol === "") eol = "\n";
        i = end + 1;
        line++;
        continue;
      }
    }
    let p = i;
    let c = text.charCodeAt(p);
    while (p < n && isSpace(c)) c = text.charCodeAt(++p);

    if (p >= n || c === LF || c === CR) {
      // blank line
    } else if (c === HASH) {
      p = skipComment(text, p, file);
    } else {
      // KEY=value
      const keyLine = line;
      if (!isKeyStart(c)) {
        throw fail(text, file, p, "a key must start with a letter or '_'", keyHint);
      }
      let keyStart = p;
      c = text.charCodeAt(++p);
      while (p < n && isKeyPart(c)) c = text.charCodeAt(++p);
      let exported = false;
      if (p - keyStart === 6 && text.startsWith("export", keyStart) && p < n && isSpace(c)) {
        // `export KEY=...`, unless this is a key named "export" (`export =1`).
        let q = p;
        let d = c;
        while (q < n && isSpace(d)) d = text.charCodeAt(++q);
        if (q < n && d !== EQUALS) {
          if (d === LF || d === CR) {
            throw fail(text, file, q, "expected a key after 'export'", lineHint);
          }
          if (!isKeyStart(d)) {
            throw fail(text, file, q, "a key must start with a letter or '_'", keyHint);
          }
          exported = true;
          keyStart = q;
          p = q;
          c = text.charCodeAt(++p);
          while (p < n && isKeyPart(c)) c = text.charCodeAt(++p);
        }
      }
      const key = text.slice(keyStart, p);
      const keyEnd = p;
      if (key === "__proto__") {
        throw fail(text, file, keyStart, "the key __proto__ is not allowed", "rename the key");
      }
      while (p < n && isSpace(c)) c = text.charCodeAt(++p);
      if (p >= n || c !== EQUALS) {
        if (c === COLON && p < n) {
          // The text before ':' is not named: on a malformed line it may be a secret.
          throw fail(
            text,
            file,
            p,
            "expected '=' after the key (the 'KEY: value' form is not supported)",
            "write it as KEY=value",
          );
        }
        if (p >= n || c === LF || c === CR || p > keyEnd) {
          throw fail(text, file, p, "expected '=' after the key", lineHint);
        }
        throw fail(text, file, p, "unexpected character in the key", keyHint);
      }
      const afterEquals = ++p;
      c = text.charCodeAt(p);
      while (p < n && isSpace(c)) c = text.charCodeAt(++p);

      let value: string;
      let valueStart: number;
      let valueEnd: number;
      let quote: QuoteCode = 0;
      if (c === DQUOTE || c === SQUOTE || c === BACKTICK) {
        quote = c;
        valueStart = p;
        let close: number;
        let escapes = false;
        if (c === DQUOTE) {
          // Fast path: no backslash before the next '"' means no escapes to consider.
          close = text.indexOf('"', p + 1);
          if (nextBackslash < p) nextBackslash = indexOrEnd(text, "\\", p);
          if (close === -1 || nextBackslash < close) {
            close = findDoubleClose(text, p, file, key);
            escapes = true;
          }
        } else {
          close = findLiteralClose(text, p, c, file, key);
        }
        valueEnd = close + 1;
        let content = text.slice(p + 1, close);
        if (nextLF <= p) nextLF = indexOrEnd(text, "\n", p + 1);
        const breaks = nextLF < close || anyCR ? countBreaks(text, nextLF, close, p + 1, anyCR) : 0;
        if (breaks > 0) {
          line += breaks;
          if (content.includes("\r")) content = content.replace(/\r\n?/g, "\n");
        }
        if (escapes && content.includes("\\")) content = unescapeDouble(content);
        value = content;
        p = valueEnd;
        c = text.charCodeAt(p);
        while (p < n && isSpace(c)) c = text.charCodeAt(++p);
        if (p < n && c !== LF && c !== CR) {
          if (c !== HASH) {
            throw fail(
              text,
              file,
              p,
              `unexpected text after the closing quote of ${key}`,
              "remove it, start a comment with ' #', or quote the whole value",
            );
          }
          p = skipComment(text, p, file);
        }
      } else {
        valueStart = p;
        // The value ends at the line break or at '#'; find both with indexOf, caching
        // the next position of each so the whole scan stays linear.
        if (nextLF < p) nextLF = indexOrEnd(text, "\n", p);
        let stop = nextLF;
        if (anyCR) {
          if (nextCR < p) nextCR = indexOrEnd(text, "\r", p);
          if (nextCR < stop) stop = nextCR;
        }
        if (nextHash < p) nextHash = indexOrEnd(text, "#", p);
        if (nextHash < stop) {
          stop = nextHash;
          if (stop === afterEquals || !isSpace(text.charCodeAt(stop - 1))) {
            throw fail(
              text,
              file,
              stop,
              `'#' inside the unquoted value of ${key} (dotenv would cut the value here)`,
              `quote the value (${key}="...#...") to keep the '#', or put a space before '#' to start a comment`,
            );
          }
        }
        let last = stop;
        while (last > valueStart && isSpace(text.charCodeAt(last - 1))) last--;
        // dotenv strips quotes around any part of an unquoted value that follows a
        // U+2028/U+2029 (its regex treats them as line starts): refuse that case.
        if (nextLS < valueStart) nextLS = indexOrEnd(text, "\u2028", valueStart);
        if (nextPS < valueStart) nextPS = indexOrEnd(text, "\u2029", valueStart);
        const sep = nextLS < nextPS ? nextLS : nextPS;
        if (sep < last) checkSeparators(text, file, key, sep, last);
        p = stop;
        if (p < n && text.charCodeAt(p) === HASH) p = skipComment(text, p, file);
        valueEnd = last;
        if (valueEnd === valueStart) valueStart = valueEnd = afterEquals;
        value = text.slice(valueStart, valueEnd);
      }

      if (light) put(key, value);
      else
        add({
          key,
          value,
          line: keyLine,
          start: lineStart,
          valueStart,
          valueEnd,
          end: p,
          next:
            p >= n ? p : text.charCodeAt(p) === CR && text.charCodeAt(p + 1) === LF ? p + 2 : p + 1,
          quote,
          exported,
        });
    }

    // p is at the line break or the end of the text.
    if (p >= n) break;
    c = text.charCodeAt(p);
    if (c === CR && text.charCodeAt(p + 1) === LF) {
      if (eol === "") eol = "\r\n";
      i = p + 2;
    } else {
      if (eol === "") eol = c === CR ? "\r" : "\n";
      i = p + 1;
    }
    line++;
  }

  if (record !== null) return null;
  const doc: DocumentModel = { text, file, entries, eol: eol === "" ? "\n" : eol };
  return { values, doc, warnings };
}

/** Line of the first definition of each key. */
function firstLinesOf(entries: readonly Entry[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const e of entries) if (!m.has(e.key)) m.set(e.key, e.line);
  return m;
}

const keyHint =
  "keys are letters, digits, '_', '.' and '-', starting with a letter or '_'; comment lines start with '#'";
const lineHint = "every line must be KEY=value, a comment starting with '#', or blank";

/** Skips a comment from its `#` to the end of the line; returns the line break's offset. */
function skipComment(text: string, p: number, file: string): number {
  const n = text.length;
  for (; p < n; p++) {
    const c = text.charCodeAt(p);
    if (c === LF || c === CR) break;
    if (c === LS || c === PS) {
      throw fail(
        text,
        file,
        p,
        "a comment contains a Unicode line separator (U+2028/U+2029), which dotenv reads as a line break",
        "remove the character from the comment",
      );
    }
  }
  return p;
}

/** Refuses a quote right after a U+2028/U+2029 inside an unquoted value (see above). */
function checkSeparators(text: string, file: string, key: string, from: number, to: number): void {
  for (let k = from; k < to - 1; k++) {
    const c = text.charCodeAt(k);
    if (c !== LS && c !== PS) continue;
    const d = text.charCodeAt(k + 1);
    if (d === SQUOTE || d === DQUOTE || d === BACKTICK) {
      throw fail(
        text,
        file,
        k,
        `the unquoted value of ${key} has a quote after a Unicode line separator (U+2028/U+2029), which dotenv reads differently`,
        `quote the whole value, e.g. ${key}="..."`,
      );
    }
  }
}

/** `text.indexOf(s, from)`, or the text's length when not found. */
function indexOrEnd(text: string, s: string, from: number): number {
  const k = text.indexOf(s, from);
  return k === -1 ? text.length : k;
}

/**
 * Number of line breaks (`\n`, `\r\n`, lone `\r`) in `text[from, to)`, where `firstLF`
 * is the first `\n` at or after `from` (or the text's length).
 */
function countBreaks(
  text: string,
  firstLF: number,
  to: number,
  from: number,
  anyCR: boolean,
): number {
  let count = 0;
  for (let k = firstLF; k < to; k = indexOrEnd(text, "\n", k + 1)) count++;
  if (anyCR) {
    for (let k = from; k < to; k++) {
      if (text.charCodeAt(k) === CR && text.charCodeAt(k + 1) !== LF) count++;
    }
  }
  return count;
}

/**
 * Finds the closing `"` of a double-quoted value opened at `open`: the first `"` not
 * part of a backslash escape. Multi-line values are allowed.
 */
function findDoubleClose(text: string, open: number, file: string, key: string): number {
  const n = text.length;
  let k = open + 1;
  while (k < n) {
    const c = text.charCodeAt(k);
    if (c === DQUOTE) return k;
    k += c === BACKSLASH ? 2 : 1;
  }
  throw unterminated(text, file, open, key, '"');
}

/**
 * Finds the closing quote of a single-quoted or backtick value exactly as dotenv's
 * regex does: the candidates are the first quote not preceded by a backslash and every
 * backslash-preceded quote before it; the last candidate followed by only blanks or a
 * comment on its line wins.
 */
function findLiteralClose(
  text: string,
  open: number,
  q: number,
  file: string,
  key: string,
): number {
  const n = text.length;
  const quoteChar = q === SQUOTE ? "'" : "`";
  let escaped: number[] | undefined;
  let k = open;
  for (;;) {
    k = text.indexOf(quoteChar, k + 1);
    if (k === -1) break;
    if (text.charCodeAt(k - 1) !== BACKSLASH) break;
    (escaped ??= []).push(k);
  }
  if (k !== -1 && dotenvRestOk(text, k + 1)) return k;
  if (escaped !== undefined) {
    for (let j = escaped.length - 1; j >= 0; j--) {
      const e = escaped[j]!;
      if (dotenvRestOk(text, e + 1)) return e;
    }
  }
  if (k !== -1) {
    let t = k + 1;
    while (t < n && isSpace(text.charCodeAt(t))) t++;
    throw fail(
      text,
      file,
      t,
      `unexpected text after the closing quote of ${key}`,
      "remove it, start a comment with ' #', or quote the whole value",
    );
  }
  throw unterminated(text, file, open, key, quoteChar);
}

/** Whether dotenv's `\s*(?:#.*)?$` (multiline) matches at `p`. */
function dotenvRestOk(text: string, p: number): boolean {
  const n = text.length;
  for (; p < n; p++) {
    const c = text.charCodeAt(p);
    if (c === LF || c === CR || c === LS || c === PS || c === HASH) return true;
    if (!isSpace(c)) return false;
  }
  return true;
}

/** Resolves the escapes of a double-quoted value: `\n \r \t \" \\`; others stay as written. */
export function unescapeDouble(s: string): string {
  let out = "";
  let from = 0;
  let k = s.indexOf("\\");
  while (k !== -1 && k + 1 < s.length) {
    const c = s.charCodeAt(k + 1);
    let r: string | undefined;
    if (c === 110) r = "\n";
    else if (c === 114) r = "\r";
    else if (c === 116) r = "\t";
    else if (c === DQUOTE) r = '"';
    else if (c === BACKSLASH) r = "\\";
    if (r !== undefined) {
      out += s.slice(from, k) + r;
      from = k + 2;
    }
    k = s.indexOf("\\", k + 2);
  }
  return out + s.slice(from);
}

function unterminated(
  text: string,
  file: string,
  open: number,
  key: string,
  quote: string,
): EnvsyncError {
  return fail(
    text,
    file,
    open,
    `unterminated ${quote === '"' ? "double" : quote === "'" ? "single" : "backtick"} quote in the value of ${key}`,
    `close the value with ${quote} (a multi-line value ends at its closing quote)${quote === '"' ? ', and write a literal " inside as \\"' : ""}`,
  );
}

/** Builds the PARSE error for a problem at `offset`, naming `file:line:column`. */
function fail(
  text: string,
  file: string,
  offset: number,
  what: string,
  hint: string,
): EnvsyncError {
  const { line, column } = locate(text, offset);
  return new EnvsyncError("PARSE", `${file}:${line}:${column}: ${what}`, {
    location: { file, line, column },
    hint,
  });
}

/** 1-based line and column (in code points, a leading BOM not counted) of `offset`. */
export function locate(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let k = 0; k < offset && k < text.length; k++) {
    const c = text.charCodeAt(k);
    if (c === LF || (c === CR && text.charCodeAt(k + 1) !== LF)) {
      line++;
      lineStart = k + 1;
    }
  }
  if (lineStart === 0 && text.charCodeAt(0) === 0xfeff) lineStart = 1;
  const column = [...text.slice(lineStart, Math.max(lineStart, offset))].length + 1;
  return { line, column };
}
