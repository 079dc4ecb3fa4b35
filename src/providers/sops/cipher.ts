/**
 * SOPS's value cipher and MAC, with node:crypto, following getsops/sops (`aes/cipher.go`,
 * `sops.go`): each value is AES-256-GCM under the file's 32-byte data key with a
 * 32-byte random IV and the value's key path joined by `:` plus a trailing `:` as
 * additional data, written `ENC[AES256_GCM,data:…,iv:…,tag:…,type:…]`; empty values
 * stay empty. The MAC is SHA-512 (upper-case hex) over every value's plaintext in
 * document order (comments excluded), stored encrypted with `lastmodified` as
 * additional data.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createSecretKey,
  randomBytes,
  type KeyObject,
} from "node:crypto";

/** The types SOPS records for an encrypted value. */
export type SopsType = "str" | "int" | "int64" | "float" | "bool" | "bytes" | "comment";

/** A parsed `ENC[…]` token. */
export interface EncToken {
  readonly data: Buffer;
  readonly iv: Buffer;
  readonly tag: Buffer;
  readonly type: string;
}

const ENC = /^ENC\[AES256_GCM,data:(.*),iv:(.*),tag:(.*),type:(.*)\]$/s;
const B64 = /^[A-Za-z0-9+/]*={0,2}$/;
/**
 * ENC with data, iv and tag already in base64's alphabet: one pass instead of four.
 * When it matches and the type holds no comma, the token's only commas are its three
 * separators, so ENC splits it the same way; otherwise ENC decides.
 */
const ENC_B64 =
  /^ENC\[AES256_GCM,data:([A-Za-z0-9+/]*={0,2}),iv:([A-Za-z0-9+/]*={0,2}),tag:([A-Za-z0-9+/]*={0,2}),type:(.*)\]$/s;

/** True when `value` looks like an `ENC[AES256_GCM,…]` token (well formed or not). */
export function looksEncrypted(value: string): boolean {
  return value.startsWith("ENC[");
}

/** Parses an `ENC[…]` token; null when it is malformed. */
export function parseEnc(value: string): EncToken | null {
  let m = ENC_B64.exec(value);
  if (m === null) return null; // ENC's groups would not all be base64 either
  if (m[4]!.includes(",")) {
    m = ENC.exec(value);
    if (m === null || !B64.test(m[1]!) || !B64.test(m[2]!) || !B64.test(m[3]!)) return null;
  }
  const [, data, iv, tag, type] = m as unknown as [string, string, string, string, string];
  if (data.length % 4 !== 0 || iv.length % 4 !== 0 || tag.length % 4 !== 0) return null;
  const t = {
    data: Buffer.from(data, "base64"),
    iv: Buffer.from(iv, "base64"),
    tag: Buffer.from(tag, "base64"),
    type,
  };
  if (t.iv.length === 0 || t.tag.length !== 16) return null;
  return t;
}

/** The data key as a KeyObject, made once per key: a raw key is imported again by every call. */
const keyObjects = new WeakMap<Uint8Array, KeyObject>();

/**
 * Decrypts a token with the data key and additional data; null when the tag does not
 * verify (wrong key, tampered value, or a value moved to another key path).
 */
export function decryptToken(token: EncToken, key: Uint8Array, aad: string): Buffer | null {
  try {
    let secret = keyObjects.get(key);
    if (secret === undefined) keyObjects.set(key, (secret = createSecretKey(key)));
    const d = createDecipheriv("aes-256-gcm", secret, token.iv);
    d.setAAD(Buffer.from(aad, "utf8"));
    d.setAuthTag(token.tag);
    // GCM is a stream mode: update gives every byte, final only checks the tag.
    const plain = d.update(token.data);
    d.final();
    return plain;
  } catch {
    return null;
  }
}

/** Encrypts `plain` as an `ENC[…]` token of `type` (an empty string stays empty, as in SOPS). */
export function encryptValue(
  plain: string,
  key: Uint8Array,
  aad: string,
  type: SopsType = "str",
): string {
  if (plain === "") return "";
  const iv = randomBytes(32);
  const c = createCipheriv("aes-256-gcm", key, iv);
  c.setAAD(Buffer.from(aad, "utf8"));
  const data = Buffer.concat([c.update(plain, "utf8"), c.final()]);
  const tag = c.getAuthTag();
  return `ENC[AES256_GCM,data:${data.toString("base64")},iv:${iv.toString("base64")},tag:${tag.toString("base64")},type:${type}]`;
}

/** The additional data of a value at `path` (`a:b:`), or of a comment in the map at `path`. */
export function aadOf(path: readonly string[]): string {
  return path.join(":") + ":";
}

/** sops's `MACOnlyEncryptedInitialization`: sha256("sops"), hashed first when only encrypted values count. */
const MAC_ONLY_ENCRYPTED_INIT = createHash("sha256").update("sops").digest();

/**
 * A SOPS MAC, over values added one by one. They are hashed together at the end: one
 * native call for the whole file rather than one per value.
 */
export class Mac {
  private readonly parts: Uint8Array[] = [];
  constructor(onlyEncrypted: boolean) {
    if (onlyEncrypted) this.parts.push(MAC_ONLY_ENCRYPTED_INIT);
  }
  /** Adds one value's bytes (its plaintext, as SOPS's `ToBytes` gives them). */
  add(bytes: string | Uint8Array): void {
    if (bytes.length > 0)
      this.parts.push(typeof bytes === "string" ? Buffer.from(bytes, "utf8") : bytes);
  }
  /** The MAC as SOPS writes it: upper-case hex. */
  digest(): string {
    return createHash("sha512").update(Buffer.concat(this.parts)).digest("hex").toUpperCase();
  }
}

/**
 * `lastmodified` as SOPS uses it for the MAC's additional data: Go's RFC 3339 form of
 * the parsed time (seconds precision, `Z` for a zero offset). Null when not a time.
 */
export function normalizeLastModified(text: string): string | null {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$/i.exec(text.trim());
  if (!m) return null;
  const zone = m[3]!.toUpperCase();
  return `${m[1]}${zone === "+00:00" || zone === "-00:00" ? "Z" : zone}`;
}

/** Now, as SOPS writes `lastmodified`: UTC, seconds precision. */
export function nowLastModified(now: Date = new Date()): string {
  return now.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * Go's `strconv.FormatFloat(f, 'f', -1, 64)`: the shortest decimal that reads back
 * as `f`, never in exponent form (what SOPS hashes for a float).
 */
export function goFloat(f: number): string {
  const s = String(f);
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (!m) return s;
  const [, sign, int, frac = "", expText] = m as unknown as [
    string,
    string,
    string,
    string | undefined,
    string,
  ];
  const exp = Number(expText);
  const digits = int + frac;
  if (exp >= 0) {
    const point = 1 + exp;
    return (
      sign +
      (digits.length <= point
        ? digits + "0".repeat(point - digits.length)
        : `${digits.slice(0, point)}.${digits.slice(point)}`)
    );
  }
  return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
}
