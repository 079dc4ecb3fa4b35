/**
 * Decrypting many dotenvx values at once with Node's own crypto (docs/DESIGN.md,
 * "Encrypted files"). eciesjs 0.5's format as dotenvx uses it: data = ephemeral key
 * (65 bytes, uncompressed) ‖ nonce (16) ‖ tag (16) ‖ AES-256-GCM ciphertext; the AES key
 * is HKDF-SHA256 (no salt, no info) of ephemeral key ‖ shared point, both uncompressed.
 *
 * Cost: the key agreement is nearly all of it. OpenSSL's secp256k1 is generic code
 * (0.3 ms a value on Node 24's OpenSSL 3.5, 0.7 ms on Node 20's 3.0), so a batch of more
 * than a few values multiplies the shared point with libsecp256k1 compiled to
 * WebAssembly instead (the `secp256k1.wasm` of the tiny-secp256k1 package, MIT: 0.16 ms
 * a value on every Node line; no JavaScript of that package is loaded). HKDF and AES-GCM
 * stay with `node:crypto`. Each private key is checked once per batch, and a large batch
 * is shared with worker threads when the machine has idle cores. This module loads no
 * eciesjs (its pure-JS curve is for writes only).
 */
import { createDecipheriv, createECDH, ECDH, hkdfSync, randomInt } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Worker as WorkerThread } from "node:worker_threads";

/** One value's outcome: the text, or why it failed (malformed, or no key opens it). */
export type DecryptResult = { value: string } | { failure: "malformed" | "wrong-key" };

/** What the algorithm uses of `node:crypto` (handed in: a worker passes its own). */
interface Crypto {
  readonly createECDH: typeof createECDH;
  readonly ECDH: typeof ECDH;
  readonly hkdfSync: typeof hkdfSync;
  readonly createDecipheriv: typeof createDecipheriv;
  readonly randomInt: typeof randomInt;
}
const nodeCrypto: Crypto = { createECDH, ECDH, hkdfSync, createDecipheriv, randomInt };

/** libsecp256k1 compiled (a `WebAssembly.Module`, which a worker receives as is). */
export type WasmModule = object;
/** What this module uses of the WebAssembly API (the project's `lib` does not declare it). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { exports: unknown };
}

/** A worker's answer: per value the text, or 0 (malformed) / 1 (no key opens it). */
type Raw = string | 0 | 1;

/** Opens batches of value bodies with one set of keys; `wipe` clears the key from memory. */
interface Opener {
  open(bodies: readonly string[]): Raw[];
  wipe(): void;
}

/**
 * The whole algorithm, self-contained (it closes over nothing but its arguments) so that
 * a worker thread runs this very function from its source text. Each private key is
 * checked once, and the WebAssembly instance made once, for every batch `open` is given;
 * the bodies are the values without their `encrypted:` prefix. `secp256k1` is the
 * compiled libsecp256k1 module, or null to use OpenSSL's ECDH.
 */
function opener(crypto: Crypto, keys: readonly string[], secp256k1: WasmModule | null): Opener {
  const privates: Buffer[] = [];
  const agreements: ECDH[] = [];
  for (const key of keys) {
    try {
      const ecdh = crypto.createECDH("secp256k1");
      ecdh.setPrivateKey(key, "hex"); // refuses what is not a private key of the curve
      agreements.push(ecdh);
      const k = ecdh.getPrivateKey();
      privates.push(Buffer.concat([Buffer.alloc(32 - k.length), k]));
    } catch {
      // not a private key: it opens nothing
    }
  }
  const empty = Buffer.alloc(0);
  const utf8 = new TextDecoder("utf-8", { fatal: true });
  // HKDF's input: the ephemeral key then the shared point, both uncompressed.
  const ikm = Buffer.alloc(130);
  /** AES-256-GCM with the key HKDF derives from `ikm`; null if the tag fails. */
  const unseal = (data: Buffer): Buffer | null => {
    const key = Buffer.from(crypto.hkdfSync("sha256", ikm, empty, empty, 32));
    try {
      const d = crypto.createDecipheriv("aes-256-gcm", key, data.subarray(65, 81));
      d.setAuthTag(data.subarray(81, 97));
      return Buffer.concat([d.update(data.subarray(97)), d.final()]);
    } catch {
      return null; // not this point (or not this key)
    }
  };
  let open: (i: number, data: Buffer) => Buffer | null;
  let wipe = (): void => {
    ikm.fill(0);
  };
  if (secp256k1 !== null) {
    // libsecp256k1's pointMultiply(inputLength, outputLength): the point in
    // PUBLIC_KEY_INPUT times the scalar in TWEAK_INPUT, written back in place (1: done).
    type Exports = {
      memory: { buffer: ArrayBuffer };
      PUBLIC_KEY_INPUT: { value: number };
      TWEAK_INPUT: { value: number };
      pointMultiply(inputLength: number, outputLength: number): number;
    };
    const api = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
    const wasm = new api.Instance(secp256k1, {
      "./rand.js": { generateInt32: () => crypto.randomInt(-0x80000000, 0x80000000) },
      "./validate_error.js": {
        throwError: (code: number) => {
          throw new Error(`secp256k1 error ${code}`);
        },
      },
    }).exports as Exports;
    const memory = new Uint8Array(wasm.memory.buffer);
    const point = wasm.PUBLIC_KEY_INPUT.value;
    const scalar = wasm.TWEAK_INPUT.value;
    wipe = () => {
      ikm.fill(0);
      memory.fill(0, scalar, scalar + 32);
      memory.fill(0, point, point + 65);
    };
    open = (i, data) => {
      memory.set(data.subarray(0, 65), point);
      memory.set(privates[i]!, scalar);
      let ok: boolean;
      try {
        ok = wasm.pointMultiply(65, 65) === 1;
      } catch {
        ok = false; // not a point on the curve
      }
      if (!ok) return null;
      ikm.set(data.subarray(0, 65), 0);
      ikm.set(memory.subarray(point, point + 65), 65);
      return unseal(data);
    };
  } else {
    open = (i, data) => {
      let x: Buffer;
      try {
        x = agreements[i]!.computeSecret(data.subarray(0, 65));
      } catch {
        return null; // not a point on the curve
      }
      // ECDH gives the shared point's x only: of the two points with that x, the one whose
      // key authenticates the GCM tag is the shared point.
      ikm.set(data.subarray(0, 65), 0);
      for (const parity of [2, 3]) {
        const shared = crypto.ECDH.convertKey(
          Buffer.concat([Buffer.from([parity]), x]),
          "secp256k1",
          undefined,
          undefined,
          "uncompressed",
        ) as Buffer;
        ikm.set(shared, 65);
        const plain = unseal(data);
        if (plain !== null) return plain;
      }
      return null;
    };
  }
  const openAll = (bodies: readonly string[]): Raw[] => {
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
      for (let i = 0; i < agreements.length; i++) {
        const plain = open(i, data);
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
  };
  return { open: openAll, wipe: () => wipe() };
}

/** Opens one batch in this thread, wiping the key afterwards. */
function openBatch(
  crypto: Crypto,
  keys: readonly string[],
  bodies: readonly string[],
  secp256k1: WasmModule | null,
): Raw[] {
  const o = opener(crypto, keys, secp256k1);
  try {
    return o.open(bodies);
  } finally {
    o.wipe();
  }
}

function toResult(raw: Raw): DecryptResult {
  if (typeof raw === "string") return { value: raw };
  return { failure: raw === 0 ? "malformed" : "wrong-key" };
}

/** Decrypts one `encrypted:BASE64` value with the first of `keys` that opens it (OpenSSL). */
export function decryptOne(keys: readonly string[], token: string): DecryptResult {
  return toResult(openBatch(nodeCrypto, keys, [token.slice(token.indexOf(":") + 1)], null)[0]!);
}

/**
 * Values from which a worker thread joins in: its start-up (≈ 40 ms CPU, as long as
 * ≈ 250 values take) must leave it work to do.
 */
const PARALLEL_FROM = 384;
/** Values from which compiling libsecp256k1 (≈ 3 ms) costs less than OpenSSL's ECDH. */
const WASM_FROM = 16;
/** Values a thread claims at a time (≈ 2.5 ms of work): the threads end close together. */
const CHUNK = 16;

let compiled: WasmModule | null | undefined;

/**
 * libsecp256k1 compiled to WebAssembly, or null when its file cannot be read or compiled
 * (OpenSSL's ECDH then does the work: same results, slower). The built CLI has the file
 * beside its dotenvx chunk (scripts/bundle.mjs copies it; the standalone binary embeds
 * it); run from the sources, it is the tiny-secp256k1 package's own.
 */
export function secp256k1Module(): WasmModule | null {
  if (compiled !== undefined) return compiled;
  const here = fileURLToPath(import.meta.url);
  const candidates = [join(dirname(here), WASM_FILE)];
  try {
    // The package's exports name only its JavaScript; its `require` entry is lib/cjs/index.cjs.
    const entry = createRequire(here).resolve("tiny-secp256k1");
    candidates.push(join(dirname(entry), "..", WASM_FILE));
  } catch {
    // not installed (the published package has the file beside its chunk)
  }
  const api = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
  compiled = null;
  for (const file of candidates) {
    try {
      compiled = new api.Module(readFileSync(file));
      break;
    } catch {
      // next candidate
    }
  }
  return compiled;
}

/** The file name of libsecp256k1's WebAssembly build (scripts/bundle.mjs copies it). */
export const WASM_FILE = "secp256k1.wasm";

/** How the batch may be shared: threads beside this one (0: none), and with which ECDH. */
export interface DecryptOptions {
  /** Worker threads to use at most; default: the machine's cores less one, from 384 values on. */
  readonly threads?: number;
  /**
   * The point multiplication: libsecp256k1 in WebAssembly ("wasm") or OpenSSL's ECDH
   * ("openssl"); default: wasm from 16 values on when it loads, else OpenSSL.
   */
  readonly ecdh?: "wasm" | "openssl";
  /** Whether this thread opens values too (default true); false leaves them to the workers. */
  readonly local?: boolean;
}

/** What a worker sends back: the index of a chunk it claimed and its values. */
type ChunkMessage = [number, Raw[]];

/**
 * A worker's program: it waits for the keys and the bodies, then claims chunks from the
 * shared counter until none is left, sending each chunk's values back as it is done.
 */
const WORKER_SOURCE = (open: string): string =>
  `const { parentPort, workerData: d } = require("node:worker_threads");
const crypto = require("node:crypto");
parentPort.once("message", ({ keys, bodies }) => {
  const o = (${open})(crypto, keys, d.secp256k1);
  const chunks = Math.ceil(bodies.length / d.chunk);
  for (let i; (i = Atomics.add(d.next, 0, 1)) < chunks; )
    parentPort.postMessage([i, o.open(bodies.slice(i * d.chunk, (i + 1) * d.chunk))]);
  o.wipe();
});`;

/** A decryption under way: workers may already be starting while the file is parsed. */
export interface Decryption {
  /**
   * Decrypts `encrypted:BASE64` values, keeping their order: each with the first of
   * `keys` that opens it. This thread and the workers claim chunks of the values from
   * one counter, so a worker that starts late (busy cores) takes fewer; the results are
   * the same whoever opens what.
   */
  decrypt(keys: readonly string[], tokens: readonly string[]): Promise<DecryptResult[]>;
  /** Stops the workers (done or not needed: a missing key, a parse error). */
  close(): void;
  /** Values opened by the workers so far (the rest were opened in this thread). */
  readonly byWorkers: number;
}

/**
 * Prepares the decryption of about `expected` values: from 384 values on (or when
 * `options.threads` asks), worker threads start now, one per spare core, so that their
 * start-up overlaps the parse of the file.
 */
export function startDecryption(expected: number, options: DecryptOptions = {}): Decryption {
  const engine = options.ecdh ?? (expected >= WASM_FROM ? "wasm" : "openssl");
  const secp256k1 = engine === "wasm" ? secp256k1Module() : null;
  const threads = options.threads ?? (expected >= PARALLEL_FROM ? availableParallelism() - 1 : 0);
  const next = new Int32Array(new SharedArrayBuffer(4));
  let byWorkers = 0;
  const workers: WorkerThread[] = [];
  let running = 0;
  /** Called when a worker sends a chunk or stops. */
  let wake = (): void => {};
  if (threads > 0) {
    const source = WORKER_SOURCE(opener.toString());
    for (let t = 0; t < threads; t++) {
      try {
        // Loaded only when a worker starts (a small file never loads it).
        const { Worker } = createRequire(import.meta.url)("node:worker_threads") as {
          Worker: typeof WorkerThread;
        };
        const w = new Worker(source, {
          eval: true,
          workerData: { secp256k1, next, chunk: CHUNK },
        });
        w.on("error", () => {}); // its chunks are opened here (below)
        w.once("exit", () => {
          running--;
          wake();
        });
        running++;
        w.unref(); // until it has work: a decryption never started keeps no process alive
        workers.push(w);
      } catch {
        // no worker: this thread does the work
      }
    }
  }
  const close = (): void => {
    for (const w of workers) void w.terminate();
    workers.length = 0;
  };
  const decrypt = async (
    keys: readonly string[],
    tokens: readonly string[],
  ): Promise<DecryptResult[]> => {
    const bodies = tokens.map((t) => t.slice(t.indexOf(":") + 1));
    const chunks = Math.ceil(bodies.length / CHUNK);
    const done: (Raw[] | undefined)[] = new Array<Raw[] | undefined>(chunks);
    let count = 0;
    const local = options.local !== false || workers.length === 0;
    for (const w of workers) {
      w.on("message", ([i, raw]: ChunkMessage) => {
        done[i] = raw;
        byWorkers += raw.length;
        count++;
        wake();
      });
      w.ref();
      w.postMessage({ keys, bodies });
    }
    const here = opener(nodeCrypto, keys, secp256k1);
    const slice = (i: number): Raw[] => here.open(bodies.slice(i * CHUNK, (i + 1) * CHUNK));
    try {
      for (let i; local && (i = Atomics.add(next, 0, 1)) < chunks;) {
        done[i] = slice(i);
        count++;
      }
      // A worker that stops leaves the chunks it claimed to this thread.
      while (count < chunks && running > 0) await new Promise<void>((resolve) => (wake = resolve));
      close();
      for (let i = 0; i < chunks; i++) done[i] ??= slice(i);
    } finally {
      here.wipe();
      close();
    }
    return done.flat().map((raw) => toResult(raw!));
  };
  return {
    decrypt,
    close,
    get byWorkers() {
      return byWorkers;
    },
  };
}

/**
 * Decrypts `encrypted:BASE64` values, keeping their order: each with the first of `keys`
 * that opens it, shared with worker threads when the batch is large (see
 * {@link startDecryption}).
 */
export async function decryptMany(
  keys: readonly string[],
  tokens: readonly string[],
  options: DecryptOptions = {},
): Promise<DecryptResult[]> {
  const d = startDecryption(tokens.length, options);
  try {
    return await d.decrypt(keys, tokens);
  } finally {
    d.close();
  }
}
