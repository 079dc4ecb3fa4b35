import { describe, expect, it } from "vitest";
import { decryptOne as decryptValue } from "../../../../src/providers/dotenvx/decrypt.js";
import { encryptValue, newKeypair } from "../../../../src/providers/dotenvx/keys.js";
import { keyNames } from "../../../../src/providers/dotenvx/names.js";

describe("dotenvx key names (as dotenvx derives them)", () => {
  it.each([
    [".env", "DOTENV_PUBLIC_KEY", "DOTENV_PRIVATE_KEY"],
    ["config/.env.production", "DOTENV_PUBLIC_KEY_PRODUCTION", "DOTENV_PRIVATE_KEY_PRODUCTION"],
    [".env.ci.local", "DOTENV_PUBLIC_KEY_CI_LOCAL", "DOTENV_PRIVATE_KEY_CI_LOCAL"],
    [".env.a.b.c", "DOTENV_PUBLIC_KEY_A_B", "DOTENV_PRIVATE_KEY_A_B"],
    [".env.Staging.txt", "DOTENV_PUBLIC_KEY_STAGING", "DOTENV_PRIVATE_KEY_STAGING"],
    [".env1", "DOTENV_PUBLIC_KEY_DEVELOPMENT1", "DOTENV_PRIVATE_KEY_DEVELOPMENT1"],
  ])("%s → %s / %s", (path, pub, priv) => {
    expect(keyNames(path, [])).toEqual({ publicKeyName: pub, privateKeyName: priv });
  });

  it("a public key named in the file wins over the file name", () => {
    expect(keyNames(".env.production", ["A", "DOTENV_PUBLIC_KEY_OTHER"])).toEqual({
      publicKeyName: "DOTENV_PUBLIC_KEY_OTHER",
      privateKeyName: "DOTENV_PRIVATE_KEY_OTHER",
    });
  });
});

describe("dotenvx values (eciesjs)", () => {
  const pair = newKeypair();
  const other = newKeypair();

  it("round-trips text with the keypair, including empty and multi-byte", () => {
    for (const v of ["", "x", "päß 🔑\nline2", "a".repeat(5000)]) {
      const token = encryptValue(pair.publicKey, v);
      expect(token.startsWith("encrypted:")).toBe(true);
      expect(decryptValue([pair.privateKey], token)).toEqual({ value: v });
    }
  });

  it("tries each key of a comma list", () => {
    const token = encryptValue(pair.publicKey, "v");
    expect(decryptValue([other.privateKey, pair.privateKey], token)).toEqual({ value: "v" });
  });

  it.each([
    ["wrong key", (t: string) => t, () => [other.privateKey], "wrong-key"],
    ["no key", (t: string) => t, () => [], "wrong-key"],
    ["truncated", (t: string) => t.slice(0, 60), () => [pair.privateKey], "malformed"],
    ["not base64", (t: string) => t.replace(/.$/, "!"), () => [pair.privateKey], "malformed"],
    ["tampered byte", (t: string) => flip(t), () => [pair.privateKey], "wrong-key"],
  ])("%s → %s", (_label, mangle, keys, failure) => {
    const token = mangle(encryptValue(pair.publicKey, "secret"));
    expect(decryptValue(keys(), token)).toEqual({ failure });
  });
});

/** Flips one bit of the ciphertext body (after the ephemeral key and nonce). */
function flip(token: string): string {
  const data = Buffer.from(token.slice("encrypted:".length), "base64");
  data[data.length - 1]! ^= 1;
  return "encrypted:" + data.toString("base64");
}
