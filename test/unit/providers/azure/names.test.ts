import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isEnvsyncError } from "../../../../src/errors.js";
import {
  decodeKey,
  encodeKey,
  mapKeys,
  VAULT_NAME_PATTERN,
} from "../../../../src/providers/azure/names.js";

/** Printable ASCII keys, weighted towards the characters env keys are made of. */
const asciiKey = fc.string({
  unit: fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") },
    { weight: 2, arbitrary: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz-.") },
    {
      weight: 1,
      arbitrary: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
    },
  ),
  minLength: 1,
  maxLength: 40,
});

describe("encodeKey / decodeKey", () => {
  it.each([
    ["DB_URL", "db--url"],
    ["A_B", "a--b"],
    ["a-b", "-a-0-b"],
    ["A__B", "a----b"],
    ["a_b", "-a---b"],
    ["PORT8080", "port8080"],
    ["Mixed.Case", "m-i-x-e-d-1c-a-s-e"],
    ["A$B", "a-224b"],
    ["X Y", "x-220y"],
  ])("%s ↔ %s", (key, name) => {
    expect(encodeKey(key)).toBe(name);
    expect(decodeKey(name)).toBe(key);
    expect(decodeKey(name.toUpperCase())).toBe(key);
  });

  it.each(["CAFÉ", "KEY🔑", "TAB\tKEY", "NEW\nLINE", ""])("refuses %j with exit 2", (key) => {
    let err: unknown;
    try {
      encodeKey(key);
    } catch (e) {
      err = e;
    }
    expect(isEnvsyncError(err, "NAME")).toBe(true);
    expect((err as { exitCode: number }).exitCode).toBe(2);
  });

  it.each(["-", "a-", "-3", "-22", "-2", "-2zz", "-241", "-27f", "-21f", "x_y", "x.y", ""])(
    "decodes %j, which no key encodes to, as null",
    (name) => expect(decodeKey(name)).toBeNull(),
  );

  it("is reversible: decode(encode(k)) = k", () => {
    fc.assert(fc.property(asciiKey, (k) => decodeKey(encodeKey(k)) === k));
  });

  it("is injective even case-insensitively: distinct keys never share a folded name", () => {
    fc.assert(
      fc.property(asciiKey, asciiKey, (a, b) => {
        fc.pre(a !== b);
        return encodeKey(a).toLowerCase() !== encodeKey(b).toLowerCase();
      }),
    );
  });

  it("writes only lower-case 0-9a-z-, which Key Vault allows", () => {
    fc.assert(fc.property(asciiKey, (k) => /^[0-9a-z-]+$/.test(encodeKey(k))));
  });

  it("canonical names: encode(decode(n)) = n for every name that decodes", () => {
    const name = fc.string({
      unit: fc.constantFrom(..."abcxyz0129-"),
      minLength: 1,
      maxLength: 30,
    });
    fc.assert(
      fc.property(name, (n) => {
        const k = decodeKey(n);
        return k === null || encodeKey(k) === n;
      }),
    );
  });
});

describe("mapKeys", () => {
  it("maps every key under the prefix and checks Key Vault's name rule", () => {
    const names = mapKeys("app-dev-", ["A_B", "a-b", "A__B", "a_b"], "azure-kv://v/app-dev-*");
    expect([...names.values()]).toEqual([
      "app-dev-a--b",
      "app-dev--a-0-b",
      "app-dev-a----b",
      "app-dev--a---b",
    ]);
    for (const n of names.values()) expect(VAULT_NAME_PATTERN.test(n)).toBe(true);
    expect(new Set([...names.values()].map((n) => n.toLowerCase())).size).toBe(4);
  });

  it("refuses a key whose name would pass 127 characters (exit 2, no value in the message)", () => {
    let err: unknown;
    try {
      mapKeys("p-", ["lower".repeat(13)], "azure-kv://v/p-*");
    } catch (e) {
      err = e;
    }
    expect(isEnvsyncError(err, "NAME")).toBe(true);
    expect((err as Error).message).toContain("127");
  });

  it("accepts 125 upper-case characters under a 2-character prefix", () => {
    expect(mapKeys("p-", ["K".repeat(125)], "x").get("K".repeat(125))).toHaveLength(127);
  });
});
