/**
 * AWS Signature Version 4 for the JSON-1.1 requests of the small AWS client
 * (src/providers/aws/client.ts): a POST with a body, no query string, signed with
 * static keys. The unit test checks it against the official signer
 * (@smithy/signature-v4) byte for byte.
 *
 * SHA-256 and HMAC come from ../shared/sha256.ts, not `node:crypto` (why: there),
 * except over TLS: `node:https` has then loaded `node:crypto` and the connection
 * initialises OpenSSL anyway, so the native hashes cost nothing more, where the
 * plain-JavaScript ones cost ≈ 2 ms of a 1-key read (cold code in the interpreter).
 */
import { createHash, createHmac } from "node:crypto";
import { hmacSha256, sha256 } from "../shared/sha256.js";

/** Static AWS credentials (environment variables or a test's fixed keys). */
export interface StaticCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** What {@link signRequest} needs to know of one request. */
export interface SignInput {
  readonly method: string;
  /** The URL path, e.g. `/`. */
  readonly path: string;
  /** Lower-case header names; `host` included. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly region: string;
  /** The signing name: `secretsmanager`, `ssm`. */
  readonly service: string;
  readonly credentials: StaticCredentials;
  readonly date: Date;
  /** Hash with `node:crypto` (set when the request goes over TLS, which loads it anyway). */
  readonly native?: boolean;
}

const utf8 = (s: string): Uint8Array => Buffer.from(s, "utf8");
const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

/** SHA-256 (hex) and HMAC-SHA-256 of UTF-8 strings, in JavaScript or native. */
interface Hashes {
  readonly sha256Hex: (data: string) => string;
  readonly hmac: (key: string | Uint8Array, data: string) => Uint8Array;
}
const JS_HASHES: Hashes = {
  sha256Hex: (data) => hex(sha256(utf8(data))),
  hmac: (key, data) => hmacSha256(typeof key === "string" ? utf8(key) : key, utf8(data)),
};
const NATIVE_HASHES: Hashes = {
  sha256Hex: (data) => createHash("sha256").update(data, "utf8").digest("hex"),
  hmac: (key, data) => createHmac("sha256", key).update(data, "utf8").digest(),
};

/** `20261207T062500Z` (the x-amz-date form). */
export function amzDate(date: Date): string {
  return date.toISOString().replace(/[:-]|\.\d{3}/g, "");
}

/** RFC 3986 encoding of one path segment, as the signer does for non-S3 services (twice). */
const encodeSegment = (s: string): string =>
  encodeURIComponent(s).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );

function canonicalPath(path: string): string {
  const segments: string[] = [];
  for (const s of path.split("/")) {
    if (s.length === 0 || s === ".") continue;
    if (s === "..") segments.pop();
    else segments.push(s);
  }
  const joined = `${path.startsWith("/") ? "/" : ""}${segments.join("/")}${segments.length > 0 && path.endsWith("/") ? "/" : ""}`;
  return joined
    .split("/")
    .map((s) => encodeSegment(s))
    .join("/");
}

/**
 * The signing key of the last scope signed for: it depends only on the secret key, the
 * day, the region and the service, so the requests of one command (a per-key read of
 * 1,000 secrets makes 60) derive it once, not four HMACs each (the same bytes whichever
 * of {@link JS_HASHES} or {@link NATIVE_HASHES} derived it). Held in this process's
 * memory only, as the credentials it comes from are.
 */
let lastKey: { secret: string; scope: string; key: Uint8Array } | undefined;

function signingKey(
  hmac: Hashes["hmac"],
  secret: string,
  day: string,
  region: string,
  service: string,
): Uint8Array {
  const scope = `${day}/${region}/${service}`;
  if (lastKey?.secret === secret && lastKey.scope === scope) return lastKey.key;
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, day), region), service), "aws4_request");
  lastKey = { secret, scope, key };
  return key;
}

/**
 * The headers to add to a request (`x-amz-date`, `x-amz-security-token` when there
 * is a session token, `authorization`). Every header given is signed.
 */
export function signRequest(input: SignInput): Record<string, string> {
  const { sha256Hex, hmac } = input.native === true ? NATIVE_HASHES : JS_HASHES;
  const stamp = amzDate(input.date);
  const day = stamp.slice(0, 8);
  const added: Record<string, string> = { "x-amz-date": stamp };
  if (input.credentials.sessionToken !== undefined)
    added["x-amz-security-token"] = input.credentials.sessionToken;
  const all = { ...input.headers, ...added };
  const names = Object.keys(all)
    .map((n) => n.toLowerCase())
    .sort();
  const canonicalHeaders = names
    .map((n) => `${n}:${String(all[n]).trim().replace(/\s+/g, " ")}\n`)
    .join("");
  const signedHeaders = names.join(";");
  const canonicalRequest = [
    input.method,
    canonicalPath(input.path),
    "",
    canonicalHeaders,
    signedHeaders,
    sha256Hex(input.body),
  ].join("\n");
  const scope = `${day}/${input.region}/${input.service}/aws4_request`;
  const toSign = ["AWS4-HMAC-SHA256", stamp, scope, sha256Hex(canonicalRequest)].join("\n");
  const key = signingKey(hmac, input.credentials.secretAccessKey, day, input.region, input.service);
  const signature = hex(hmac(key, toSign));
  added.authorization = `AWS4-HMAC-SHA256 Credential=${input.credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return added;
}
