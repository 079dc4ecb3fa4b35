/**
 * The one JSON codec of bundle remotes (AWS, Google and Azure bundles, `file:*.json`),
 * lossless for what envsync did not change (docs/DOTENV.md, "JSON bundles"):
 *
 * - a string value is the key's value;
 * - a number, `true`, `false` or `null` reads as its JSON text (`12345678901234567890`
 *   keeps every digit: the token is never converted to a JS number);
 * - an object or array reads as its JSON text and is never changed: setting it to
 *   another text is refused (exit 2); deleting the key is allowed;
 * - on write, a key whose value did not change keeps its exact JSON text and type; a
 *   changed number/boolean/null keeps its type while the new text is still a literal
 *   of that type (`42`, `false`), otherwise it becomes a JSON string; new keys are strings.
 *
 * Decoded values remember their tokens (keyed by the values map, see {@link rawOf}),
 * so a store encodes `next` against the values it read.
 */
import { EnvsyncError } from "../../errors.js";
import { jsonErrorLocation } from "../../redact.js";

/** JSON kind of one top-level value. */
export type JsonKind = "string" | "number" | "boolean" | "null" | "object" | "array";

/** One top-level value as it appears in the document. */
export interface RawValue {
  /** Its kind. */
  readonly kind: JsonKind;
  /** The exact token text (for strings, including the quotes and escapes). */
  readonly text: string;
}

/** A bundle document's tokens, key → raw value, in document order. */
export type RawBundle = ReadonlyMap<string, RawValue>;

const raws = new WeakMap<ReadonlyMap<string, string>, RawBundle>();

/** The tokens behind values returned by {@link decodeBundle}, if any. */
export function rawOf(values: ReadonlyMap<string, string>): RawBundle | undefined {
  return raws.get(values);
}

const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

function notObject(display: string, cause?: unknown): EnvsyncError {
  return new EnvsyncError("PARSE", `The secret ${display} does not hold a JSON object.`, {
    ...(cause === undefined ? {} : { cause }),
    hint: "envsync bundles are one JSON object. Point the remote at another secret, or use the per-key layout (PREFIX/*).",
  });
}

/** End index (exclusive) of the JSON string starting at `i` (a `"`). */
function stringEnd(text: string, i: number): number {
  // Jump from quote to quote (indexOf is native: a bundle's read scans it once, cold):
  // a quote ends the string unless an odd number of backslashes stands before it.
  for (let j = i + 1; ;) {
    const q = text.indexOf('"', j);
    if (q < 0) return -1;
    let b = q - 1;
    while (text.charCodeAt(b) === 0x5c) b--;
    if ((q - 1 - b) % 2 === 0) return q + 1;
    j = q + 1;
  }
}

/** Quotes and brackets: what decides where a nested value ends. */
const STRUCTURE = /["{}[\]]/g;

/** End index (exclusive) of the JSON value starting at `i` (already validated by JSON.parse). */
function valueEnd(text: string, i: number): number {
  const c = text[i];
  if (c === '"') return stringEnd(text, i);
  if (c === "{" || c === "[") {
    let depth = 0;
    STRUCTURE.lastIndex = i;
    for (let m = STRUCTURE.exec(text); m !== null; m = STRUCTURE.exec(text)) {
      const j = m.index;
      const d = text[j];
      if (d === '"') STRUCTURE.lastIndex = stringEnd(text, j);
      else if (d === "{" || d === "[") depth++;
      else {
        depth--;
        if (depth === 0) return j + 1;
      }
    }
    return -1;
  }
  let j = i;
  while (j < text.length && !isTokenEnd(text.charCodeAt(j))) j++;
  return j;
}

/** JSON whitespace, `,`, `}` or `]`: what ends a number or literal. */
function isTokenEnd(c: number): boolean {
  return (
    c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x2c || c === 0x7d || c === 0x5d
  );
}

/** The string a JSON string token stands for (one already validated by JSON.parse). */
function unquote(token: string): string {
  // Without a backslash the text between the quotes is the value (JSON.parse has
  // refused raw control characters already); escapes need the parser.
  return token.includes("\\") ? (JSON.parse(token) as string) : token.slice(1, -1);
}

function kindOf(token: string): JsonKind {
  const c = token[0];
  if (c === '"') return "string";
  if (c === "{") return "object";
  if (c === "[") return "array";
  if (token === "true" || token === "false") return "boolean";
  if (token === "null") return "null";
  return "number";
}

/** What a value of `raw` reads as in `.env`. */
function valueOf(raw: RawValue): string {
  return raw.kind === "string" ? unquote(raw.text) : raw.text;
}

/** The JSON token `value` is written as, given what the key held before (if anything). */
function tokenFor(key: string, value: string, before: RawValue | undefined): string {
  if (before === undefined) return JSON.stringify(value);
  if (valueOf(before) === value) return before.text;
  switch (before.kind) {
    case "number":
      return NUMBER.test(value) ? value : JSON.stringify(value);
    case "boolean":
      return value === "true" || value === "false" ? value : JSON.stringify(value);
    case "null":
      return JSON.stringify(value);
    case "object":
    case "array":
      throw new EnvsyncError(
        "PARSE",
        `${key} holds a JSON ${before.kind} in the bundle; envsync reads it as JSON text but never changes it.`,
        {
          hint: `Restore ${key} in your .env to the remote's text (envsync pull), or remove the key; change nested values with the tool that wrote them.`,
        },
      );
    default:
      return JSON.stringify(value);
  }
}

/** One member of a bundle document, with where it sits in the document's text. */
export interface BundleMember {
  /** The decoded member name. */
  readonly key: string;
  /** Its value's kind and exact token. */
  readonly raw: RawValue;
  /** Index of the member's opening quote in the document text. */
  readonly start: number;
  /** Index of the value's first character. */
  readonly valueStart: number;
  /** Index just after the value. */
  readonly end: number;
}

/**
 * A bundle document exactly as read: what a write patches (see {@link patchBundle}).
 * Stores keep it in their snapshot, so the keys a plan does not name, names `.env`
 * cannot hold and values of other types stay byte for byte.
 */
export interface BundleDocument {
  /** The whole text as read (a byte order mark and surrounding whitespace included). */
  readonly text: string;
  /** Members in document order; a repeated name appears once per occurrence. */
  readonly members: readonly BundleMember[];
  /** Index of the opening `{`. */
  readonly open: number;
  /** Index of the closing `}`. */
  readonly close: number;
}

/** A member envsync reads but cannot hold as a `.env` value, and why. */
export interface UnreadableMember {
  readonly key: string;
  readonly why: string;
}

/** What {@link parseBundle} returns. */
export interface ParsedBundle {
  readonly document: BundleDocument;
  /** Key → value as `.env` holds it (the last occurrence of a repeated name). */
  readonly values: Map<string, string>;
  /** Members left out of `values` (text that is not valid Unicode). */
  readonly unreadable: readonly UnreadableMember[];
}

const BOM = "\uFEFF";

/** True when `s` holds no lone UTF-16 surrogate (text `.env` files can hold). */
export function isWellFormed(s: string): boolean {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
}

/**
 * Parses a bundle document, keeping where every member sits. A byte order mark in
 * front is kept (and written back). Not JSON, or JSON that is not an object, is an
 * exit-2 PARSE error naming the remote (never the content). A string value that is
 * not valid Unicode (a lone surrogate escape) is left out of `values` and listed in
 * `unreadable`: `.env` cannot hold it, so it is never rewritten.
 */
export function parseBundle(text: string, display: string): ParsedBundle {
  const from = text.startsWith(BOM) ? 1 : 0;
  let parsed: unknown;
  try {
    parsed = JSON.parse(from === 0 ? text : text.slice(from));
  } catch {
    // The engine's message quotes the text (a secret): say where, never what.
    const { line, column } = jsonErrorLocation(text.slice(from));
    throw new EnvsyncError(
      "PARSE",
      `The secret ${display} does not hold a JSON object (invalid JSON at line ${line}, column ${column}).`,
      {
        hint: "envsync bundles are one JSON object. Point the remote at another secret, or use the per-key layout (PREFIX/*).",
        location: { file: display, line, column },
      },
    );
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))
    throw notObject(display);
  const skip = (i: number): number => {
    for (let c = text.charCodeAt(i); c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;)
      c = text.charCodeAt(++i);
    return i;
  };
  const open = skip(from);
  const members: BundleMember[] = [];
  let i = open + 1;
  for (;;) {
    i = skip(i);
    if (text[i] === "}") break;
    const start = i;
    const keyEnd = stringEnd(text, i);
    const key = unquote(text.slice(i, keyEnd));
    const valueStart = skip(skip(keyEnd) + 1); // after ":"
    const end = valueEnd(text, valueStart);
    const token = text.slice(valueStart, end);
    members.push({ key, raw: { kind: kindOf(token), text: token }, start, valueStart, end });
    i = skip(end);
    if (text[i] === ",") i++;
  }
  const document: BundleDocument = { text, members, open, close: i };
  const last = new Map<string, RawValue>();
  for (const m of members) {
    last.delete(m.key); // a repeated name counts once, with its last value (as JSON.parse)
    last.set(m.key, m.raw);
  }
  const values = new Map<string, string>();
  const unreadable: UnreadableMember[] = [];
  for (const [k, r] of last) {
    const v = valueOf(r);
    if (isWellFormed(v)) values.set(k, v);
    else
      unreadable.push({
        key: k,
        why: "its JSON string is not valid Unicode (a lone surrogate escape)",
      });
  }
  raws.set(values, last);
  return { document, values, unreadable };
}

/**
 * Parses a bundle document into key → value (see {@link parseBundle}); the tokens stay
 * reachable through {@link rawOf}.
 */
export function decodeBundle(text: string, display: string): Map<string, string> {
  return parseBundle(text, display).values;
}

/** The changes {@link patchBundle} applies: keys to set, keys to delete. */
export interface BundlePatch {
  readonly set: ReadonlyMap<string, string>;
  readonly delete: readonly string[];
}

/** Layout of members a patch adds to a document that has none to copy from. */
function styleOf(
  doc: BundleDocument | undefined,
  indent: number,
): { lead: string; sep: string; trail: string; colon: string } {
  const pad = " ".repeat(indent);
  const fresh =
    indent > 0
      ? { lead: `\n${pad}`, sep: `,\n${pad}`, trail: "\n", colon: ": " }
      : { lead: "", sep: ",", trail: "", colon: ":" };
  const ms = doc?.members ?? [];
  if (!doc || ms.length === 0) return fresh;
  const first = ms[0]!;
  const lead = doc.text.slice(doc.open + 1, first.start);
  const keyEnd = stringEnd(doc.text, first.start);
  const colon = doc.text.slice(keyEnd, first.valueStart);
  const sep =
    ms.length > 1
      ? doc.text.slice(ms[ms.length - 2]!.end, ms[ms.length - 1]!.start)
      : `,${lead.includes("\n") ? lead : ""}`;
  const trail = doc.text.slice(ms[ms.length - 1]!.end, doc.close);
  return { lead, sep, trail, colon };
}

/**
 * The one way a bundle is written: `changes` applied to the document as read, and
 * nothing else. A member the patch does not name keeps its exact text, type and
 * place (names `.env` cannot hold included), as does everything between members; a
 * set replaces only the value token of the key's last occurrence (the one readers
 * take) — unchanged values keep their token, a number/boolean stays typed while the
 * new text is a literal of its type, objects and arrays are never rewritten; a delete
 * removes every occurrence of the name. New keys follow, sorted, laid out like the
 * document's last member. Without a document (nothing read yet) the result is a
 * fresh object (`indent` > 0 pretty-prints, for `file:*.json`).
 */
export function patchBundle(
  doc: BundleDocument | undefined,
  changes: BundlePatch,
  indent = 0,
): string {
  const style = styleOf(doc, indent);
  const text = doc?.text ?? "";
  const ms = doc?.members ?? [];
  const deleted = new Set(changes.delete.filter((k) => !changes.set.has(k)));
  const lastIndex = new Map<string, number>();
  ms.forEach((m, i) => lastIndex.set(m.key, i));
  // Kept members, each with the text that preceded it in the document.
  const kept: { before: string; text: string }[] = [];
  ms.forEach((m, i) => {
    if (deleted.has(m.key)) return;
    let member = text.slice(m.start, m.end);
    if (changes.set.has(m.key) && lastIndex.get(m.key) === i) {
      const value = changes.set.get(m.key)!;
      if (!isWellFormed(valueOf(m.raw)))
        throw new EnvsyncError(
          "PARSE",
          `${m.key} holds text that is not valid Unicode in the bundle; envsync leaves it as it is and will not overwrite it.`,
          { hint: `Change ${m.key} with the tool that wrote it, or remove it from your .env.` },
        );
      member = text.slice(m.start, m.valueStart) + tokenFor(m.key, value, m.raw);
    }
    const before = i === 0 ? style.lead : text.slice(ms[i - 1]!.end, m.start);
    kept.push({ before, text: member });
  });
  const added = [...changes.set.keys()].filter((k) => !lastIndex.has(k)).sort();
  for (const k of added)
    kept.push({
      before: style.sep,
      text: `${JSON.stringify(k)}${style.colon}${JSON.stringify(changes.set.get(k))}`,
    });
  let body = "";
  kept.forEach((m, i) => {
    // The first member keeps the document's opening layout; the others the separator before them.
    body += i === 0 ? style.lead : m.before.includes(",") ? m.before : style.sep;
    body += m.text;
  });
  const object = kept.length === 0 ? "{}" : `{${body}${style.trail}}`;
  if (!doc) return object;
  return text.slice(0, doc.open) + object + text.slice(doc.close + 1);
}

/**
 * The document for `next` (a whole key → value map), patched onto what `read` was
 * decoded from when it came from {@link decodeBundle}: the change set is the keys of
 * `next` that differ and the keys of `read` that `next` lacks.
 */
export function encodeBundle(
  next: ReadonlyMap<string, string>,
  read?: ReadonlyMap<string, string>,
  indent = 0,
): string {
  const raw = read ? rawOf(read) : undefined;
  const members: BundleMember[] = [];
  let text = "{";
  for (const [key, r] of raw ?? []) {
    if (members.length > 0) text += ",";
    const start = text.length;
    text += `${JSON.stringify(key)}:`;
    const valueStart = text.length;
    text += r.text;
    members.push({ key, raw: r, start, valueStart, end: text.length });
  }
  text += "}";
  const doc: BundleDocument | undefined = raw
    ? { text, members, open: 0, close: text.length - 1 }
    : undefined;
  const set = new Map([...next].filter(([k, v]) => !raw?.has(k) || valueOf(raw.get(k)!) !== v));
  const del = [...(raw?.keys() ?? [])].filter((k) => !next.has(k));
  const out = patchBundle(doc, { set, delete: del }, indent);
  return indent > 0 && doc ? reindent(out, indent) : out;
}

/** Re-lays a compact document pretty (only {@link encodeBundle}'s own compact text). */
function reindent(compact: string, indent: number): string {
  const doc = parseBundle(compact, "").document;
  if (doc.members.length === 0) return "{}";
  const pad = " ".repeat(indent);
  return `{\n${doc.members
    .map((m) => `${pad}${compact.slice(m.start, m.valueStart - 1)}: ${m.raw.text}`)
    .join(",\n")}\n}`;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * `bytes` as text when they are valid UTF-8 (a byte order mark kept), else null: a
 * payload that is not text is never read through U+FFFD replacement characters.
 */
export function utf8OrNull(bytes: Uint8Array): string | null {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return null;
  }
}

/**
 * The exact JSON text of the member at `path` inside the object `text` (e.g. a Vault
 * response's `data.data`), or undefined when a step is missing or not an object.
 */
export function jsonMemberText(text: string, path: readonly string[]): string | undefined {
  let cur = text;
  for (const step of path) {
    if (kindOf(cur.trimStart()) !== "object") return undefined;
    const members = parseBundle(cur, "").document.members.filter((m) => m.key === step);
    const m = members[members.length - 1];
    if (!m) return undefined;
    cur = m.raw.text;
  }
  return cur;
}

/** The JSON token `key` holds in `doc` (its last occurrence), or undefined. */
export function memberToken(doc: BundleDocument | undefined, key: string): string | undefined {
  const ms = doc?.members.filter((m) => m.key === key) ?? [];
  return ms[ms.length - 1]?.raw.text;
}
