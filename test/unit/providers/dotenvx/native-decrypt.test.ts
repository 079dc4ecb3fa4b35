/**
 * envsync's native decryption of dotenvx values agrees with eciesjs (the library dotenvx
 * uses) on every value eciesjs encrypts, and refuses what the key does not open.
 */
import { decrypt, encrypt, PrivateKey } from "eciesjs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decryptMany,
  decryptOne as decryptValue,
  secp256k1Module,
  startDecryption,
} from "../../../../src/providers/dotenvx/decrypt.js";

const sk = new PrivateKey();
const token = (value: string): string =>
  `encrypted:${Buffer.from(encrypt(sk.publicKey.toHex(true), new TextEncoder().encode(value))).toString("base64")}`;

describe("dotenvx decryption with Node's crypto", () => {
  it("reads back exactly what eciesjs encrypted, as eciesjs does", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 200 }), (value) => {
        const t = token(value);
        const ours = decryptValue([sk.toHex()], t);
        const theirs = new TextDecoder().decode(
          decrypt(sk.toHex(), Buffer.from(t.slice("encrypted:".length), "base64")),
        );
        expect(ours).toEqual({ value });
        expect(theirs).toBe(value);
      }),
      { numRuns: 60 },
    );
  });

  it("libsecp256k1 (WebAssembly) reads back exactly what eciesjs encrypted, as OpenSSL does", async () => {
    expect(secp256k1Module()).not.toBeNull();
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string({ unit: "grapheme", maxLength: 80 }), { minLength: 1, maxLength: 20 }),
        async (values) => {
          const tokens = values.map(token);
          const expected = values.map((value) => ({ value }));
          const opts = { threads: 0 } as const;
          expect(await decryptMany([sk.toHex()], tokens, { ...opts, ecdh: "wasm" })).toEqual(
            expected,
          );
          expect(await decryptMany([sk.toHex()], tokens, { ...opts, ecdh: "openssl" })).toEqual(
            expected,
          );
        },
      ),
      { numRuns: 30 },
    );
  });

  it("another key, a flipped byte or a bad key is refused; the right key among several opens it", () => {
    const t = token("secret");
    const other = new PrivateKey().toHex();
    expect(decryptValue([other], t)).toEqual({ failure: "wrong-key" });
    expect(decryptValue(["not-hex"], t)).toEqual({ failure: "wrong-key" });
    expect(decryptValue([other, sk.toHex()], t)).toEqual({ value: "secret" });
    const bytes = Buffer.from(t.slice("encrypted:".length), "base64");
    bytes[bytes.length - 1]! ^= 1;
    expect(decryptValue([sk.toHex()], `encrypted:${bytes.toString("base64")}`)).toEqual({
      failure: "wrong-key",
    });
  });
});

describe("a batch of dotenvx values, in this thread or shared with workers", () => {
  it("opens every value eciesjs sealed, in order, whatever the number of threads", async () => {
    const other = new PrivateKey();
    const values = Array.from({ length: 200 }, (_, i) => `v${i}-${"é".repeat(i % 7)}`);
    const tokens = values.map((v, i) => {
      if (i % 50 === 7) return "encrypted:!!not-base64";
      if (i % 50 === 9)
        return `encrypted:${Buffer.from(encrypt(other.publicKey.toHex(true), new TextEncoder().encode(v))).toString("base64")}`;
      return token(v);
    });
    const expected = tokens.map((_t, i) => {
      if (i % 50 === 7) return { failure: "malformed" };
      if (i % 50 === 9) return { failure: "wrong-key" };
      return { value: values[i] };
    });
    for (const ecdh of ["wasm", "openssl"] as const)
      for (const threads of [0, 1, 2]) {
        expect(await decryptMany([sk.toHex()], tokens, { threads, ecdh })).toEqual(expected);
        // A wrong key first, a key that is no key, then the right one.
        expect(
          await decryptMany([other.toHex(), "zz", sk.toHex()], tokens, { threads, ecdh }),
        ).toEqual(expected.map((e, i) => (i % 50 === 9 ? { value: values[i] } : e)));
      }
  });

  it("workers open the chunks they claim, in order, and a decryption closed unused holds nothing", async () => {
    const values = Array.from({ length: 100 }, (_, i) => `w${i}-${"ü".repeat(i % 5)}`);
    const tokens = values.map(token);
    for (const threads of [1, 2]) {
      // This thread opens none: every value comes back from a worker.
      const d = startDecryption(tokens.length, { threads, local: false });
      try {
        expect(await d.decrypt([sk.toHex()], tokens)).toEqual(values.map((value) => ({ value })));
        expect(d.byWorkers).toBe(values.length);
      } finally {
        d.close();
      }
    }
    // Workers started for a file whose key turns out to be missing stop with close().
    startDecryption(1000, { threads: 1 }).close();
  });
});
