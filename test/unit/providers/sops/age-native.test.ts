/**
 * age files opened with Node's crypto (src/providers/sops/age-native.ts) give exactly
 * what the `age-encryption` package (by age's author) sealed, and nothing when the
 * identity is not a recipient or a byte was changed.
 */
import { randomBytes } from "node:crypto";
import {
  armor,
  Decrypter,
  Encrypter,
  generateHybridIdentity,
  generateX25519Identity,
  identityToRecipient,
} from "age-encryption";
import { describe, expect, it } from "vitest";
import { dearmor, openAgeX25519 } from "../../../../src/providers/sops/age-native.js";

async function seal(plain: Uint8Array, recipients: string[]): Promise<string> {
  const e = new Encrypter();
  for (const r of recipients) e.addRecipient(r);
  return armor.encode(await e.encrypt(plain));
}

describe("age X25519 with node:crypto", () => {
  const me = generateX25519Identity();
  const other = generateX25519Identity();

  it.each([0, 1, 32, 64 * 1024, 64 * 1024 + 1, 2 * 64 * 1024 + 7])(
    "%i bytes: the same plaintext as age-encryption's Decrypter",
    async (size) => {
      const plain = randomBytes(size);
      const armored = await seal(plain, [await identityToRecipient(await me)]);
      const d = new Decrypter();
      d.addIdentity(await me);
      const theirs = await d.decrypt(armor.decode(armored));
      const ours = openAgeX25519(dearmor(armored)!, [await me]);
      expect(ours).not.toBeNull();
      expect(Buffer.compare(ours!, Buffer.from(theirs))).toBe(0);
      expect(Buffer.compare(ours!, plain)).toBe(0);
    },
  );

  it("finds its stanza among other recipients', post-quantum ones included", async () => {
    const pq = await generateHybridIdentity();
    const armored = await seal(Buffer.from("data key"), [
      await identityToRecipient(pq),
      await identityToRecipient(await other),
      await identityToRecipient(await me),
    ]);
    expect(openAgeX25519(dearmor(armored)!, [await me])?.toString()).toBe("data key");
    expect(openAgeX25519(dearmor(armored)!, ["not a key", await me])?.toString()).toBe("data key");
  });

  it("opens nothing for an identity that is not a recipient, or a file changed anywhere", async () => {
    const armored = await seal(Buffer.from("data key"), [await identityToRecipient(await me)]);
    const file = dearmor(armored)!;
    expect(openAgeX25519(file, [await other])).toBeNull();
    expect(openAgeX25519(file, [])).toBeNull();
    for (const at of [30, file.length - 40, file.length - 1]) {
      const bad = Buffer.from(file);
      bad[at]! ^= 1;
      expect(openAgeX25519(bad, [await me])).toBeNull();
    }
  });

  it("reads the armor as strictly as age-encryption", async () => {
    const armored = await seal(Buffer.from("k"), [await identityToRecipient(await me)]);
    expect(Buffer.compare(dearmor(armored)!, Buffer.from(armor.decode(armored)))).toBe(0);
    expect(dearmor(armored.replace("-----BEGIN", "-----BEGIM"))).toBeNull();
    expect(dearmor(armored.replace(/\n-----END.*/s, "\n"))).toBeNull();
    expect(dearmor(armored.replace(/^(-----BEGIN[^\n]*\n.)/, "$1!"))).toBeNull();
    expect(() => armor.decode(armored.replace(/^(-----BEGIN[^\n]*\n.)/, "$1!"))).toThrow();
  });
});
