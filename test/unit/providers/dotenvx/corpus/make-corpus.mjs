/**
 * Writes the corpus beside this script: 400 values encrypted by the real dotenvx, with the
 * functions its `dotenvx set` calls (`encrypt` and `upsert` of @dotenvx/primitives, as
 * resolved from the @dotenvx/dotenvx of the lockfile), into `.env.corpus`; its test
 * keypair into `.env.keys`; the values set, in order, into `values.json`.
 * native-decrypt.test.ts checks that envsync opens every one of them to exactly these
 * values. Run again (`node test/unit/providers/dotenvx/corpus/make-corpus.mjs`) only to
 * change the corpus: the keypair and every ciphertext change.
 */
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const fromDotenvx = createRequire(require.resolve("@dotenvx/dotenvx"));
const { encrypt, upsert } = fromDotenvx("@dotenvx/primitives");
const { PrivateKey } = fromDotenvx("eciesjs");

// Every character class a .env parser reads specially, then generated text: lengths from
// empty to a few hundred bytes of ASCII, accents, CJK, emoji (4-byte UTF-8), combining
// marks, tabs and line breaks; last a 5,000-byte value.
const awkward = [
  ...["$", "a$b", "$HOME", "${HOME}", "$(echo pwned)", "`echo pwned`", "\\$HOME", '"double"'],
  ...["'single'", "it's", `it's "both"`, "#hash", "a #b", "\\", "C:\\dir\\", "a\\nb"],
  ...["line1\nline2", "text\n", "a\r\nb", "a\rb", "tab\there", "  leading", "trailing  "],
  ...["héllo wörld ✓", "key 🔑", "", "=", "postgres://u:p@h:5432/db?x=1&y=2", '{"n": 1}'],
  "-----BEGIN KEY-----\nMIIBOgIBAAJBAKj34G\n-----END KEY-----\n",
];
const alphabet = [..."aZ0 $'\"\\=#\t\n", "é", "ß", "中", "文", "🔑", "e\u0301"];
let seed = 29;
const rand = (n) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
const values = [...awkward];
while (values.length < 399) {
  const length = rand(values.length % 10 === 0 ? 300 : 40);
  values.push(Array.from({ length }, () => alphabet[rand(alphabet.length)]).join(""));
}
values.push("x".repeat(5000));

const sk = new PrivateKey();
const publicKey = sk.publicKey.toHex(true);
let text = `DOTENV_PUBLIC_KEY_CORPUS="${publicKey}"\n`;
for (const [i, v] of values.entries())
  text = upsert(text, `K${String(i).padStart(3, "0")}`, encrypt(publicKey, v));
writeFileSync(join(here, ".env.corpus"), text);
writeFileSync(
  join(here, ".env.keys"),
  `# a test key: it opens only this corpus\nDOTENV_PRIVATE_KEY_CORPUS=${sk.toHex()}\n`,
);
writeFileSync(join(here, "values.json"), `${JSON.stringify(values, null, 2)}\n`);
