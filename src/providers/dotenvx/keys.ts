/**
 * dotenvx's ECIES (eciesjs 0.5, the library dotenvx itself uses: secp256k1,
 * HKDF-SHA256, AES-256-GCM). A value `encrypted:BASE64` is ECIES ciphertext of the
 * UTF-8 text to the file's public key (compressed point, hex).
 */
import { createDecipheriv, createECDH, ECDH, hkdfSync } from "node:crypto";
import { encrypt, PrivateKey } from "eciesjs";
import { ENCRYPTED_PREFIX } from "./names.js";

/** Encrypts `value` to a compressed secp256k1 public key (hex) as `encrypted:BASE64`. */
export function encryptValue(publicKeyHex: string, value: string): string {
  const data = encrypt(publicKeyHex, new TextEncoder().encode(value));
  return ENCRYPTED_PREFIX + Buffer.from(data).toString("base64");
}

/** Why a value could not be decrypted. */
export type DecryptFailure = "malformed" | "wrong-key";

/**
 * Decrypts an `encrypted:BASE64` value with the first key that opens it. Returns the
 * text, or why it failed (malformed ciphertext, or no key opens it).
 */
export function decryptValue(
  keys: readonly string[],
  token: string,
): { value: string } | { failure: DecryptFailure } {
  const b64 = token.slice(ENCRYPTED_PREFIX.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || b64.length % 4 !== 0) return { failure: "malformed" };
  const data = Buffer.from(b64, "base64");
  // 65-byte ephemeral key, 16-byte nonce, 16-byte tag.
  if (data.length < 97 || data[0] !== 0x04) return { failure: "malformed" };
  for (const key of keys) {
    const plain = openWith(key, data);
    if (plain === null) continue; // try the next key
    try {
      return { value: new TextDecoder("utf-8", { fatal: true }).decode(plain) };
    } catch {
      return { failure: "malformed" };
    }
  }
  return { failure: "wrong-key" };
}

/**
 * eciesjs 0.5's decryption (its default configuration, which dotenvx uses), with
 * Node's native secp256k1, HKDF and AES-GCM instead of pure-JavaScript curve
 * arithmetic (one key agreement per value made a 1,000-key read take seconds):
 * shared point = private key × ephemeral key, AES key = HKDF-SHA256(ephemeral key ‖
 * shared point, both uncompressed), data = ephemeral key (65) ‖ nonce (16) ‖ tag (16) ‖
 * ciphertext. Node's ECDH gives the shared point's x only; of the two points with that
 * x, the one whose key authenticates the GCM tag is the shared point. Null when the
 * key does not open the data.
 */
function openWith(privateKeyHex: string, data: Buffer): Buffer | null {
  const ephemeral = data.subarray(0, 65);
  const nonce = data.subarray(65, 81);
  const tag = data.subarray(81, 97);
  const body = data.subarray(97);
  let x: Buffer;
  try {
    const ecdh = createECDH("secp256k1");
    ecdh.setPrivateKey(privateKeyHex, "hex");
    x = ecdh.computeSecret(ephemeral);
  } catch {
    return null; // not a private key, or not a point on the curve
  }
  for (const parity of [2, 3]) {
    const shared = ECDH.convertKey(
      Buffer.concat([Buffer.from([parity]), x]),
      "secp256k1",
      undefined,
      undefined,
      "uncompressed",
    ) as Buffer;
    const key = Buffer.from(
      hkdfSync("sha256", Buffer.concat([ephemeral, shared]), Buffer.alloc(0), Buffer.alloc(0), 32),
    );
    try {
      const d = createDecipheriv("aes-256-gcm", key, nonce);
      d.setAuthTag(tag);
      return Buffer.concat([d.update(body), d.final()]);
    } catch {
      // not this point (or not this key)
    }
  }
  return null;
}

/** A new keypair: private key and compressed public key, both hex. */
export function newKeypair(): { privateKey: string; publicKey: string } {
  const sk = new PrivateKey();
  return { privateKey: sk.toHex(), publicKey: sk.publicKey.toHex(true) };
}
