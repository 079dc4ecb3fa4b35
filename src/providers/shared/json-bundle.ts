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
  for (let j = i + 1; j < text.length; j++) {
    if (text[j] === "\\") j++;
    else if (text[j] === '"') return j + 1;
  }
  return -1;
}

/** End index (exclusive) of the JSON value starting at `i` (already validated by JSON.parse). */
function valueEnd(text: string, i: number): number {
  const c = text[i];
  if (c === '"') return stringEnd(text, i);
  if (c === "{" || c === "[") {
    let depth = 0;
    for (let j = i; j < text.length; j++) {
      const d = text[j];
      if (d === '"') j = stringEnd(text, j) - 1;
      else if (d === "{" || d === "[") depth++;
      else if (d === "}" || d === "]") {
        depth--;
        if (depth === 0) return j + 1;
      }
    }
    return -1;
  }
  let j = i;
  while (j < text.length && !/[\s,}\]]/.test(text[j]!)) j++;
  return j;
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
  return raw.kind === "string" ? (JSON.parse(raw.text) as string) : raw.text;
}

/**
 * Parses a bundle document. Not JSON, or JSON that is not an object, is an exit-2
 * PARSE error naming the remote (never the content).
 */
export function decodeBundle(text: string, display: string): Map<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // The engine's message quotes the text (a secret): say where, never what.
    const { line, column } = jsonErrorLocation(text);
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
  const raw = new Map<string, RawValue>();
  const skip = (i: number): number => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    return i;
  };
  let i = skip(0) + 1; // after "{"
  for (;;) {
    i = skip(i);
    if (text[i] === "}") break;
    const keyEnd = stringEnd(text, i);
    const key = JSON.parse(text.slice(i, keyEnd)) as string;
    i = skip(skip(keyEnd) + 1); // after ":"
    const end = valueEnd(text, i);
    const token = text.slice(i, end);
    raw.delete(key); // a repeated key counts once, with its last value (as JSON.parse)
    raw.set(key, { kind: kindOf(token), text: token });
    i = skip(end);
    if (text[i] === ",") i++;
  }
  const values = new Map<string, string>();
  for (const [k, r] of raw) values.set(k, valueOf(r));
  raws.set(values, raw);
  return values;
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

/**
 * The document for `next`. Keys also in `read` (the values a store decoded) keep their
 * document order and, when unchanged, their exact text; new keys follow, sorted.
 * `indent` pretty-prints (the `file:*.json` store); bundles in clouds are compact.
 */
export function encodeBundle(
  next: ReadonlyMap<string, string>,
  read?: ReadonlyMap<string, string>,
  indent = 0,
): string {
  const raw = read ? rawOf(read) : undefined;
  const keys = [
    ...[...(raw?.keys() ?? [])].filter((k) => next.has(k)),
    ...[...next.keys()].filter((k) => !raw?.has(k)).sort(),
  ];
  const entries = keys.map(
    (k) =>
      `${JSON.stringify(k)}:${indent > 0 ? " " : ""}${tokenFor(k, next.get(k) ?? "", raw?.get(k))}`,
  );
  if (indent === 0) return `{${entries.join(",")}}`;
  if (entries.length === 0) return "{}";
  const pad = " ".repeat(indent);
  return `{\n${entries.map((e) => pad + e).join(",\n")}\n}`;
}
