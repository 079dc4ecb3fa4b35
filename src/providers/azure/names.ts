/**
 * Reversible key names for Azure Key Vault's per-key layout.
 *
 * Key Vault secret names allow only `0-9a-zA-Z-`, at most 127 characters, and are
 * case-insensitive. Env keys are mostly `UPPER_SNAKE`, sometimes lower case, with
 * `-` or `.`. The mapping writes every key in lower case, so two names never differ
 * by case alone, and spells everything else with `-` as an escape:
 *
 * | key character     | name       | example            |
 * |-------------------|------------|--------------------|
 * | `A`–`Z`, `0`–`9`  | `a`–`z`, `0`–`9` | `DB` → `db`  |
 * | `_`               | `--`       | `DB_URL` → `db--url` |
 * | `a`–`z`           | `-a`–`-z`  | `path` → `-p-a-t-h` |
 * | `-`               | `-0`       | `a-b` → `-a-0-b`   |
 * | `.`               | `-1`       | `A.B` → `a-1b`     |
 * | other ASCII 0x20–0x7e | `-2` + two hex digits | `A$` → `a-224` |
 *
 * Each key character becomes one token and no token is a prefix of another, so the
 * mapping is injective and {@link decodeKey} inverts it exactly. Keys outside
 * printable ASCII are refused (exit 2). The original key is also kept in the
 * secret's `envsync-key` tag; the name alone is enough to map back.
 */
import { EnvsyncError } from "../../errors.js";

/** Key Vault's secret name rule. */
export const VAULT_NAME_PATTERN = /^[0-9a-zA-Z-]{1,127}$/;
/** Longest secret name Key Vault accepts. */
export const VAULT_NAME_MAX = 127;

const HEX = "0123456789abcdef";

/** Why a key cannot be mapped, or null when it can. */
export function unmappableReason(key: string): string | null {
  if (key.length === 0) return "the key is empty";
  for (const ch of key) {
    const c = ch.codePointAt(0) ?? 0;
    if (c < 0x20 || c > 0x7e)
      return "Azure Key Vault names can only hold keys made of printable ASCII characters";
  }
  return null;
}

/**
 * Encodes a key as the part of a Key Vault name after the prefix (lower case,
 * `0-9a-z-` only). Throws NAME (exit 2) for keys outside printable ASCII.
 */
export function encodeKey(key: string): string {
  const reason = unmappableReason(key);
  if (reason !== null) {
    throw new EnvsyncError(
      "NAME",
      `The key ${JSON.stringify(key)} cannot be stored in Azure Key Vault: ${reason}.`,
      {
        hint: "Rename the key to ASCII letters, digits and _ (e.g. DB_URL), or use the bundle layout (azure-kv://VAULT/SECRET), which keeps any key.",
      },
    );
  }
  let out = "";
  for (const ch of key) {
    if ((ch >= "A" && ch <= "Z") || (ch >= "0" && ch <= "9")) out += ch.toLowerCase();
    else if (ch >= "a" && ch <= "z") out += `-${ch}`;
    else if (ch === "_") out += "--";
    else if (ch === "-") out += "-0";
    else if (ch === ".") out += "-1";
    else {
      const c = ch.charCodeAt(0);
      out += `-2${HEX[c >> 4]}${HEX[c & 15]}`;
    }
  }
  return out;
}

/**
 * Decodes what {@link encodeKey} wrote (case-insensitively, as Key Vault may hand a
 * name back in another case). Returns null for a string no key encodes to.
 */
export function decodeKey(encoded: string): string | null {
  const s = encoded.toLowerCase();
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const ch = s[i] as string;
    if ((ch >= "a" && ch <= "z") || (ch >= "0" && ch <= "9")) {
      out += ch.toUpperCase();
      continue;
    }
    if (ch !== "-") return null;
    const code = s[++i];
    if (code === undefined) return null;
    if (code === "-") out += "_";
    else if (code >= "a" && code <= "z") out += code;
    else if (code === "0") out += "-";
    else if (code === "1") out += ".";
    else if (code === "2") {
      const hi = HEX.indexOf(s[i + 1] ?? "?");
      const lo = HEX.indexOf(s[i + 2] ?? "?");
      if (hi < 0 || lo < 0) return null;
      const c = hi * 16 + lo;
      const decoded = String.fromCharCode(c);
      // Only characters that have no shorter token are spelt in hex.
      if (c < 0x20 || c > 0x7e || /[A-Za-z0-9_.-]/.test(decoded)) return null;
      out += decoded;
      i += 2;
    } else return null;
  }
  return out.length > 0 ? out : null;
}

/** The full secret name of `key` under `prefix`. */
export function secretNameFor(prefix: string, key: string): string {
  return `${prefix}${encodeKey(key)}`;
}

/**
 * Maps keys to names and checks Key Vault's rules: length, characters, and that no
 * two keys land on the same name case-insensitively. Throws NAME (exit 2) naming
 * the keys, never a value.
 */
export function mapKeys(
  prefix: string,
  keys: Iterable<string>,
  display: string,
): Map<string, string> {
  const out = new Map<string, string>();
  const byFolded = new Map<string, string>();
  for (const key of keys) {
    const name = secretNameFor(prefix, key);
    if (name.length > VAULT_NAME_MAX || !VAULT_NAME_PATTERN.test(name)) {
      throw new EnvsyncError(
        "NAME",
        `The key ${key} maps to a ${name.length}-character secret name; ${display} allows at most ${VAULT_NAME_MAX} characters of 0-9a-zA-Z-.`,
        {
          hint: "Shorten the key or the prefix in the remote URI (lower-case letters take two characters each).",
        },
      );
    }
    const folded = name.toLowerCase();
    const other = byFolded.get(folded);
    if (other !== undefined && other !== key) {
      throw new EnvsyncError(
        "NAME",
        `The keys ${other} and ${key} would both be stored as the secret "${name}" in ${display} (Key Vault names are case-insensitive).`,
        { hint: "Rename one of the two keys." },
      );
    }
    byFolded.set(folded, key);
    out.set(key, name);
  }
  return out;
}
