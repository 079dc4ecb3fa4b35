/**
 * dotenvx's ECIES (eciesjs 0.5, the library dotenvx itself uses: secp256k1,
 * HKDF-SHA256, AES-256-GCM). A value `encrypted:BASE64` is ECIES ciphertext of the
 * UTF-8 text to the file's public key (compressed point, hex). Writes only: reads
 * decrypt with Node's own crypto (./decrypt.ts) and never load eciesjs.
 */
import { encrypt, PrivateKey } from "eciesjs";
import { ENCRYPTED_PREFIX } from "./names.js";

/** Encrypts `value` to a compressed secp256k1 public key (hex) as `encrypted:BASE64`. */
export function encryptValue(publicKeyHex: string, value: string): string {
  const data = encrypt(publicKeyHex, new TextEncoder().encode(value));
  return ENCRYPTED_PREFIX + Buffer.from(data).toString("base64");
}

/** A new keypair: private key and compressed public key, both hex. */
export function newKeypair(): { privateKey: string; publicKey: string } {
  const sk = new PrivateKey();
  return { privateKey: sk.toHex(), publicKey: sk.publicKey.toHex(true) };
}
