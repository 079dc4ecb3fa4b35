/**
 * The three SOPS file formats envsync reads and writes, as SOPS itself models them
 * (getsops/sops `stores/{dotenv,json,yaml}`): a tree of values walked in document order,
 * with the `sops` metadata beside it (`sops_*` lines in dotenv, a `sops` key in JSON
 * and YAML). Parsing keeps source offsets, so a write splices only the tokens it
 * changes and every other byte stays as it was. JSON is read with the YAML parser (a
 * JSON text is YAML 1.2), which keeps the offsets of every node.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type Scalar } from "yaml";
import { EnvsyncError } from "../../errors.js";

/** A SOPS file format, chosen by extension as SOPS does. */
export type SopsFormat = "dotenv" | "json" | "yaml";

/** The format of `path` by its extension, or null for one envsync does not handle. */
export function formatOf(path: string): SopsFormat | null {
  const lower = path.toLowerCase();
  if (lower.endsWith(".json")) return "json";
  if (lower.endsWith(".yaml") || lower.endsWith(".yml")) return "yaml";
  if (lower.endsWith(".env")) return "dotenv";
  return null;
}

/** A leaf's value as the file holds it. */
export type LeafValue =
  | { readonly kind: "string"; readonly text: string }
  | { readonly kind: "number"; readonly num: number; readonly int: boolean }
  | { readonly kind: "bool"; readonly bool: boolean };

/** One leaf of the tree, in the order SOPS walks it. */
export interface Leaf {
  /** Map keys from the root (list items share their list's path). */
  readonly path: readonly string[];
  readonly value: LeafValue;
  /** A comment (dotenv `#…` lines): encrypted, but not part of the MAC. */
  readonly isComment: boolean;
  /** The comments before this leaf at each level, as SOPS's comment rules see them. */
  readonly stack: readonly (readonly string[])[];
  /** 1-based line. */
  readonly line: number;
}

/** How a scalar is written in the source. */
export type Quote = "plain" | "double" | "single" | "block";

/** A top-level key of the data. */
export interface TopEntry {
  readonly key: string;
  readonly line: number;
  /** A map or a list (or null): not an envsync value; left as it is. */
  readonly complex: boolean;
  /** Index in {@link SopsDoc.leaves} of its value (scalars only). */
  readonly leaf: number | null;
  /** Source offsets of the value token. */
  readonly valueRange: readonly [number, number];
  /** Source offsets to cut to delete the entry. */
  readonly deleteRange: readonly [number, number];
  readonly quote: Quote;
}

/** A metadata scalar's position, for updating `lastmodified` and `mac` in place. */
export interface MetaSlot {
  readonly range: readonly [number, number];
  readonly quote: Quote;
}

/** A parsed SOPS file. */
export interface SopsDoc {
  readonly format: SopsFormat;
  readonly text: string;
  readonly leaves: readonly Leaf[];
  /** Top-level keys; a key defined twice (dotenv) maps to its last definition. */
  readonly top: ReadonlyMap<string, TopEntry>;
  /** Every definition of each top-level key (dotenv duplicates), for deletes. */
  readonly allDefinitions: ReadonlyMap<string, readonly TopEntry[]>;
  /** The `sops` metadata as plain data, or null when the file has none. */
  readonly meta: Record<string, unknown> | null;
  /** Line of the metadata (its first line), for messages. */
  readonly metaLine: number;
  /** Where `lastmodified` and `mac` are written. */
  readonly slots: { readonly lastmodified?: MetaSlot; readonly mac?: MetaSlot };
  /** Offset where a new top-level entry is inserted (before the metadata). */
  readonly insertAt: number;
  /** Text of a new entry `key` with the value token `token` (already encoded for the format). */
  entryText(key: string, token: string): string;
}

function parseError(file: string, line: number, what: string, hint: string): EnvsyncError {
  return new EnvsyncError("PARSE", `${file}:${line}: ${what}`, {
    location: { file, line },
    hint: `${hint} Nothing was written.`,
  });
}

// ---------------------------------------------------------------- dotenv

/** Parses a SOPS dotenv file (getsops/sops `stores/dotenv`: one `KEY=value` or `#comment` a line). */
export function parseDotenvSops(text: string, file: string): SopsDoc {
  const leaves: Leaf[] = [];
  const top = new Map<string, TopEntry>();
  const all = new Map<string, TopEntry[]>();
  const md: Record<string, string> = {};
  const slots: { lastmodified?: MetaSlot; mac?: MetaSlot } = {};
  let metaLine = 0;
  let insertAt = -1;
  // The comments since the last entry, wrapped as a leaf's stack: shared by the leaves
  // that see the same comments (read only), a new array only when a comment comes.
  let stack: string[] = [];
  let stacked: readonly (readonly string[])[] = [stack];
  let offset = 0;
  let lineNo = 0;
  for (const line of text.split("\n")) {
    const start = offset;
    offset += line.length + 1;
    lineNo++;
    if (line.length === 0) continue;
    const next = Math.min(offset, text.length);
    if (line.startsWith("#")) {
      stack = [...stack, line.slice(1)];
      stacked = [stack];
      leaves.push({
        path: [],
        value: { kind: "string", text: line.slice(1) },
        isComment: true,
        stack: stacked,
        line: lineNo,
      });
      continue;
    }
    const eq = line.indexOf("=");
    if (eq === -1) {
      throw parseError(
        file,
        lineNo,
        "not a KEY=value line (SOPS dotenv files hold one KEY=value or #comment a line).",
        "Restore the file from git, or re-encrypt it with `sops`.",
      );
    }
    const key = line.slice(0, eq);
    const raw = line.slice(eq + 1);
    const value = raw.includes("\\n") ? raw.replaceAll("\\n", "\n") : raw;
    if (key.startsWith("sops_")) {
      const name = key.slice(5);
      md[name] = value;
      if (metaLine === 0) metaLine = lineNo;
      if (insertAt === -1) insertAt = start;
      if (name === "lastmodified" || name === "mac")
        slots[name] = { range: [start + eq + 1, start + line.length], quote: "plain" };
      continue;
    }
    const entry: TopEntry = {
      key,
      line: lineNo,
      complex: false,
      leaf: leaves.length,
      valueRange: [start + eq + 1, start + line.length],
      deleteRange: [start, next],
      quote: "plain",
    };
    leaves.push({
      path: [key],
      value: { kind: "string", text: value },
      isComment: false,
      stack: stacked,
      line: lineNo,
    });
    if (stack.length > 0) {
      stack = [];
      stacked = [stack];
    }
    top.set(key, entry);
    const defs = all.get(key);
    if (defs === undefined) all.set(key, [entry]);
    else defs.push(entry);
  }
  const hasMeta = Object.keys(md).length > 0;
  return {
    format: "dotenv",
    text,
    leaves,
    top,
    allDefinitions: all,
    meta: hasMeta ? unflatten(md) : null,
    metaLine: metaLine || 1,
    slots,
    insertAt: insertAt === -1 ? text.length : insertAt,
    entryText: (key, token) => `${key}=${token}\n`,
  };
}

/** SOPS's dotenv metadata keys (`age__list_0__map_enc`) back into nested data. */
export function unflatten(flat: Record<string, string>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [name, raw] of Object.entries(flat)) {
    const parts = name.split("__");
    let node: Record<string, unknown> | unknown[] = root;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      const last = i === parts.length - 1;
      const nextPart = parts[i + 1];
      const childIsList = nextPart?.startsWith("list_") ?? false;
      let slot: string | number;
      if (part.startsWith("list_")) slot = Number(part.slice(5));
      else if (part.startsWith("map_") && i > 0) slot = part.slice(4);
      else slot = part;
      const container = node as Record<string | number, unknown>;
      if (last) {
        container[slot] = decodeNonString(String(slot), raw);
        break;
      }
      container[slot] ??= childIsList ? [] : {};
      node = container[slot] as Record<string, unknown> | unknown[];
    }
  }
  return root;
}

/** SOPS's `DecodeNonStrings`: `mac_only_encrypted` is a bool, `shamir_threshold` an int. */
function decodeNonString(name: string, raw: string): unknown {
  if (name === "mac_only_encrypted") return raw === "true";
  if (name === "shamir_threshold") return Number(raw);
  return raw;
}

/** SOPS's dotenv metadata lines for `meta` (flattened, sorted, newlines as `\n`). */
export function flattenMeta(meta: Record<string, unknown>): string {
  const out: [string, string][] = [];
  const walk = (value: unknown, name: string): void => {
    if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${name}__list_${i}`));
    else if (value !== null && typeof value === "object") {
      for (const [k, v] of Object.entries(value)) walk(v, name === "" ? k : `${name}__map_${k}`);
    } else if (
      typeof value === "string" ||
      typeof value === "number" ||
      typeof value === "boolean"
    ) {
      out.push([name, String(value)]);
    }
  };
  walk(meta, "");
  out.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return out.map(([k, v]) => `sops_${k}=${v.replaceAll("\n", "\\n")}\n`).join("");
}

// ---------------------------------------------------------------- JSON and YAML

/** Parses a SOPS JSON or YAML file. */
export function parseTreeSops(text: string, file: string, format: "json" | "yaml"): SopsDoc {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: false, prettyErrors: false });
  const lineOf = (offset: number): number => lc.linePos(offset).line;
  const first = doc.errors[0];
  if (first) {
    throw parseError(
      file,
      lineOf(first.pos[0]),
      `not valid ${format === "json" ? "JSON" : "YAML"} (${first.code}).`,
      "The file is truncated or was edited by hand; restore it from git.",
    );
  }
  const root = doc.contents;
  if (root === null) {
    return emptyTree(text, format);
  }
  if (!isMap(root))
    throw parseError(
      file,
      1,
      `the file is not a ${format === "json" ? "JSON object" : "YAML mapping"}.`,
      "SOPS files hold a mapping of keys with a sops metadata key.",
    );
  const leaves: Leaf[] = [];
  const top = new Map<string, TopEntry>();
  const all = new Map<string, TopEntry[]>();
  let meta: Record<string, unknown> | null = null;
  let metaLine = 1;
  const slots: { lastmodified?: MetaSlot; mac?: MetaSlot } = {};
  let insertAt = text.length;
  let entryText = (key: string, token: string): string => `${yamlKey(key)}: ${token}\n`;

  const walk = (node: unknown, path: string[]): void => {
    if (isScalar(node)) {
      const v = node.value;
      const line = lineOf(node.range?.[0] ?? 0);
      if (typeof v === "string")
        leaves.push({
          path,
          value: { kind: "string", text: v },
          isComment: false,
          stack: [],
          line,
        });
      else if (typeof v === "number")
        leaves.push({
          path,
          value: { kind: "number", num: v, int: isIntSource(text, node) },
          isComment: false,
          stack: [],
          line,
        });
      else if (typeof v === "boolean")
        leaves.push({ path, value: { kind: "bool", bool: v }, isComment: false, stack: [], line });
      else if (typeof v === "bigint")
        leaves.push({
          path,
          value: { kind: "number", num: Number(v), int: true },
          isComment: false,
          stack: [],
          line,
        });
      return;
    }
    if (isMap(node)) {
      for (const p of node.items) walk(p.value, [...path, keyString(p.key)]);
      return;
    }
    if (isSeq(node)) for (const item of node.items) walk(item, path);
  };

  const items = root.items;
  for (let i = 0; i < items.length; i++) {
    const pair = items[i]!;
    const key = keyString(pair.key);
    const keyNode = pair.key as Node | null;
    const keyStart = keyNode?.range?.[0] ?? 0;
    if (key === "sops") {
      meta = isMap(pair.value) ? (pair.value.toJS(doc) as Record<string, unknown>) : null;
      metaLine = lineOf(keyStart);
      insertAt = format === "json" ? keyStart : lineStart(text, keyStart);
      if (format === "json") {
        const indent = text.slice(lineStart(text, keyStart), keyStart);
        entryText = (k, token) => `${JSON.stringify(k)}: ${token},\n${indent}`;
      }
      if (isMap(pair.value)) {
        for (const m of pair.value.items) {
          const name = keyString(m.key);
          if ((name === "lastmodified" || name === "mac") && isScalar(m.value) && m.value.range) {
            slots[name] = { range: [m.value.range[0], m.value.range[1]], quote: quoteOf(m.value) };
          }
        }
      }
      continue;
    }
    const value = pair.value as Node | null;
    const scalar = isScalar(value) && value.value !== null;
    const before = leaves.length;
    walk(value, [key]);
    const vr = value?.range ?? [
      keyNode?.range?.[1] ?? keyStart,
      keyNode?.range?.[1] ?? keyStart,
      keyNode?.range?.[2] ?? keyStart,
    ];
    let deleteRange: [number, number];
    if (format === "json") {
      const nextKey = items[i + 1]?.key as Node | null | undefined;
      if (nextKey?.range) deleteRange = [keyStart, nextKey.range[0]];
      else {
        const prev = items[i - 1]?.value as Node | null | undefined;
        deleteRange = [prev?.range ? prev.range[1] : keyStart, vr[1]];
      }
    } else {
      deleteRange = [lineStart(text, keyStart), lineEnd(text, vr[2])];
    }
    const entry: TopEntry = {
      key,
      line: lineOf(keyStart),
      complex: !scalar,
      leaf: scalar && leaves.length > before ? before : null,
      valueRange: [vr[0], vr[1]],
      deleteRange,
      quote: isScalar(value) ? quoteOf(value) : "plain",
    };
    top.set(key, entry);
    all.set(key, [...(all.get(key) ?? []), entry]);
  }
  return {
    format,
    text,
    leaves,
    top,
    allDefinitions: all,
    meta,
    metaLine,
    slots,
    insertAt,
    entryText,
  };
}

function emptyTree(text: string, format: "json" | "yaml"): SopsDoc {
  return {
    format,
    text,
    leaves: [],
    top: new Map(),
    allDefinitions: new Map(),
    meta: null,
    metaLine: 1,
    slots: {},
    insertAt: text.length,
    entryText: (key, token) => `${yamlKey(key)}: ${token}\n`,
  };
}

function keyString(key: unknown): string {
  if (isScalar(key)) return String(key.value);
  return String(key);
}

function quoteOf(node: Scalar): Quote {
  switch (node.type) {
    case "QUOTE_DOUBLE":
      return "double";
    case "QUOTE_SINGLE":
      return "single";
    case "BLOCK_FOLDED":
    case "BLOCK_LITERAL":
      return "block";
    default:
      return "plain";
  }
}

/** Whether a number scalar is an integer as written (Go's YAML and JSON decoders differ on `5` vs `5.0`). */
function isIntSource(text: string, node: Scalar): boolean {
  const src = node.range ? text.slice(node.range[0], node.range[1]) : String(node.value);
  return /^[-+]?(0x[0-9a-f]+|0o[0-7]+|[0-9]+)$/i.test(src.trim());
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf("\n", offset - 1) + 1;
}

function lineEnd(text: string, offset: number): number {
  if (offset > 0 && text[offset - 1] === "\n") return offset;
  const nl = text.indexOf("\n", offset);
  return nl === -1 ? text.length : nl + 1;
}

const YAML_RESERVED = /^(y|yes|n|no|true|false|on|off|null|~)$/i;

/** A mapping key as YAML text: plain when it reads back as the same string, else double-quoted. */
export function yamlKey(key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_.-]*$/.test(key) && !YAML_RESERVED.test(key)
    ? key
    : JSON.stringify(key);
}

/** Parses `text` in `format`. */
export function parseSops(text: string, file: string, format: SopsFormat): SopsDoc {
  return format === "dotenv" ? parseDotenvSops(text, file) : parseTreeSops(text, file, format);
}
