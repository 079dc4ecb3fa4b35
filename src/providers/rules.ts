/**
 * Shared checks of docs/DESIGN.md, "Store rules", used by every store's `validate` before any write.
 */
import { EnvsyncError } from "../errors.js";
import {
  decodeBundle,
  encodeBundle,
  parseBundle,
  patchBundle,
  type BundleDocument,
} from "./shared/json-bundle.js";
import type { ChangeSet, RemoteSnapshot } from "./types.js";

/** UTF-8 byte length of a string. */
export function byteLength(value: string): number {
  return Buffer.byteLength(value, "utf8");
}

/**
 * The JSON text a bundle store writes for `values`; with `read` (the values the store
 * decoded), unchanged keys keep their exact text and type (shared/json-bundle.ts).
 */
export function bundleJson(
  values: ReadonlyMap<string, string>,
  read?: ReadonlyMap<string, string>,
): string {
  return encodeBundle(values, read);
}

/**
 * Parses a bundle's JSON text into a map (lossless: see shared/json-bundle.ts). Non-object
 * JSON is an exit-2 PARSE error naming the remote (never the content).
 */
export function parseBundleJson(text: string, display: string): Map<string, string> {
  return decodeBundle(text, display);
}

/**
 * The snapshot of a bundle read as `text`: values, the document a write patches and
 * the members `.env` cannot hold (shared/json-bundle.ts).
 */
export function bundleSnapshot(
  text: string,
  display: string,
  version: string | null,
  notes?: readonly string[],
): RemoteSnapshot {
  const parsed = parseBundle(text, display);
  return {
    exists: true,
    values: parsed.values,
    version,
    keyVersions: new Map(),
    document: parsed.document,
    ...(parsed.unreadable.length > 0 ? { unreadable: parsed.unreadable } : {}),
    ...(notes && notes.length > 0 ? { notes } : {}),
  };
}

/**
 * The text a bundle write stores: the restored version's exact text for a rollback,
 * else `changes` patched onto the document read (`indent` lays out a fresh document).
 * A snapshot without a document (built by hand, e.g. in tests) is encoded from its
 * values, as lossless as they allow.
 */
export function patchedBundle(changes: ChangeSet, expected: RemoteSnapshot, indent = 0): string {
  if (changes.restore) return changes.restore.text;
  let doc: BundleDocument | undefined = expected.document;
  if (!doc && expected.exists)
    doc = parseBundle(encodeBundle(expected.values, expected.values), "").document;
  return patchBundle(doc, changes, indent);
}

/** Bundle layout: the text to write must fit the store's limit (exit 2, suggesting per-key). */
export function checkBundleText(
  text: string,
  maxBytes: number,
  display: string,
  perKeyExample: string,
): void {
  const size = byteLength(text);
  if (size > maxBytes) {
    throw new EnvsyncError(
      "LIMIT",
      `The bundle for ${display} would be ${size} bytes; the store allows ${maxBytes} bytes per secret.`,
      {
        hint: `Split it, or use the per-key layout (${perKeyExample}), which stores one secret per key.`,
      },
    );
  }
}

/** Bundle layout: the whole JSON must fit the store's limit (exit 2, suggesting per-key). */
export function checkBundleSize(
  next: ReadonlyMap<string, string>,
  maxBytes: number,
  display: string,
  perKeyExample: string,
  read?: ReadonlyMap<string, string>,
): void {
  checkBundleText(bundleJson(next, read), maxBytes, display, perKeyExample);
}

/** Per-key layout: each value written must fit (exit 2 naming the key, never the value). */
export function checkValueSizes(
  changes: ReadonlyMap<string, string>,
  maxBytes: number,
  display: string,
): void {
  for (const [key, value] of changes) {
    const size = byteLength(value);
    if (size > maxBytes) {
      throw new EnvsyncError(
        "LIMIT",
        `The value of ${key} is ${size} bytes; ${display} allows ${maxBytes} bytes per value.`,
        { hint: "Shorten the value or keep it in another store (e.g. a file remote)." },
      );
    }
  }
}

/** Checks store names (after any mapping) against a pattern and max length (exit 2). */
export function checkNames(
  names: Iterable<{ key: string; name: string }>,
  pattern: RegExp,
  maxLength: number,
  rule: string,
  display: string,
): void {
  for (const { key, name } of names) {
    if (name.length > maxLength || !pattern.test(name)) {
      throw new EnvsyncError(
        "NAME",
        `The key ${key} maps to the name "${name}", which ${display} does not allow (${rule}, at most ${maxLength} characters).`,
        { hint: "Rename the key in your .env, or use a store whose name rules allow it." },
      );
    }
  }
}
