/**
 * Shared checks of SPEC §6, used by every store's `validate` before any write.
 */
import { EnvsyncError } from "../errors.js";
import { jsonErrorLocation } from "../redact.js";

/** UTF-8 byte length of a string. */
export function byteLength(value: string): number {
  return Buffer.byteLength(value, "utf8");
}

/** The JSON text a bundle store writes for `values` (stable key order). */
export function bundleJson(values: ReadonlyMap<string, string>): string {
  const obj: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const k of [...values.keys()].sort()) obj[k] = values.get(k) ?? "";
  return JSON.stringify(obj);
}

/**
 * Parses a bundle's JSON text into a map. Non-object JSON or non-string values are
 * an exit-2 PARSE error naming the remote (never the content).
 */
export function parseBundleJson(text: string, display: string): Map<string, string> {
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
        hint: "envsync bundles are one JSON object of string values. Point the remote at another secret, or use the per-key layout (PREFIX/*).",
        location: { file: display, line, column },
      },
    );
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new EnvsyncError("PARSE", `The secret ${display} holds JSON that is not an object.`, {
      hint: "envsync bundles are one JSON object of string values; use another secret name.",
    });
  }
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof v === "string") out.set(k, v);
    else if (typeof v === "number" || typeof v === "boolean") out.set(k, String(v));
    else if (v === null) out.set(k, "");
    else
      throw new EnvsyncError(
        "PARSE",
        `The secret ${display} has a non-string value under key ${k}.`,
        {
          hint: "Store only string values in an envsync bundle.",
        },
      );
  }
  return out;
}

/** Bundle layout: the whole JSON must fit the store's limit (exit 2, suggesting per-key). */
export function checkBundleSize(
  next: ReadonlyMap<string, string>,
  maxBytes: number,
  display: string,
  perKeyExample: string,
): void {
  const size = byteLength(bundleJson(next));
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
        `The key ${key} maps to the name "${name}", which ${display} does not allow (${rule}${maxLength < Number.MAX_SAFE_INTEGER ? `, at most ${maxLength} characters` : ""}).`,
        { hint: "Rename the key in your .env, or use a store whose name rules allow it." },
      );
    }
  }
}
