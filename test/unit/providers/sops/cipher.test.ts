/**
 * The sops value cipher's parsing and MAC against their former forms: `parseEnc` now
 * checks a token in one regex pass (the former one used four regexes), and the MAC hashes
 * the values in one call (it was incremental). Both must answer exactly as before on
 * every token, including hostile ones.
 */
import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { encryptValue, Mac, parseEnc } from "../../../../src/providers/sops/cipher.js";

/** parseEnc as it was before issue 29 (the reference). */
function formerParseEnc(value: string): unknown {
  const m = /^ENC\[AES256_GCM,data:(.*),iv:(.*),tag:(.*),type:(.*)\]$/s.exec(value);
  if (!m) return null;
  const [, data, iv, tag, type] = m as unknown as [string, string, string, string, string];
  const b64 = /^[A-Za-z0-9+/]*={0,2}$/;
  if (![data, iv, tag].every((s) => b64.test(s) && s.length % 4 === 0)) return null;
  const t = {
    data: Buffer.from(data, "base64"),
    iv: Buffer.from(iv, "base64"),
    tag: Buffer.from(tag, "base64"),
    type,
  };
  if (t.iv.length === 0 || t.tag.length !== 16) return null;
  return t;
}

describe("sops cipher", () => {
  const key = randomBytes(32);
  const good = encryptValue("a value, with: commas", key, "KEY:");
  const [data, iv, tag] = /data:([^,]*),iv:([^,]*),tag:([^,]*),/.exec(good)!.slice(1) as [
    string,
    string,
    string,
  ];
  const tokens = [
    good,
    encryptValue("1", key, "A:", "int"),
    encryptValue("x".repeat(300), key, "B:", "bytes"),
    `ENC[AES256_GCM,data:${data},iv:${iv},tag:${tag},type:str,iv:${iv}]`,
    `ENC[AES256_GCM,data:${data},iv:${iv},tag:${tag},type:a,iv:b,tag:c,type:d]`,
    `ENC[AES256_GCM,data:${data},iv:${iv},tag:${tag},type:x,tag:${tag},type:str]`,
    `ENC[AES256_GCM,data:${data},iv:${iv},tag:${tag},type:\nstr]`,
    `ENC[AES256_GCM,data:${data},iv:${iv},tag:${tag},type:]`,
    `ENC[AES256_GCM,data:${data},iv:${iv},tag:${tag},type:str]x`,
    `ENC[AES256_GCM,data:${data},iv:${iv},tag:${tag}]`,
    `ENC[AES256_GCM,data:${data}=,iv:${iv},tag:${tag},type:str]`,
    `ENC[AES256_GCM,data:${data.slice(1)},iv:${iv},tag:${tag},type:str]`,
    `ENC[AES256_GCM,data:${data},iv:,tag:${tag},type:str]`,
    `ENC[AES256_GCM,data:${data},iv:${iv},tag:${tag.slice(4)},type:str]`,
    `ENC[AES256_GCM,data:${data},iv:${iv},tag:${tag.replace("=", "A")},type:str]`,
    `ENC[AES256_GCM,data:${data},iv:${iv}!,tag:${tag},type:str]`,
    `ENC[AES256_GCM,data:,iv:${iv},tag:${tag},type:str]`,
    `ENC[AES256_GCM,data:${data},${data},iv:${iv},tag:${tag},type:str]`,
    `ENC[AES256_GCM,data:${data},iv:${iv},iv:${iv},tag:${tag},type:str]`,
    `ENC[AES256_GCM,data:${data},iv:${iv},tag:${tag},type:str,`,
    "ENC[AES256_GCM,data:,iv:,tag:,type:]",
    "ENC[",
    "",
  ];

  it("parseEnc answers as its former four-regex form on every token, hostile ones included", () => {
    for (const t of tokens) expect(parseEnc(t), t).toEqual(formerParseEnc(t));
    // The corpus holds both answers, so the comparison is not vacuous.
    expect(tokens.filter((t) => parseEnc(t) !== null).length).toBeGreaterThan(3);
    expect(tokens.filter((t) => parseEnc(t) === null).length).toBeGreaterThan(10);
  });

  it("the MAC is SHA-512 over the values in order (upper-case hex), with sops's prefix when only encrypted values count", () => {
    const values = ["a", "", Buffer.from("b\u00e9"), "c".repeat(1000)];
    for (const onlyEncrypted of [false, true]) {
      const mac = new Mac(onlyEncrypted);
      const ref = createHash("sha512");
      if (onlyEncrypted) ref.update(createHash("sha256").update("sops").digest());
      for (const v of values) {
        mac.add(v);
        ref.update(typeof v === "string" ? Buffer.from(v, "utf8") : v);
      }
      expect(mac.digest()).toBe(ref.digest("hex").toUpperCase());
    }
  });
});
