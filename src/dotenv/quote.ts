/**
 * Quoting for the writer. A `.env` file envsync writes is read by other tools too:
 * `dotenv` (npm), `dotenvx`, `python-dotenv` and docker compose (compose-go). Each
 * reads quotes, escapes and `$` differently. For each quote style, a predicate per
 * reader says whether that reader reads the value back exactly; {@link chooseQuoting}
 * picks the least quoting that every reader reads literally, and when none does,
 * the style the most readers read exactly (envsync itself always), never one in
 * which dotenvx would run a command. The rules are the readers' own, checked
 * against the real tools by test/interop/parsers.test.ts; see docs/DOTENV.md.
 */
import { EnvsyncError } from "../errors.js";
import { BACKSLASH, BACKTICK, CR, DQUOTE, HASH, LF, LS, PS, SQUOTE, isSpace } from "./chars.js";
import type { QuoteCode } from "./parser.js";

/** The tools whose reading of a `.env` file envsync's writer takes into account. */
export const READERS = ["envsync", "dotenv", "dotenvx", "python-dotenv", "docker compose"] as const;

/** One of {@link READERS}. */
export type Reader = (typeof READERS)[number];

/** Double quotes with every escape envsync knows (`\" \\ \n \r`): the last resort. */
const ESCAPED = -1;
type Style = QuoteCode | typeof ESCAPED;

/** Whether `value` can be written without quotes (`KEY=value`) for envsync and dotenv. */
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
 * Whether `value` can be written between single quotes or backticks (`q`), literal for
 * envsync and dotenv: it must not hold the quote itself, a carriage return (dotenv
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
 * Whether `value` can be written between double quotes with only `\n` and `\r` escapes
 * for envsync and dotenv: no `"`, and no backslash that either would read as an escape.
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

/** Characters Python's `str.strip()` or Go's trimming remove that JavaScript's do not. */
function otherSpace(c: number): boolean {
  return c === 0x85 || (c >= 0x1c && c <= 0x1f);
}

/** Facts about a value that the readers' rules depend on. */
interface Traits {
  /** Any `$`: dotenvx and compose expand `$NAME`, `${…}` (compose also `$$`) outside single quotes. */
  dollar: boolean;
  /** `${`: python-dotenv expands it in every quoting, single quotes included. */
  braceRef: boolean;
  /** `$(`: dotenvx runs it as a command outside single quotes. */
  command: boolean;
  backslash: boolean;
  doubleBackslash: boolean;
  dquote: boolean;
  squote: boolean;
  endsBackslash: boolean;
  edgeOtherSpace: boolean;
}

function traits(v: string): Traits {
  const n = v.length;
  return {
    dollar: v.includes("$"),
    braceRef: v.includes("${"),
    command: v.includes("$("),
    backslash: v.includes("\\"),
    doubleBackslash: v.includes("\\\\"),
    dquote: v.includes('"'),
    squote: v.includes("'"),
    endsBackslash: n > 0 && v.charCodeAt(n - 1) === BACKSLASH,
    edgeOtherSpace: n > 0 && (otherSpace(v.charCodeAt(0)) || otherSpace(v.charCodeAt(n - 1))),
  };
}

/** The readers that read `value`, written in `style`, back as exactly `value`. */
function readersOf(value: string, style: Style, t: Traits): Reader[] {
  const out: Reader[] = [];
  const add = (r: Reader, ok: boolean): void => {
    if (ok) out.push(r);
  };
  switch (style) {
    case 0: {
      const base = canBare(value);
      add("envsync", base);
      add("dotenv", base);
      add("dotenvx", base && !t.dollar);
      add("python-dotenv", base && !t.braceRef && !t.edgeOtherSpace);
      add("docker compose", base && !t.dollar && !t.edgeOtherSpace);
      break;
    }
    case DQUOTE: {
      const base = canDouble(value);
      // Beyond `\n` and `\r`, the others resolve more escapes (`\t`, `\$`, `\a`, `\0`…).
      const plain = !t.dquote && !t.backslash;
      add("envsync", base);
      add("dotenv", base);
      add("dotenvx", plain && !t.dollar);
      add("python-dotenv", plain && !t.braceRef);
      add("docker compose", plain && !t.dollar);
      break;
    }
    case SQUOTE: {
      const base = canLiteral(value, SQUOTE);
      add("envsync", base);
      add("dotenv", base);
      add("dotenvx", base);
      // python-dotenv resolves `\\` and `\'` between single quotes.
      add("python-dotenv", base && !t.doubleBackslash && !t.braceRef);
      add("docker compose", !t.squote && !t.endsBackslash);
      break;
    }
    case BACKTICK: {
      // python-dotenv and compose do not know backtick quotes.
      const base = canLiteral(value, BACKTICK);
      add("envsync", base);
      add("dotenv", base);
      add("dotenvx", base && !t.dollar);
      break;
    }
    default: {
      add("envsync", true);
      const plain = !t.dquote && !t.backslash;
      add("dotenv", plain);
      add("dotenvx", plain && !t.dollar);
      add("python-dotenv", !t.braceRef);
      add("docker compose", !t.dollar);
    }
  }
  return out;
}

/** Writes `value` in `style` (which must read back exactly for envsync). */
function render(value: string, style: Style): string {
  if (style === 0) return value;
  if (style === DQUOTE) return `"${value.replace(/\n/g, "\\n").replace(/\r/g, "\\r")}"`;
  if (style === SQUOTE || style === BACKTICK) {
    const c = style === SQUOTE ? "'" : "`";
    return c + value + c;
  }
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

/** How one value is written, and who reads it back differently. */
export interface Quoting {
  /** The value token to write after `KEY=`. */
  readonly text: string;
  /** Readers that would read back something else (empty when every reader agrees). */
  readonly differs: readonly Reader[];
}

const ORDER: readonly Style[] = [0, DQUOTE, SQUOTE, BACKTICK, ESCAPED];

/**
 * Chooses how to write `value`: `preferred` (the style already in the file) when it is
 * as good as any, else unquoted, double quotes (`\n`, `\r` escaped) or single quotes —
 * the first that every reader reads literally. When none does, the style read exactly
 * by the most readers, envsync always among them.
 *
 * @throws EnvsyncError "UNSAFE_VALUE" (exit 2) when every style envsync can read back
 *   would make dotenvx run part of the value as a command (`$(…)` with a `'`, a
 *   carriage return or a final backslash). The message names `key`, never the value.
 */
export function chooseQuoting(value: string, preferred?: QuoteCode, key = "a key"): Quoting {
  const t = traits(value);
  let best: { style: Style; readers: Reader[] } | null = null;
  for (const style of ORDER) {
    if (t.command && style !== SQUOTE) continue;
    const readers = readersOf(value, style, t);
    if (!readers.includes("envsync")) continue;
    if (!best || readers.length > best.readers.length) best = { style, readers };
    if (readers.length === READERS.length) break;
  }
  if (!best) {
    throw new EnvsyncError(
      "UNSAFE_VALUE",
      `The value of ${key} cannot be written to a .env file safely: in any quoting, dotenvx would run part of it as a command ($(…)). Nothing was written.`,
      {
        hint: `Change the value of ${key} where it comes from (a value holding $( cannot also hold ', a carriage return or a final backslash), or leave ${key} out of this .env.`,
      },
    );
  }
  if (preferred !== undefined && preferred !== best.style && !(t.command && preferred !== SQUOTE)) {
    const kept = readersOf(value, preferred, t);
    if (kept.includes("envsync") && kept.length >= best.readers.length) {
      best = { style: preferred, readers: kept };
    }
  }
  const readers = best.readers;
  return { text: render(value, best.style), differs: READERS.filter((r) => !readers.includes(r)) };
}

/** Whether every reader reads `value` back exactly in some quoting. */
export function isPortable(value: string): boolean {
  try {
    return chooseQuoting(value).differs.length === 0;
  } catch {
    return false;
  }
}

/** Whether envsync and dotenv both read `value` back exactly in some quoting. */
export function dotenvReadsBack(value: string): boolean {
  try {
    const q = chooseQuoting(value);
    return !q.differs.includes("dotenv");
  } catch {
    return false;
  }
}

/**
 * Writes `value` in style `preferred` when that is as portable as the best choice, else
 * with {@link chooseQuoting}'s choice.
 */
export function renderValue(value: string, preferred: QuoteCode, key?: string): string {
  return chooseQuoting(value, preferred, key).text;
}

/** The quoted token {@link chooseQuoting} writes for `value`. */
export function quoteValue(value: string, key?: string): string {
  return chooseQuoting(value, undefined, key).text;
}

/** A value that some reader would read back differently, whatever the quoting. */
export interface PortabilityWarning {
  /** The key (never the value). */
  readonly key: string;
  /** The readers that read the written value differently. */
  readonly differs: readonly Reader[];
  /** A sentence naming the key and the readers, never the value. */
  readonly message: string;
}

/**
 * Checks values before they are written to a `.env` file: the keys whose values some
 * reader cannot read back literally in any quoting (with a message naming the key
 * and the readers, never the value).
 *
 * @throws EnvsyncError "UNSAFE_VALUE", as {@link chooseQuoting}, before anything is written.
 */
export function portabilityWarnings(
  values: Iterable<readonly [string, string]>,
  file = ".env",
): PortabilityWarning[] {
  const out: PortabilityWarning[] = [];
  for (const [key, value] of values) {
    const { differs } = chooseQuoting(value, undefined, key);
    if (differs.length === 0) continue;
    out.push({
      key,
      differs,
      message: `warning: ${differs.join(", ")} will not read the value of ${key} in ${file} literally in any quoting (it holds ${describe(value)}); see docs/DOTENV.md`,
    });
  }
  return out;
}

/** What in a value defeats some reader, in words that do not reveal the value. */
function describe(value: string): string {
  const t = traits(value);
  const parts: string[] = [];
  if (t.braceRef) parts.push("${…}");
  else if (t.dollar) parts.push("$");
  if (t.squote) parts.push("'");
  if (value.includes("\r")) parts.push("a carriage return");
  if (t.endsBackslash) parts.push("a final backslash");
  else if (t.doubleBackslash) parts.push("\\\\");
  if (t.dquote && t.backslash) parts.push('" with \\');
  return parts.length > 0 ? parts.join(" and ") : "characters some parsers read specially";
}
