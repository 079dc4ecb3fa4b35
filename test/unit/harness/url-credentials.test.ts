/**
 * The e2e helpers' check for `scheme://user:password@` in CLI output (test/e2e/helpers.ts
 * `hasUrlCredentials`) answers exactly what the regular expression it replaced answered,
 * without that expression's quadratic backtracking on long runs of letters.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hasUrlCredentials } from "../../e2e/helpers.js";

/** The expression runCli used before (quadratic on a long run of letters). */
const OLD = /[a-z][a-z0-9+.-]*:\/\/[^\s/@:*]+:(?!\*\*\*@)[^\s/@]+@/i;

describe("hasUrlCredentials", () => {
  it("finds credentials in a URL and not the mask", () => {
    expect(hasUrlCredentials("error: https://user:hunter2@vault:8200/x")).toBe(true);
    expect(hasUrlCredentials("vault://u:***@host/x and git+ssh://a:b@c")).toBe(true);
    expect(hasUrlCredentials("vault://u:***@host/x")).toBe(false);
    expect(hasUrlCredentials("1+://u:p@h")).toBe(false); // no letter in the scheme
    expect(hasUrlCredentials("http://user@host http://h:80/x")).toBe(false);
  });

  it("agrees with the old expression on any text made of URL-ish pieces", () => {
    const piece = fc.constantFrom(
      "a",
      "Z",
      "1",
      "+",
      ".",
      "-",
      ":",
      "/",
      "//",
      "://",
      "@",
      "*",
      "***",
      " ",
      "\n",
      "é",
      "https://",
      "x1://",
      "9://",
      "u",
      "u:",
      "pw",
      ":pw@",
      ":***@",
      ":***x@",
      "a:b@",
      "*@",
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), (parts) => {
        const text = parts.join("");
        expect(hasUrlCredentials(text), JSON.stringify(text)).toBe(OLD.test(text));
      }),
      { numRuns: 5_000 },
    );
  });

  it("reads a 200,000-character message naming a 100,000-letter URI (the hostile corpus)", () => {
    const name = "a".repeat(100_000);
    const text = `error [URI] "aws-sm://${name}?region=us-east-1" is not valid: ${name}\n`;
    expect(hasUrlCredentials(text)).toBe(false);
    expect(hasUrlCredentials(`${text}https://user:pw@${name}`)).toBe(true);
  });
});
