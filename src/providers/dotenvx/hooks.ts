/**
 * What the `dotenvx:` provider tells envsync besides how to open a store: no versions
 * of its own (git keeps them), writes under a lock, a local path, and `doctor`'s checks:
 * is the private key found (environment or `.env.keys`), does it belong to the file's
 * public key, is the file in git and `.env.keys` kept out of it. Synchronous and light:
 * the public key of a private key is derived with node:crypto (secp256k1).
 */
import { spawnSync } from "node:child_process";
import { createECDH } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { parseDocument } from "../../dotenv/index.js";
import { gitTracks } from "../sops/hooks.js";
import type { CredentialsFinding, Environ, ProviderHooks } from "../types.js";
import type { RemoteUri } from "../uri.js";
import { keyNames, keysFilePath } from "./names.js";

/** The compressed public key (hex) of a secp256k1 private key (hex), or null. */
export function publicKeyOf(privateKeyHex: string): string | null {
  try {
    const ecdh = createECDH("secp256k1");
    ecdh.setPrivateKey(privateKeyHex, "hex");
    return ecdh.getPublicKey("hex", "compressed");
  } catch {
    return null;
  }
}

function gitIgnores(path: string): boolean | null {
  const r = spawnSync("git", ["check-ignore", "-q", "--", basename(path)], {
    cwd: dirname(path),
    timeout: 10_000,
  });
  if (r.error || r.status === 128) return null;
  return r.status === 0;
}

function values(path: string): Map<string, string> | null {
  try {
    return parseDocument(readFileSync(path, "utf8"), { filename: path }).values;
  } catch {
    return null;
  }
}

/** `doctor`'s credentials finding for a `dotenvx:` remote. */
export function dotenvxCredentials(uri: RemoteUri, env: Environ, cwd: string): CredentialsFinding {
  const path = resolve(cwd, uri.target);
  const file = existsSync(path) ? values(path) : null;
  const names = keyNames(path, file ? [...file.keys()] : []);
  const publicKey = file?.get(names.publicKeyName) ?? null;
  const keysPath = keysFilePath(path);
  const advice: string[] = [];
  let privateKey: string | undefined;
  let where: string;
  if (env[names.privateKeyName]) {
    privateKey = env[names.privateKeyName];
    where = `$${names.privateKeyName}`;
  } else {
    privateKey = existsSync(keysPath) ? values(keysPath)?.get(names.privateKeyName) : undefined;
    where = keysPath;
  }
  if (existsSync(keysPath) && gitIgnores(keysPath) === false) {
    advice.push(
      `${keysPath} is not git-ignored: add .env.keys to .gitignore (it holds private keys).`,
    );
  }
  if (existsSync(path) && gitTracks(path) === false) {
    advice.push(`${uri.target} is not in git yet: commit it (its values are encrypted).`);
  }
  if (privateKey === undefined || privateKey.trim() === "") {
    return {
      found: false,
      source: `no ${names.privateKeyName} in the environment or in ${keysPath}`,
      advice: [
        `Set ${names.privateKeyName} (from your team's secret store or CI secrets) or put .env.keys beside the file.`,
        ...advice,
      ].join(" "),
    };
  }
  const derived = privateKey
    .split(",")
    .map((k) => publicKeyOf(k.trim()))
    .filter((k): k is string => k !== null);
  let found = true;
  let source = `${names.privateKeyName} from ${where}`;
  if (publicKey === null) source += `; ${uri.target} has no ${names.publicKeyName} yet`;
  else if (derived.includes(publicKey.toLowerCase()))
    source += ` matches ${names.publicKeyName} in the file`;
  else {
    found = false;
    source += ` does not match ${names.publicKeyName} in the file`;
    advice.unshift(
      `Use the private key that belongs to ${names.publicKeyName} (ask whoever ran \`dotenvx encrypt\`).`,
    );
  }
  return { found, source, ...(advice.length ? { advice: advice.join(" ") } : {}) };
}

/** `dotenvx:PATH`: a dotenvx-encrypted `.env` file. */
export const dotenvxHooks: ProviderHooks = {
  example: "dotenvx:PATH (a dotenvx-encrypted .env file)",
  capabilities: () => ({ versions: false, softDelete: false, compareAndSwap: true }),
  credentials: (uri, env, _home, cwd) => dotenvxCredentials(uri, env, cwd),
  localPath: (uri, cwd) => resolve(cwd, uri.target),
  companionFiles: (uri, cwd) => [keysFilePath(resolve(cwd, uri.target))],
};
