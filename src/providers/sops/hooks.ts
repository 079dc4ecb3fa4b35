/**
 * What the `sops:` provider tells envsync besides how to open a store: no versions of
 * its own (git keeps them), writes under a lock, a local path, and `doctor`'s checks:
 * is an age key found where SOPS looks, is it a recipient of the file, is the file in
 * git. Everything here is synchronous and light (no age library, no network): the
 * recipient of a key is derived with node:crypto (X25519) and bech32 (@scure/base).
 */
import { spawnSync } from "node:child_process";
import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { bech32 } from "@scure/base";
import type { CredentialsFinding, Environ, ProviderHooks } from "../types.js";
import type { RemoteUri } from "../uri.js";
import { defaultKeyFiles, parseIdentities } from "./age-keys.js";
import { formatOf, parseSops } from "./formats.js";

/**
 * An X25519 age identity (`AGE-SECRET-KEY-1…`) as a private key object, with its
 * recipient's 32 raw bytes; null when it is not one.
 */
export function x25519Identity(
  identity: string,
): { privateKey: KeyObject; recipient: Buffer } | null {
  try {
    const { prefix, bytes } = bech32.decodeToBytes(identity.toLowerCase());
    if (prefix !== "age-secret-key-" || bytes.length !== 32) return null;
    const pkcs8 = Buffer.concat([Buffer.from("302e020100300506032b656e04220420", "hex"), bytes]);
    const privateKey = createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" });
    // The raw public key from its JWK: OpenSSL's DER encoder costs ≈ 0.5 ms the first time.
    const { x } = createPublicKey(privateKey).export({ format: "jwk" });
    return { privateKey, recipient: Buffer.from(x!, "base64url") };
  } catch {
    return null;
  }
}

/** The age recipient (`age1…`) of an identity (`AGE-SECRET-KEY-1…`), or null when it is not one. */
export function recipientOfSync(identity: string): string | null {
  const me = x25519Identity(identity);
  return me === null ? null : bech32.encodeFromBytes("age", me.recipient);
}

/** Whether git tracks `path` (null when git or a work tree is not there). */
export function gitTracks(path: string): boolean | null {
  const r = spawnSync("git", ["ls-files", "--error-unmatch", "--", basename(path)], {
    cwd: dirname(path),
    encoding: "utf8",
    timeout: 10_000,
  });
  if (r.error || (r.status !== 0 && /not a git repository/i.test(r.stderr))) return null;
  return r.status === 0;
}

/** Where SOPS would find age keys, read without running anything. */
function keysSync(env: Environ): { keys: string[]; sources: string[]; notes: string[] } {
  const keys: string[] = [];
  const sources: string[] = [];
  const notes: string[] = [];
  const add = (where: string, text: string): void => {
    const found = parseIdentities(text);
    if (found.length > 0) {
      keys.push(...found);
      sources.push(where);
    } else notes.push(`${where} holds no age key`);
  };
  if (env.SOPS_AGE_KEY !== undefined) add("$SOPS_AGE_KEY", env.SOPS_AGE_KEY);
  if (env.SOPS_AGE_KEY_FILE !== undefined) {
    try {
      add(
        `$SOPS_AGE_KEY_FILE (${env.SOPS_AGE_KEY_FILE})`,
        readFileSync(env.SOPS_AGE_KEY_FILE, "utf8"),
      );
    } catch {
      notes.push(`$SOPS_AGE_KEY_FILE names ${env.SOPS_AGE_KEY_FILE}, which cannot be read`);
    }
  }
  if (env.SOPS_AGE_KEY_CMD) notes.push("$SOPS_AGE_KEY_CMD is set (doctor does not run it)");
  for (const f of defaultKeyFiles(env)) {
    if (existsSync(f)) {
      try {
        add(f, readFileSync(f, "utf8"));
      } catch {
        notes.push(`${f} cannot be read`);
      }
    }
  }
  return { keys, sources, notes };
}

/** `doctor`'s credentials finding for a `sops:` remote. */
export function sopsCredentials(uri: RemoteUri, env: Environ, cwd: string): CredentialsFinding {
  const path = resolve(cwd, uri.target);
  const { keys, sources, notes } = keysSync(env);
  const advice: string[] = [];
  if (keys.length === 0) {
    return {
      found: false,
      source: `no age key found (SOPS_AGE_KEY, SOPS_AGE_KEY_FILE, ${defaultKeyFiles(env).join(", ")})${notes.length ? `; ${notes.join("; ")}` : ""}`,
      advice:
        "Set SOPS_AGE_KEY_FILE to your age key file (age-keygen -o keys.txt makes one), or put it at the default path.",
    };
  }
  const mine = keys.map(recipientOfSync).filter((r): r is string => r !== null);
  let source = `${keys.length} age key(s) from ${sources.join(", ")}`;
  let found = true;
  const format = formatOf(path);
  if (format !== null && existsSync(path)) {
    try {
      const doc = parseSops(readFileSync(path, "utf8"), uri.raw, format);
      const meta = doc.meta ?? {};
      const groups = Array.isArray(meta.key_groups) ? (meta.key_groups as { age?: unknown }[]) : [];
      const entries = [
        ...(Array.isArray(meta.age) ? (meta.age as unknown[]) : []),
        ...groups.flatMap((g) => (Array.isArray(g.age) ? (g.age as unknown[]) : [])),
      ] as { recipient?: unknown }[];
      const recipients = entries
        .map((e) => (typeof e.recipient === "string" ? e.recipient : ""))
        .filter((r) => r !== "");
      const ok = recipients.some((r) => mine.includes(r));
      source += `; ${ok ? "one of them is" : "none is"} a recipient of ${uri.raw} (recipients: ${recipients.join(", ") || "none"})`;
      if (!ok) {
        found = false;
        advice.push(
          `Ask someone who can decrypt it to add your recipient (${mine[0] ?? "age-keygen -y KEYFILE"}) to .sops.yaml and run \`sops updatekeys ${uri.target}\`.`,
        );
      }
    } catch (e) {
      source += `; the file's metadata cannot be read (${(e as Error).message})`;
    }
    if (gitTracks(path) === false)
      advice.push(`${uri.target} is not in git yet: commit it (it is encrypted).`);
  } else if (format !== null) {
    source += `; ${uri.target} does not exist yet (the first write creates it from .sops.yaml)`;
  }
  return { found, source, ...(advice.length ? { advice: advice.join(" ") } : {}) };
}

/** `sops:PATH`: a SOPS-encrypted dotenv, JSON or YAML file (age). */
export const sopsHooks: ProviderHooks = {
  example: "sops:PATH (SOPS with age; .env, .json, .yaml)",
  capabilities: () => ({ versions: false, softDelete: false, compareAndSwap: true }),
  credentials: (uri, env, _home, cwd) => sopsCredentials(uri, env, cwd),
  localPath: (uri, cwd) => resolve(cwd, uri.target),
};
