/**
 * fast-check arbitraries for .env text. `dialectDoc` builds files in the dialect envsync
 * and dotenv 16.6 share (both must read them identically); `tokenSoup` glues risky
 * fragments together to reach the corners where they might not.
 */
import fc from "fast-check";

/** Characters that are safe anywhere inside a value (no quotes, '#', '\', line breaks). */
const plain = fc.constantFrom(
  "a",
  "Z",
  "0",
  "_",
  "=",
  ":",
  "$",
  "{",
  "}",
  "/",
  "@",
  ".",
  "-",
  " ",
  "\t",
  "é",
  "ß",
  "中",
  "🚀",
  "\u00a0",
  "\u2028",
);

const keyPool: fc.Arbitrary<string> = fc.constantFrom(
  "A",
  "B",
  "KEY_1",
  "a.b",
  "x-y",
  "_Z",
  "export",
  "DB_URL",
);
const hspace = fc.string({ unit: fc.constantFrom(" ", "\t"), maxLength: 2 });
const hspace1 = fc.string({ unit: fc.constantFrom(" ", "\t"), minLength: 1, maxLength: 2 });
/** Comments may hold anything but a line break or U+2028/U+2029 (see docs/DOTENV.md). */
const commentText = fc.string({
  unit: fc.oneof(
    plain.filter((c) => c !== "\u2028"),
    fc.constantFrom("#", "'", '"', "`", "\\"),
  ),
  maxLength: 8,
});
const innerBreak = fc.constantFrom("\n", "\r\n");

/** A bare (unquoted) value token: no leading quote or blank, no '#', no line break. */
const bareToken = fc
  .tuple(
    fc.oneof(plain, fc.constantFrom("\\")),
    fc.string({ unit: fc.oneof(plain, fc.constantFrom("'", '"', "`", "\\")), maxLength: 10 }),
  )
  // A quote right after U+2028 in an unquoted value is refused (see docs/DOTENV.md).
  .map(([first, rest]) =>
    ((/^[\s'"`]/.test(first) ? "v" : first) + rest).replace(/\u2028(?=['"`])/g, "\u2028_"),
  );

/** Double-quoted content using only the escapes dotenv resolves too (`\n`, `\r`) and an unknown one. */
const doubleToken = fc
  .array(fc.oneof(plain, fc.constantFrom("'", "`", "#", "\\n", "\\r", "\\x", "\\$"), innerBreak), {
    maxLength: 10,
  })
  .map((parts) => `"${parts.join("")}"`);

/** Single-quoted or backtick content: the quote only as `\q` (kept literally by both). */
const literalToken = (q: "'" | "`") =>
  fc
    .array(
      fc.oneof(
        plain,
        fc.constantFrom('"', "#", "\\n", `\\${q}`, q === "'" ? "`" : "'"),
        innerBreak,
      ),
      { maxLength: 10 },
    )
    .map((parts) => `${q}${parts.join("")}${q}`);

/** One `KEY=value` line (possibly spanning lines when quoted), in the shared dialect. */
export const entryLine = fc
  .record({
    indent: hspace,
    exported: fc.boolean(),
    key: keyPool,
    before: hspace,
    after: hspace,
    value: fc.oneof(
      { weight: 3, arbitrary: bareToken },
      { weight: 1, arbitrary: fc.constant("") },
      { weight: 2, arbitrary: doubleToken },
      { weight: 2, arbitrary: literalToken("'") },
      { weight: 1, arbitrary: literalToken("`") },
    ),
    comment: fc.option(fc.tuple(hspace1, commentText), { nil: undefined }),
    trailing: hspace,
  })
  .map(({ indent, exported, key, before, after, value, comment, trailing }) => {
    const quoted = /^['"`]/.test(value);
    let line = `${indent}${exported ? "export " : ""}${key}${before}=${after}${value}`;
    if (comment !== undefined) {
      const [space, text] = comment;
      line += `${quoted || value !== "" || after !== "" ? space : " "}#${text}`;
    } else if (quoted || value !== "") {
      line += trailing;
    }
    return line;
  });

/** A comment or blank line. */
const otherLine = fc.oneof(
  hspace,
  fc.tuple(hspace, commentText).map(([s, t]) => `${s}#${t}`),
);

/** A whole file in the shared dialect, with a chosen line ending, maybe a BOM and final newline. */
export const dialectDoc = fc
  .record({
    lines: fc.array(
      fc.oneof({ weight: 3, arbitrary: entryLine }, { weight: 1, arbitrary: otherLine }),
      {
        maxLength: 8,
      },
    ),
    eol: fc.constantFrom("\n", "\r\n", "\r"),
    bom: fc.boolean(),
    finalNewline: fc.boolean(),
  })
  .map(({ lines, eol, bom, finalNewline }) => {
    const body = lines.map((l) => l.replace(/\r?\n/g, eol)).join(eol);
    return `${bom ? "\uFEFF" : ""}${body}${finalNewline && lines.length > 0 ? eol : ""}`;
  });

/** Lines made of risky fragments, most starting like a definition so that some parse. */
function soup(fragments: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const tail = fc.array(fragments, { maxLength: 8 }).map((parts) => parts.join(""));
  const line = fc.oneof(
    tail,
    tail.map((t) => `A=${t}`),
    tail.map((t) => `export KEY_2 = ${t}`),
  );
  return fc.array(line, { maxLength: 5 }).map((lines) => lines.join("\n"));
}

/** Risky fragments glued together; many results are errors, some are corner cases. */
export const tokenSoup = soup(
  fc.constantFrom(
    "A",
    "KEY",
    "1",
    "export ",
    "export",
    " ",
    "\t",
    "=",
    "#",
    "'",
    '"',
    "`",
    ":",
    "x",
    "ü",
    "🚀",
    "\n",
    "\r\n",
    "\r",
    "\u00a0",
    "\u2028",
    "\u2029",
    "\uFEFF",
    "\u000b",
    "\f",
    "\u3000",
    "a b",
    "-",
    ".",
    "$",
  ),
);

/**
 * Like {@link tokenSoup} with backslashes but without double quotes: outside double
 * quotes a backslash means the same to both parsers.
 */
export const backslashSoup = soup(
  fc.constantFrom(
    "A",
    "KEY",
    "export ",
    " ",
    "=",
    "#",
    "'",
    "`",
    "\\",
    "\\'",
    "\\n",
    "x",
    "é",
    "\n",
    "\r\n",
    "\u2028",
  ),
);

/** Any value: line breaks, every quote, '#', '=', blanks at either end, backslashes, unicode, empty. */
export const anyValue = fc.oneof(
  fc.string({
    unit: fc.oneof(
      plain,
      fc.constantFrom(
        "'",
        '"',
        "`",
        "#",
        "=",
        " ",
        "\n",
        "\r",
        "\\",
        "\\n",
        "\\\\",
        "\\'",
        '\\"',
        "\uFEFF",
        "\u2029",
        "\u000b",
      ),
    ),
    maxLength: 12,
  }),
  fc.string({ unit: "grapheme", maxLength: 6 }),
  fc.string({ unit: "binary", maxLength: 6 }),
  fc.constant(""),
);

/** Keys to set: existing ones (from {@link entryLine}'s pool) and new ones. */
export const anyKey: fc.Arbitrary<string> = fc.oneof(
  keyPool,
  fc.constantFrom("NEW_1", "new.two", "N-3", "_NEW"),
);
