/**
 * dotenvx's ECIES (eciesjs 0.5, the library dotenvx itself uses: secp256k1,
 * HKDF-SHA256, AES-256-GCM). A value `encrypted:BASE64` is ECIES ciphertext of the
 * UTF-8 text to the file's public key (compressed point, hex).
 */
import { decrypt, encrypt, PrivateKey } from "eciesjs";
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
    try {
      const plain = decrypt(key, data);
      return { value: new TextDecoder("utf-8", { fatal: true }).decode(plain) };
    } catch {
      // try the next key
    }
  }
  return { failure: "wrong-key" };
}

/** A new keypair: private key and compressed public key, both hex. */
export function newKeypair(): { privateKey: string; publicKey: string } {
  const sk = new PrivateKey();
  return { privateKey: sk.toHex(), publicKey: sk.publicKey.toHex(true) };
}
