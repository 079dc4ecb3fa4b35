/**
 * The format-preserving writer: untouched bytes are copied from the parsed document,
 * only the value tokens of updated keys are replaced, deleted definitions are cut with
 * their continuation lines, and new keys are appended.
 */
import { EnvsyncError } from "../errors.js";
import { CR, HASH, LF, isValidKey } from "./chars.js";
import { model } from "./parser.js";
import type { DotenvDocument } from "./parser.js";
import { quoteValue, renderValue } from "./quote.js";

/** Changes to apply to a document. A key both set and deleted is set. */
export interface DotenvChanges {
  /** Keys to add or update, with their new values; new keys are appended in this order. */
  set: ReadonlyMap<string, string>;
  /** Keys to remove (every definition of each, with its continuation lines). */
  delete: Iterable<string>;
}

/**
 * Applies `changes` to a parsed document and returns the new file text. Every line not
 * changed is byte-identical; an updated key keeps its line, `export ` prefix, inline
 * comment and quote style (when the new value can be written in it); a key defined
 * twice is updated at its last definition (the one that wins); new keys are appended at
 * the end with the file's line ending. Values equal to the current ones are left as written.
 *
 * @throws EnvsyncError "NAME" when a key to set is not a valid dotenv key.
 */
export function applyChanges(doc: DotenvDocument, changes: DotenvChanges): string {
  const { text, entries, eol } = model(doc);
  const sets = changes.set;
  for (const key of sets.keys()) assertKey(key);
  const deletes = new Set(changes.delete);
  for (const key of sets.keys()) deletes.delete(key);

  const last = new Map<string, number>();
  for (let j = 0; j < entries.length; j++) {
    const key = entries[j]!.key;
    if (sets.has(key)) last.set(key, j);
  }

  const parts: string[] = [];
  let cursor = 0;
  for (let j = 0; j < entries.length; j++) {
    const e = entries[j]!;
    if (deletes.has(e.key)) {
      parts.push(text.slice(cursor, e.start));
      cursor = e.next;
      continue;
    }
    if (last.get(e.key) !== j) continue;
    const value = sets.get(e.key)!;
    if (value === e.value) continue;
    let token = renderValue(value, e.quote, e.key);
    // A quoted token may be followed directly by `#`; an unquoted one needs a space.
    if (text.charCodeAt(e.valueEnd) === HASH && token.length > 0 && token === value) token += " ";
    parts.push(text.slice(cursor, e.valueStart), token);
    cursor = e.valueEnd;
  }
  parts.push(text.slice(cursor));
  let out = parts.join("");

  const exported = entries.length > 0 && entries.every((e) => e.exported);
  let appended = "";
  for (const [key, value] of sets) {
    if (last.has(key)) continue;
    appended += `${exported ? "export " : ""}${key}=${quoteValue(value, key)}${eol}`;
  }
  if (appended !== "") {
    const end = out.charCodeAt(out.length - 1);
    if (out.length > 0 && end !== LF && end !== CR && out !== "\uFEFF") out += eol;
    out += appended;
  }
  return out;
}

/**
 * Writes a new `.env` file from scratch: one `KEY=value` line per entry in map order,
 * values quoted by {@link quoteValue}, `\n` line endings.
 *
 * @throws EnvsyncError "NAME" when a key is not a valid dotenv key.
 */
export function formatDotenv(values: ReadonlyMap<string, string>): string {
  let out = "";
  for (const [key, value] of values) {
    assertKey(key);
    out += `${key}=${quoteValue(value, key)}\n`;
  }
  return out;
}

function assertKey(key: string): void {
  if (!isValidKey(key)) {
    throw new EnvsyncError("NAME", `cannot write the key ${JSON.stringify(key)} to a .env file`, {
      hint: "dotenv keys are letters, digits, '_', '.' and '-', starting with a letter or '_'",
    });
  }
}
