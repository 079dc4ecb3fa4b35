/**
 * THIRD-PARTY-NOTICES (shipped in the package) is the one scripts/third-party-notices.mjs
 * makes from the current build's list of bundled files, and every bundled package is
 * under a licence that allows shipping it inside envsync. Needs `npm run build` (npm
 * test runs it first).
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain ES module script without types
import { notices } from "../../../scripts/third-party-notices.mjs";

const root = resolve(import.meta.dirname, "..", "..", "..");
/** Licences that allow bundling with a notice (SPDX ids). */
const PERMISSIVE =
  /^(MIT|ISC|Apache-2\.0|BSD-2-Clause|BSD-3-Clause|0BSD|BlueOak-1\.0\.0|Python-2\.0|Unlicense|CC0-1\.0)$/;

describe("third-party notices", () => {
  const text = (notices as () => string)();

  it("THIRD-PARTY-NOTICES is current (else: npm run build && npm run notices)", () => {
    expect(readFileSync(join(root, "THIRD-PARTY-NOTICES"), "utf8")).toBe(text);
  });

  it("lists the bundled SDKs, each under a permissive licence", () => {
    const listed = [...text.matchAll(/^- (\S+)@\S+ \((.+)\)$/gm)].map(
      (m) => [m[1]!, m[2]!] as const,
    );
    const names = listed.map(([n]) => n);
    for (const sdk of [
      "@aws-sdk/client-ssm",
      "@google-cloud/secret-manager",
      "@grpc/grpc-js",
      "@azure/identity",
      "@inquirer/prompts",
      "ora",
      "yaml",
      "zod",
      "commander",
    ])
      expect(names).toContain(sdk);
    const other = listed.filter(
      ([, l]) =>
        !l
          .replace(/[()]/g, "")
          .split(/ OR | AND /)
          .every((x) => PERMISSIVE.test(x.trim())),
    );
    expect(other).toEqual([]);
  });
});
