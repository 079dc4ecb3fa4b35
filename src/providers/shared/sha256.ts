/**
 * SHA-256 and HMAC-SHA-256 for the few short hashes a cloud read makes (the AWS SigV4
 * signature, the digest of a per-key remote's versions), from `@noble/hashes` (audited,
 * plain JavaScript). Loading `node:crypto` costs ≈ 6 ms of CPU on Node 24 (it loads all
 * of Node's crypto bindings), a tenth of a whole cloud command, for hashes of a few
 * hundred bytes. The unit test (test/unit/providers/aws/small-client.test.ts) checks
 * both against `node:crypto` on random inputs around every block boundary.
 */
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 as nobleSha256 } from "@noble/hashes/sha2.js";

/** SHA-256 of `data` (FIPS 180-4). */
export function sha256(data: Uint8Array): Uint8Array {
  return nobleSha256(data);
}

/** HMAC-SHA-256 (RFC 2104). */
export function hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
  return hmac(nobleSha256, key, data);
}
