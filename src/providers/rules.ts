/**
 * Shared checks of docs/DESIGN.md, "Store rules", used by every store's `validate` before any write.
 */
import { EnvsyncError } from "../errors.js";
import { decodeBundle, encodeBundle } from "./shared/json-bundle.js";

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

/** Bundle layout: the whole JSON must fit the store's limit (exit 2, suggesting per-key). */
export function checkBundleSize(
  next: ReadonlyMap<string, string>,
  maxBytes: number,
  display: string,
  perKeyExample: string,
  read?: ReadonlyMap<string, string>,
): void {
  const size = byteLength(bundleJson(next, read));
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
