/**
 * Opening an age file (age-encryption.org/v1) with X25519 identities, on Node's own
 * crypto: X25519, HKDF-SHA256, HMAC-SHA256 and ChaCha20-Poly1305 are all in
 * `node:crypto`, so reading a `sops:` file need not load the `age-encryption` package
 * (its post-quantum recipients cost ≈ 30 ms of start-up; docs/DESIGN.md, "Encrypted
 * files"). The format, as age's spec and `age-encryption` read it:
 *
 *   age-encryption.org/v1
 *   -> X25519 <ephemeral share, base64 without padding>
 *   <wrapped file key, base64 without padding, lines of 64>
 *   --- <header MAC, base64 without padding>
 *   <16-byte nonce><payload: ChaCha20-Poly1305 chunks of 64 KiB + 16>
 *
 * wrap key = HKDF(X25519(identity, share), salt share ‖ recipient, "age-encryption.org/v1/X25519");
 * MAC = HMAC(HKDF(file key, no salt, "header"), header up to "---");
 * payload key = HKDF(file key, salt nonce, "payload"); chunk nonce = 11-byte counter ‖ last flag.
 */
import {
  createDecipheriv,
  createHmac,
  createPublicKey,
  diffieHellman,
  hkdfSync,
  timingSafeEqual,
} from "node:crypto";
import { x25519Identity } from "./hooks.js";

const CHUNK = 64 * 1024;
const TAG = 16;

function key(ikm: Uint8Array, salt: Uint8Array, info: string): Buffer {
  return Buffer.from(hkdfSync("sha256", ikm, salt, info, 32));
}

function chachaOpen(k: Uint8Array, nonce: Uint8Array, sealed: Uint8Array): Buffer | null {
  if (sealed.length < TAG) return null;
  try {
    const d = createDecipheriv("chacha20-poly1305", k, nonce, { authTagLength: TAG });
    d.setAuthTag(sealed.subarray(sealed.length - TAG));
    return Buffer.concat([d.update(sealed.subarray(0, sealed.length - TAG)), d.final()]);
  } catch {
    return null;
  }
}

/** Strict base64 without padding (age's encoding); null when it is not that. */
function b64(text: string): Buffer | null {
  if (!/^[A-Za-z0-9+/]*$/.test(text) || text.length % 4 === 1) return null;
  const out = Buffer.from(text, "base64");
  return out.toString("base64").replace(/=+$/, "") === text ? out : null;
}

interface Header {
  readonly stanzas: readonly { readonly args: readonly string[]; readonly body: Buffer }[];
  /** The header's bytes up to and including `---` (what the MAC covers). */
  readonly covered: Buffer;
  readonly mac: Buffer;
  /** Offset of the payload nonce. */
  readonly end: number;
}

function parseHeader(file: Buffer): Header | null {
  const text = file.toString("latin1");
  let at = 0;
  const line = (): string | null => {
    const nl = text.indexOf("\n", at);
    if (nl < 0) return null;
    const l = text.slice(at, nl);
    at = nl + 1;
    return l;
  };
  if (line() !== "age-encryption.org/v1") return null;
  const stanzas: { args: string[]; body: Buffer }[] = [];
  for (;;) {
    const start = at;
    const l = line();
    if (l === null) return null;
    if (l.startsWith("--- ")) {
      const mac = b64(l.slice(4));
      if (mac === null || mac.length !== 32) return null;
      return { stanzas, covered: file.subarray(0, start + 3), mac, end: at };
    }
    const args = l.split(" ");
    if (args.shift() !== "->" || args.length === 0 || args.some((a) => a === "")) return null;
    const parts: Buffer[] = [];
    for (;;) {
      const bodyLine = line();
      if (bodyLine === null) return null;
      const part = b64(bodyLine);
      if (part === null || part.length > 48) return null;
      parts.push(part);
      if (part.length < 48) break;
    }
    stanzas.push({ args, body: Buffer.concat(parts) });
  }
}

function payload(fileKey: Buffer, file: Buffer, from: number): Buffer | null {
  const nonce = file.subarray(from, from + 16);
  if (nonce.length !== 16) return null;
  const k = key(fileKey, nonce, "payload");
  const body = file.subarray(from + 16);
  const out: Buffer[] = [];
  for (let i = 0, n = 0; ; i += CHUNK + TAG, n++) {
    const chunk = body.subarray(i, i + CHUNK + TAG);
    const last = i + CHUNK + TAG >= body.length;
    const counter = Buffer.alloc(12);
    counter.writeUIntBE(n, 5, 6);
    counter[11] = last ? 1 : 0;
    const plain = chachaOpen(k, counter, chunk);
    // As age: only the first chunk may be empty, and a last chunk that is full follows nothing.
    if (plain === null || (plain.length === 0 && n > 0)) return null;
    out.push(plain);
    if (last) return Buffer.concat(out);
  }
}

/**
 * Opens a binary age file with the first X25519 identity that is one of its recipients.
 * Null when none is (or the file is not an intact age file): the caller may still ask
 * the `age-encryption` package, which knows more recipient types.
 */
export function openAgeX25519(file: Buffer, identities: readonly string[]): Buffer | null {
  const h = parseHeader(file);
  if (h === null) return null;
  for (const id of identities) {
    // As age-encryption: the X25519 kind only (not AGE-SECRET-KEY-PQ-1…).
    const me = id.startsWith("AGE-SECRET-KEY-1") ? x25519Identity(id) : null;
    if (me === null) continue;
    for (const s of h.stanzas) {
      if (s.args[0] !== "X25519" || s.args.length !== 2 || s.body.length !== 32) continue;
      const share = b64(s.args[1]!);
      if (share === null || share.length !== 32) continue;
      let secret: Buffer;
      try {
        secret = diffieHellman({
          privateKey: me.privateKey,
          // As a JWK: its raw bytes, where SPKI's DER goes through OpenSSL's slower decoder.
          publicKey: createPublicKey({
            key: { kty: "OKP", crv: "X25519", x: share.toString("base64url") },
            format: "jwk",
          }),
        });
      } catch {
        continue; // a low-order share: no shared secret
      }
      const wrap = key(
        secret,
        Buffer.concat([share, me.recipient]),
        "age-encryption.org/v1/X25519",
      );
      const fileKey = chachaOpen(wrap, Buffer.alloc(12), s.body);
      if (fileKey === null) continue;
      const mac = createHmac("sha256", key(fileKey, Buffer.alloc(0), "header"))
        .update(h.covered)
        .digest();
      if (!timingSafeEqual(mac, h.mac)) return null;
      return payload(fileKey, file, h.end);
    }
  }
  return null;
}

/**
 * The binary file inside age's ASCII armor (`-----BEGIN AGE ENCRYPTED FILE-----`, lines
 * of 64 base64 characters), parsed as strictly as `age-encryption` does; null if it is not.
 */
export function dearmor(text: string): Buffer | null {
  const lines = text.trim().replaceAll("\r\n", "\n").split("\n");
  if (lines.shift() !== "-----BEGIN AGE ENCRYPTED FILE-----") return null;
  if (lines.pop() !== "-----END AGE ENCRYPTED FILE-----") return null;
  const fits = lines.every((l, i) =>
    i === lines.length - 1 ? l.length > 0 && l.length <= 64 && l.length % 4 === 0 : l.length === 64,
  );
  if (!fits || !lines.every((l) => /^[A-Za-z0-9+/=]+$/.test(l))) return null;
  const joined = lines.join("");
  const out = Buffer.from(joined, "base64");
  return out.toString("base64") === joined ? out : null;
}
