/**
 * The fast path for plain envsync.yaml files (src/config/plain-config.ts) agrees with
 * the full parser (`yaml` + the schema) wherever it answers, and answers for the file
 * `envsync init` writes.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { initialConfig } from "../../../src/config/config.js";
import { parseConfig } from "../../../src/config/parse-config.js";
import { readPlainConfig } from "../../../src/config/plain-config.js";

function full(text: string): unknown {
  try {
    return parseConfig(text, "envsync.yaml");
  } catch (e) {
    return { error: (e as Error).message };
  }
}

const values = [
  "dev",
  "prod",
  ".env",
  ".env.production",
  '"file:remote.env"',
  "file:remote.env",
  "'aws-sm://app/prod?region=eu-west-1'",
  '"aws-sm://app/*"',
  "remote",
  "local",
  "prompt",
  "fail",
  "true",
  "false",
  "True",
  "yes",
  "no",
  "~",
  "null",
  "0",
  "12",
  "0x1F",
  ".inf",
  ".5",
  "-1",
  "+x",
  '""',
  "''",
  '"a #b"',
  "a#b",
  '"x\\ty"',
  "'it''s'",
  "[a]",
  "{a: 1}",
  "&anchor dev",
  "*alias",
  "!!str 1",
  "|",
  "a: b",
  "dev # a comment",
  '"dev"   # a comment',
  "dev  ",
  "",
];
const keys = [
  "default",
  "environments",
  "dev",
  "prod",
  "file",
  "remote",
  "on-conflict",
  "prune",
  "expand",
  "concurrency",
  "unknown",
  "true",
  "1",
  "a b",
  '"q"',
];
const line = fc.oneof(
  fc
    .tuple(fc.constantFrom(0, 2, 4, 3, 6), fc.constantFrom(...keys), fc.constantFrom(...values))
    .map(
      ([indent, key, value]) => `${" ".repeat(indent)}${key}:${value === "" ? "" : ` ${value}`}`,
    ),
  fc.constantFrom("", "# comment", "  # indented comment", "---", "\t", "  - item", "plain"),
);

/** Lines of one environment (indent 4), each key at most once: most of these are configs. */
const envLines = fc
  .uniqueArray(
    fc.tuple(
      fc.constantFrom("file", "remote", "on-conflict", "prune", "expand", "other"),
      fc.constantFrom(...values),
    ),
    { selector: ([k]) => k, maxLength: 6 },
  )
  .map((kv) => kv.map(([k, v]) => `    ${k}:${v === "" ? "" : ` ${v}`}`).join("\n"));

describe("plain envsync.yaml", () => {
  it("reads what envsync init writes, as the full parser does", () => {
    for (const remote of [
      "file:remote.env",
      "aws-sm://app/prod?region=eu-west-1",
      "vault:///secret/app",
    ]) {
      const text = initialConfig(remote);
      expect(readPlainConfig(text)).not.toBeNull();
      expect(readPlainConfig(text)).toEqual(full(text));
    }
  });

  it("gives the full parser's config wherever it gives one (and null otherwise)", () => {
    let answered = 0;
    fc.assert(
      fc.property(
        fc.array(line, { maxLength: 12 }).map((ls) => ls.join("\n")),
        (body) => {
          // Most random texts are not configs; a valid skeleton around them makes many of them one.
          for (const text of [
            body,
            `environments:\n  dev:\n    remote: file:r.env\n${body}`,
            `default: dev\nenvironments:\n  dev:\n${body}`,
          ]) {
            const fast = readPlainConfig(text);
            if (fast === null) continue;
            answered++;
            expect(fast).toEqual(full(text));
          }
        },
      ),
      { numRuns: 3000 },
    );
    expect(answered).toBeGreaterThan(100);
  });

  it("gives the full parser's config for every environment it reads", () => {
    fc.assert(
      fc.property(
        envLines,
        fc.constantFrom("", "default: dev\n", "default: 'dev'\n"),
        (env, head) => {
          const text = `${head}environments:\n  dev:\n${env}\n`;
          const fast = readPlainConfig(text);
          if (fast !== null) expect(fast).toEqual(full(text));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it.each([
    [
      "another key (the full parser says which)",
      "concurrency: 4\nenvironments:\n  dev:\n    remote: x\n",
    ],
    [
      "a default that is not an environment",
      "default: prod\nenvironments:\n  dev:\n    remote: x\n",
    ],
    ["an empty environment", "environments:\n  dev:\n"],
    ["a number where a name goes", "environments:\n  dev:\n    remote: 12\n"],
    ["tabs", "environments:\n\tdev:\n\t\tremote: x\n"],
    ["CRLF", "environments:\r\n  dev:\r\n    remote: x\r\n"],
  ])("leaves %s to the full parser", (_what, text) => {
    expect(readPlainConfig(text)).toBeNull();
  });
});
