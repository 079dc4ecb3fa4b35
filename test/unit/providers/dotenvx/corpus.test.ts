/**
 * A corpus of 400 values encrypted by the real dotenvx (./corpus/make-corpus.mjs: the
 * `encrypt` its `dotenvx set` calls) opens to exactly the values set, whichever way
 * envsync decrypts it: in this thread or in workers only, with libsecp256k1 or OpenSSL,
 * and through the store's read (which starts its workers before the parse).
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../../../src/logger.js";
import { decryptMany, startDecryption } from "../../../../src/providers/dotenvx/decrypt.js";
import { openStore } from "../../../../src/providers/registry.js";

const dir = join(dirname(fileURLToPath(import.meta.url)), "corpus");
const values = JSON.parse(readFileSync(join(dir, "values.json"), "utf8")) as string[];
const text = readFileSync(join(dir, ".env.corpus"), "utf8");
const tokens = [...text.matchAll(/^K\d{3}="(encrypted:[^"]+)"$/gm)].map((m) => m[1]!);
const key = /^DOTENV_PRIVATE_KEY_CORPUS=(\w+)$/m.exec(
  readFileSync(join(dir, ".env.keys"), "utf8"),
)![1]!;
const expected = values.map((value) => ({ value }));

describe("the dotenvx corpus (400 values sealed by dotenvx itself)", () => {
  it("holds what it should: one token per value, and values of every kind", () => {
    expect(tokens).toHaveLength(400);
    expect(values).toContain("");
    expect(values.some((v) => v.includes("🔑") && v.includes("\n"))).toBe(true);
  });

  it("opens to exactly the values set, in this thread, with libsecp256k1 and with OpenSSL", async () => {
    for (const ecdh of ["wasm", "openssl"] as const)
      expect(await decryptMany([key], tokens, { threads: 0, ecdh })).toEqual(expected);
  });

  it("opens to exactly the values set when workers open every value", async () => {
    for (const ecdh of ["wasm", "openssl"] as const) {
      const d = startDecryption(tokens.length, { threads: 1, ecdh, local: false });
      try {
        expect(await d.decrypt([key], tokens)).toEqual(expected);
        expect(d.byWorkers).toBe(tokens.length);
      } finally {
        d.close();
      }
    }
  });

  it("reads through the store to exactly the values set", async () => {
    const store = await openStore("dotenvx:.env.corpus", {
      cwd: dir,
      env: {},
      logger: createLogger("quiet"),
      concurrency: 4,
    });
    const snapshot = await store.read();
    expect([...snapshot.values]).toEqual(
      values.map((v, i) => [`K${String(i).padStart(3, "0")}`, v]),
    );
  });
});
