/**
 * dotenvx's naming conventions (no cryptography, so `doctor` can use them without
 * loading eciesjs): a file `.env.production` carries its public key as
 * `DOTENV_PUBLIC_KEY_PRODUCTION`; the private key `DOTENV_PRIVATE_KEY_PRODUCTION` comes
 * from the environment or from `.env.keys` beside the file.
 */
import { readFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { EnvsyncError } from "../../errors.js";
import { parseDocument } from "../../dotenv/index.js";

/** Prefix of an encrypted dotenvx value. */
export const ENCRYPTED_PREFIX = "encrypted:";
/** Prefix of the public key entries of a dotenvx file (metadata, not values). */
export const PUBLIC_KEY_PREFIX = "DOTENV_PUBLIC_KEY";
/** Prefix of private key names (never values of a store). */
export const PRIVATE_KEY_PREFIX = "DOTENV_PRIVATE_KEY";

/** The key names dotenvx uses for one file. */
export interface KeyNames {
  readonly publicKeyName: string;
  readonly privateKeyName: string;
}

/** dotenvx's canonical file name: lower case, a `.txt` suffix of `.env*` dropped. */
function canonicalName(path: string): string {
  let name = basename(path).toLowerCase();
  if (name.startsWith(".env") && name.endsWith(".txt")) name = name.slice(0, -4);
  return name;
}

/** dotenvx's environment of a file name (`.env.ci.local` → `ci_local`, `.env1` → `development1`). */
function environmentOf(name: string): string {
  const parts = name.split(".").slice(2);
  if (parts.length === 0) return name.replace(".env", "development");
  return parts.slice(0, 2).join("_");
}

/**
 * The key names of a file, as dotenvx derives them: a `DOTENV_PUBLIC_KEY*` entry in
 * the file wins; otherwise `.env` → `DOTENV_PUBLIC_KEY`, `.env.NAME` → `DOTENV_PUBLIC_KEY_NAME`.
 */
export function keyNames(path: string, keysInFile: readonly string[]): KeyNames {
  const found = keysInFile.find((k) => k.startsWith(PUBLIC_KEY_PREFIX));
  if (found !== undefined) {
    return {
      publicKeyName: found,
      privateKeyName: found.replace(PUBLIC_KEY_PREFIX, PRIVATE_KEY_PREFIX),
    };
  }
  const name = canonicalName(path);
  if (name === ".env")
    return { publicKeyName: PUBLIC_KEY_PREFIX, privateKeyName: PRIVATE_KEY_PREFIX };
  const env = environmentOf(name).toUpperCase();
  return {
    publicKeyName: `${PUBLIC_KEY_PREFIX}_${env}`,
    privateKeyName: `${PRIVATE_KEY_PREFIX}_${env}`,
  };
}

/** True for names that are dotenvx key material, never a store's values. */
export function isKeyMaterial(key: string): boolean {
  return key.startsWith(PUBLIC_KEY_PREFIX) || key.startsWith(PRIVATE_KEY_PREFIX);
}

/** The `.env.keys` file dotenvx reads for a file (beside it). */
export function keysFilePath(path: string): string {
  return join(dirname(path), ".env.keys");
}

/** Where a private key was found, for messages and `doctor`. */
export interface PrivateKeys {
  /** Candidate keys, hex (dotenvx allows a comma-separated list). */
  readonly keys: readonly string[];
  /** `environment` or the `.env.keys` path. */
  readonly source: string;
}

/**
 * Finds the private key(s) for `names`: the environment variable first, then
 * `.env.keys` beside the file. Returns null when neither has it.
 */
export async function findPrivateKeys(
  path: string,
  names: KeyNames,
  env: Readonly<Record<string, string | undefined>>,
): Promise<PrivateKeys | null> {
  const fromEnv = env[names.privateKeyName];
  if (fromEnv !== undefined && fromEnv.trim() !== "") {
    return { keys: splitKeys(fromEnv), source: `$${names.privateKeyName}` };
  }
  const keysPath = keysFilePath(path);
  let text: string;
  try {
    text = await readFile(keysPath, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new EnvsyncError("IO", `Cannot read ${keysPath}.`, {
      cause: e,
      hint: "Check that the file is readable by you.",
    });
  }
  const value = parseDocument(text, { filename: keysPath }).values.get(names.privateKeyName);
  if (value === undefined || value.trim() === "") return null;
  return { keys: splitKeys(value), source: keysPath };
}

function splitKeys(value: string): string[] {
  return value
    .split(",")
    .map((k) => k.trim())
    .filter((k) => k !== "");
}
