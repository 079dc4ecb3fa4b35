/**
 * Text that reaches a terminal: remote and file content (key names, notes, store errors,
 * `diff --show-values` values) never drives it. Every human line goes through
 * {@link terminalText} on its way to stdout or stderr (src/cli/output.ts, std-write.ts),
 * so a message built anywhere is covered; `--json` goes through {@link safeJson}.
 *
 * Escaped: Unicode's control characters (C0 but the line feed, DEL, C1), format
 * characters (bidi marks, embeddings, overrides and isolates U+200E/F, U+202A–202E,
 * U+2066–2069, zero-width characters, the BOM…), the line and paragraph separators, and
 * lone surrogates: `\x1b`, `\u202e`, `\u{e0001}`. A backslash is left as it is, so the
 * escaping can run twice without changing its result.
 *
 * The CLI's own colours are the only escape sequences allowed through: a painter from
 * {@link markPainters} writes them as a marker that holds a per-process random nonce,
 * which text read from elsewhere cannot know, and {@link terminalText} turns only those
 * markers back into ESC.
 */

/**
 * A character outside the ranges that hold no control, format or separator character
 * (the line feed, printable ASCII, Latin-1 and the scripts up to Hebrew but the soft
 * hyphen, punctuation and symbols from U+2010 but the separators, embeddings and
 * invisible operators, everything from U+2070 up to the surrogates). Text without one
 * needs no escaping, so the Unicode property classes below, which cost a noticeable part
 * of a short command's start-up to parse and compile, are built and run only for text
 * with one (test/unit/safe-text.test.ts checks every code point of these ranges).
 */
const MAYBE_UNSAFE =
  /[^\n\x20-\x7e\u00a0-\u00ac\u00ae-\u05ff\u2010-\u2027\u2030-\u205f\u2070-\ud7ff]/;

let unsafe: RegExp | undefined;
let unsafeInJson: RegExp | undefined;
/** Characters shown escaped in human output (every control and format character but `\n`). */
const UNSAFE = (): RegExp =>
  (unsafe ??= new RegExp("(?!\\n)[\\p{Cc}\\p{Cf}\\p{Cs}\\p{Zl}\\p{Zp}]", "gu"));
/** Characters JSON.stringify leaves raw that a terminal may act on (C0 it escapes itself). */
const UNSAFE_IN_JSON = (): RegExp =>
  (unsafeInJson ??= new RegExp("[\\u007f-\\u009f\\p{Cf}\\p{Zl}\\p{Zp}]", "gu"));

const hex = (n: number, width: number): string => n.toString(16).padStart(width, "0");

/** `\xNN`, `\uNNNN` or `\u{NNNNN}` for one character. */
function visible(ch: string): string {
  const cp = ch.codePointAt(0) ?? 0;
  if (cp < 0x100) return `\\x${hex(cp, 2)}`;
  if (cp < 0x10000) return `\\u${hex(cp, 4)}`;
  return `\\u{${hex(cp, 0)}}`;
}

/**
 * `text` with every control and format character escaped visibly (see the module
 * comment); line feeds kept. For text a library draws itself (a prompt's message).
 */
export function escapeControl(text: string): string {
  return MAYBE_UNSAFE.test(text) ? text.replace(UNSAFE(), visible) : text;
}

/**
 * A random marker standing for ESC in the CLI's own colour sequences, drawn on first use,
 * never at module load: a module evaluated ahead of time (a start-up snapshot, see
 * docs/DESIGN.md "Start-up") would hold one marker for every run.
 */
let mark: string | undefined;
const marker = (): string => (mark ??= `\uE000${Math.random().toString(36).slice(2, 12)}\uE001`);

/**
 * `text` as it may reach a terminal: escaped with {@link escapeControl}, save the
 * colour sequences the CLI's own painters made ({@link markPainters}).
 */
export function terminalText(text: string): string {
  const m = marker();
  if (!text.includes(m)) return escapeControl(text);
  return text.split(m).map(escapeControl).join("\x1b");
}

/**
 * Painters whose escape sequences survive {@link terminalText}: each escapes the text it
 * is given, paints it with `painters`' function of the same name, and marks its ESCs.
 * Painters nest as the wrapped ones do.
 */
export function markPainters<T extends object>(painters: T): T {
  const wrapped: Record<string, unknown> = { ...(painters as Record<string, unknown>) };
  for (const [name, paint] of Object.entries(painters) as [string, unknown][]) {
    if (typeof paint !== "function") continue;
    const p = paint as (s: string) => string;
    wrapped[name] = (s: string): string => p(terminalText(String(s))).replaceAll("\x1b", marker());
  }
  return wrapped as T;
}

/**
 * `JSON.stringify(value, null, 2)` with DEL, C1, format characters and line/paragraph
 * separators written as `\uNNNN` escapes as well: the same JSON value, no byte a
 * terminal acts on. These characters occur only inside JSON strings, where an escape
 * means the same character.
 */
export function safeJson(value: unknown): string {
  const json = JSON.stringify(value, null, 2);
  if (!MAYBE_UNSAFE.test(json)) return json;
  return json.replace(UNSAFE_IN_JSON(), (ch) => {
    let s = "";
    for (let i = 0; i < ch.length; i++) s += `\\u${hex(ch.charCodeAt(i), 4)}`;
    return s;
  });
}
