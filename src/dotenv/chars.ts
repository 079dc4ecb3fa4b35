/**
 * Character classes shared by the parser and the writer, as char codes. They mirror
 * the classes dotenv's regular expression uses (`\s`, `[\w.-]`), so that both read
 * the same bytes the same way.
 */

/** `\n` */
export const LF = 10;
/** `\r` */
export const CR = 13;
/** `#` */
export const HASH = 35;
/** `=` */
export const EQUALS = 61;
/** `:` */
export const COLON = 58;
/** `\` */
export const BACKSLASH = 92;
/** `"` */
export const DQUOTE = 34;
/** `'` */
export const SQUOTE = 39;
/** `` ` `` */
export const BACKTICK = 96;
/** U+2028 LINE SEPARATOR: whitespace for `trim`, but a line end for `$` in dotenv's regex. */
export const LS = 0x2028;
/** U+2029 PARAGRAPH SEPARATOR: as {@link LS}. */
export const PS = 0x2029;

/**
 * True for the characters of JavaScript's `\s` class (what `String#trim` strips and what
 * dotenv's regex skips) except `\r` and `\n`, which end a line.
 */
export function isSpace(c: number): boolean {
  if (c === 32 || c === 9) return true;
  if (c < 128) return c === 11 || c === 12;
  return (
    c === 0xa0 ||
    c === 0xfeff ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === LS ||
    c === PS ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  );
}

/** True for a character that may start a key: `[A-Za-z_]`. */
export function isKeyStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}

/** True for a character that may continue a key: `[A-Za-z0-9_.-]`. */
export function isKeyPart(c: number): boolean {
  return (
    (c >= 97 && c <= 122) ||
    (c >= 65 && c <= 90) ||
    (c >= 48 && c <= 57) ||
    c === 95 ||
    c === 46 ||
    c === 45
  );
}

/** True when `key` is a key envsync reads and writes: `[A-Za-z_][A-Za-z0-9_.-]*`, not `__proto__`. */
export function isValidKey(key: string): boolean {
  if (key.length === 0 || !isKeyStart(key.charCodeAt(0)) || key === "__proto__") return false;
  for (let i = 1; i < key.length; i++) if (!isKeyPart(key.charCodeAt(i))) return false;
  return true;
}
