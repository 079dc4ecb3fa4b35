/**
 * age identities and recipients for `sops:` files, found where SOPS looks for them
 * (getsops/sops `age/keysource.go`): `SOPS_AGE_KEY` (keys inline), `SOPS_AGE_KEY_FILE`,
 * `SOPS_AGE_KEY_CMD` (a command printing keys), and the default key file
 * `$XDG_CONFIG_HOME/sops/age/keys.txt` (else `~/.config/sops/age/keys.txt`; on macOS
 * also `~/Library/Application Support/sops/age/keys.txt`). Every location found is
 * used. The data key of a file is age-encrypted (armored) to each recipient; the
 * `age-encryption` package (by age's author) does the age part.
 */
import { readFileSync } from "node:fs";
import { homedir, platform } from "node:os";
import { join } from "node:path";
import { EnvsyncError } from "../../errors.js";
import { dearmor, openAgeX25519 } from "./age-native.js";

/** age identities found, and where. */
export interface AgeIdentities {
  /** `AGE-SECRET-KEY-1…` strings. */
  readonly keys: readonly string[];
  /** Locations that held at least one key (for messages and `doctor`), never the keys. */
  readonly sources: readonly string[];
  /** Locations looked at that held nothing. */
  readonly looked: readonly string[];
}

/** The default key file of SOPS on this platform. */
export function defaultKeyFiles(env: Readonly<Record<string, string | undefined>>): string[] {
  const home = env.HOME ?? homedir();
  const xdg = env.XDG_CONFIG_HOME;
  if (platform() === "darwin") {
    return xdg
      ? [join(xdg, "sops", "age", "keys.txt")]
      : [join(home, "Library", "Application Support", "sops", "age", "keys.txt")];
  }
  return [join(xdg && xdg !== "" ? xdg : join(home, ".config"), "sops", "age", "keys.txt")];
}

/** Keys in a key file's text: `AGE-SECRET-KEY-1…` lines; `#` comments and blank lines skipped. */
export function parseIdentities(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"))
    .filter((l) => /^AGE-SECRET-KEY-1[0-9A-Z]+$/.test(l));
}

/** Finds every age identity SOPS would use, from `env` (the process environment). */
export async function findIdentities(
  env: Readonly<Record<string, string | undefined>>,
): Promise<AgeIdentities> {
  const keys: string[] = [];
  const sources: string[] = [];
  const looked: string[] = [];
  const add = (where: string, text: string): void => {
    const found = parseIdentities(text);
    if (found.length > 0) {
      keys.push(...found);
      sources.push(where);
    } else looked.push(where);
  };
  if (env.SOPS_AGE_KEY !== undefined) add("$SOPS_AGE_KEY", env.SOPS_AGE_KEY);
  else looked.push("$SOPS_AGE_KEY");
  if (env.SOPS_AGE_KEY_FILE !== undefined) {
    // As SOPS: a key file that cannot be read is reported, and the other locations still count.
    const text = readKeyFile(env.SOPS_AGE_KEY_FILE);
    if (typeof text === "string") add(`$SOPS_AGE_KEY_FILE (${env.SOPS_AGE_KEY_FILE})`, text);
    else looked.push(`$SOPS_AGE_KEY_FILE (${env.SOPS_AGE_KEY_FILE}: cannot be read, ${text.code})`);
  } else looked.push("$SOPS_AGE_KEY_FILE");
  if (env.SOPS_AGE_KEY_CMD !== undefined && env.SOPS_AGE_KEY_CMD.trim() !== "") {
    add("$SOPS_AGE_KEY_CMD", await runKeyCommand(env.SOPS_AGE_KEY_CMD, env));
  }
  for (const file of defaultKeyFiles(env)) {
    const text = readKeyFile(file);
    if (typeof text === "string") add(file, text);
    else looked.push(text.code === "ENOENT" ? file : `${file} (cannot be read, ${text.code})`);
  }
  return { keys, sources, looked };
}

/** A key file's text (read synchronously: node:fs/promises costs ≈ 1.5 ms to load). */
function readKeyFile(path: string): string | { code: string } {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    return { code: (e as NodeJS.ErrnoException).code ?? "error" };
  }
}

async function runKeyCommand(
  command: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<string> {
  // Split like SOPS (shlex): plain words and simple quotes; no shell.
  const words = [...command.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map(
    (m) => m[1] ?? m[2] ?? m[3] ?? "",
  );
  const [cmd, ...args] = words;
  // Loaded here: only this source runs a command (node:child_process costs start-up).
  const { execFile } = await import("node:child_process");
  const { promisify } = await import("node:util");
  try {
    const { stdout } = await promisify(execFile)(cmd!, args, {
      env: env,
      timeout: 30_000,
      maxBuffer: 1 << 20,
    });
    return stdout;
  } catch (e) {
    throw new EnvsyncError(
      "AUTH",
      `SOPS_AGE_KEY_CMD failed (${String((e as { code?: string | number }).code ?? "error")}).`,
      {
        cause: e,
        hint: "Check the command in SOPS_AGE_KEY_CMD prints your age keys.",
      },
    );
  }
}

/**
 * Decrypts an armored age ciphertext (a SOPS `enc`) with the identities; null when
 * none of them opens it. X25519 recipients open with Node's crypto (./age-native.ts);
 * anything else is left to the `age-encryption` package.
 */
export async function decryptDataKey(
  armored: string,
  identities: readonly string[],
): Promise<Uint8Array | null> {
  const binary = dearmor(armored);
  const native = binary === null ? null : openAgeX25519(binary, identities);
  return native ?? decryptWithPackage(armored, identities);
}

async function decryptWithPackage(
  armored: string,
  identities: readonly string[],
): Promise<Uint8Array | null> {
  const { Decrypter, armor } = await import("age-encryption");
  let binary: Uint8Array;
  try {
    binary = armor.decode(armored);
  } catch {
    return null;
  }
  for (const id of identities) {
    const d = new Decrypter();
    d.addIdentity(id);
    try {
      return await d.decrypt(binary);
    } catch {
      // not this identity
    }
  }
  return null;
}

/** Encrypts the data key to one recipient, armored, as SOPS stores it. */
export async function encryptDataKey(dataKey: Uint8Array, recipient: string): Promise<string> {
  const { Encrypter, armor } = await import("age-encryption");
  const e = new Encrypter();
  e.addRecipient(recipient);
  const out = armor.encode(await e.encrypt(dataKey));
  return out.endsWith("\n") ? out : out + "\n";
}
