/**
 * Decrypting many dotenvx values at once with Node's own crypto (docs/DESIGN.md,
 * "Encrypted files"). eciesjs 0.5's format as dotenvx uses it: data = ephemeral key
 * (65 bytes, uncompressed) ‖ nonce (16) ‖ tag (16) ‖ AES-256-GCM ciphertext; the AES key
 * is HKDF-SHA256 (no salt, no info) of ephemeral key ‖ shared point, both uncompressed.
 *
 * Cost: the key agreement (OpenSSL's generic secp256k1) is nearly all of it, so each
 * private key is set once per batch, not once per value (setting it multiplies the
 * curve's generator), and a large batch is shared with worker threads when the machine
 * has idle cores. This module loads no eciesjs (its pure-JS curve is for writes only).
 */
import { createDecipheriv, createECDH, ECDH, hkdfSync } from "node:crypto";
import { availableParallelism } from "node:os";
import type { Worker as WorkerThread } from "node:worker_threads";

/** One value's outcome: the text, or why it failed (malformed, or no key opens it). */
export type DecryptResult = { value: string } | { failure: "malformed" | "wrong-key" };

/** What the algorithm uses of `node:crypto` (handed in: a worker passes its own). */
interface Crypto {
  readonly createECDH: typeof createECDH;
  readonly ECDH: typeof ECDH;
  readonly hkdfSync: typeof hkdfSync;
  readonly createDecipheriv: typeof createDecipheriv;
}
const nodeCrypto: Crypto = { createECDH, ECDH, hkdfSync, createDecipheriv };

/** A worker's answer: per value the text, or 0 (malformed) / 1 (no key opens it). */
type Raw = string | 0 | 1;

/**
 * The whole algorithm, self-contained (it closes over nothing but its arguments) so that
 * a worker thread runs this very function from its source text. `bodies` are the values
 * without their `encrypted:` prefix.
 */
function openBatch(crypto: Crypto, keys: readonly string[], bodies: readonly string[]): Raw[] {
  const agreements: ECDH[] = [];
  for (const key of keys) {
    try {
      const ecdh = crypto.createECDH("secp256k1");
      ecdh.setPrivateKey(key, "hex");
      agreements.push(ecdh);
    } catch {
      // not a private key: it opens nothing
    }
  }
  const empty = Buffer.alloc(0);
  const utf8 = new TextDecoder("utf-8", { fatal: true });
  const open = (ecdh: ECDH, data: Buffer): Buffer | null => {
    const ephemeral = data.subarray(0, 65);
    let x: Buffer;
    try {
      x = ecdh.computeSecret(ephemeral);
    } catch {
      return null; // not a point on the curve
    }
    // ECDH gives the shared point's x only: of the two points with that x, the one whose
    // key authenticates the GCM tag is the shared point.
    for (const parity of [2, 3]) {
      const shared = crypto.ECDH.convertKey(
        Buffer.concat([Buffer.from([parity]), x]),
        "secp256k1",
        undefined,
        undefined,
        "uncompressed",
      ) as Buffer;
      const key = crypto.hkdfSync("sha256", Buffer.concat([ephemeral, shared]), empty, empty, 32);
      try {
        const d = crypto.createDecipheriv("aes-256-gcm", Buffer.from(key), data.subarray(65, 81));
        d.setAuthTag(data.subarray(81, 97));
        return Buffer.concat([d.update(data.subarray(97)), d.final()]);
      } catch {
        // not this point (or not this key)
      }
    }
    return null;
  };
  const out: Raw[] = [];
  for (const b64 of bodies) {
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || b64.length % 4 !== 0) {
      out.push(0);
      continue;
    }
    const data = Buffer.from(b64, "base64");
    if (data.length < 97 || data[0] !== 0x04) {
      out.push(0);
      continue;
    }
    let result: Raw = 1;
    for (const ecdh of agreements) {
      const plain = open(ecdh, data);
      if (plain === null) continue; // try the next key
      try {
        result = utf8.decode(plain);
      } catch {
        result = 0;
      }
      break;
    }
    out.push(result);
  }
  return out;
}

function toResult(raw: Raw): DecryptResult {
  if (typeof raw === "string") return { value: raw };
  return { failure: raw === 0 ? "malformed" : "wrong-key" };
}

/** Decrypts one `encrypted:BASE64` value with the first of `keys` that opens it. */
export function decryptOne(keys: readonly string[], token: string): DecryptResult {
  return toResult(openBatch(nodeCrypto, keys, [token.slice(token.indexOf(":") + 1)])[0]!);
}

/** Values per thread below which a worker's start-up (≈ 20 ms) costs more than it saves. */
const PARALLEL_FROM = 64;

/** How the batch may be shared: threads beside this one (0: none). */
export interface DecryptOptions {
  /** Worker threads to use at most; default: the machine's cores less one. */
  readonly threads?: number;
}

/**
 * Decrypts `encrypted:BASE64` values, keeping their order: each with the first of `keys`
 * that opens it. A batch of at least 128 values is split between this thread and up to
 * `threads` workers (one per spare core); the results are the same either way.
 */
export async function decryptMany(
  keys: readonly string[],
  tokens: readonly string[],
  options: DecryptOptions = {},
): Promise<DecryptResult[]> {
  const bodies = tokens.map((t) => t.slice(t.indexOf(":") + 1));
  const threads = Math.min(
    options.threads ?? availableParallelism() - 1,
    Math.floor(bodies.length / PARALLEL_FROM) - 1,
  );
  if (threads <= 0) return openBatch(nodeCrypto, keys, bodies).map(toResult);
  const { Worker } = await import("node:worker_threads");
  const share = Math.ceil(bodies.length / (threads + 1));
  const source = `const { parentPort, workerData } = require("node:worker_threads");
parentPort.postMessage((${openBatch.toString()})(require("node:crypto"), workerData.keys, workerData.bodies));`;
  const parts = Array.from({ length: threads }, (_, i) => {
    const slice = bodies.slice((i + 1) * share, (i + 2) * share);
    // A worker that cannot start or dies leaves its share to this thread.
    const here = (): Raw[] => openBatch(nodeCrypto, keys, slice);
    return new Promise<Raw[]>((resolveRaw) => {
      let done = false;
      const settle = (raw: () => Raw[]): void => {
        if (done) return;
        done = true;
        resolveRaw(raw());
      };
      let w: WorkerThread;
      try {
        w = new Worker(source, { eval: true, workerData: { keys, bodies: slice } });
      } catch {
        settle(here);
        return;
      }
      w.once("message", (raw: Raw[]) => {
        settle(() => raw);
        void w.terminate();
      });
      w.once("error", () => settle(here));
      w.once("exit", () => settle(here));
    });
  });
  const own = openBatch(nodeCrypto, keys, bodies.slice(0, share));
  const rest = await Promise.all(parts);
  return [own, ...rest].flat().map(toResult);
}
