/**
 * The kernel's exec limits as `run` checks them (issue 25, item 5): one string at most
 * MAX_ARG_STRLEN bytes with its NUL, the total from the stack limit. The boundaries are
 * the kernel's own: measured with spawnSync on this machine (docs/RELIABILITY.md).
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { isEnvsyncError } from "../../../src/errors.js";
import { checkExecLimits, MAX_ARG_STRLEN, totalArgLimit } from "../../../src/ops/exec-limits.js";

const limits = (stack: string): string =>
  `Limit                     Soft Limit           Hard Limit           Units     \nMax stack size            ${stack}              unlimited            bytes     \n`;

describe("totalArgLimit", () => {
  it.each([
    ["8388608", 2_097_152],
    ["16777216", 4_194_304],
    ["67108864", 6_291_456],
    ["unlimited", 6_291_456],
    ["65536", 131_072],
  ])("stack %s → %d", (stack, total) => {
    expect(totalArgLimit(limits(stack))).toBe(total);
  });
});

function outcome(env: Record<string, string>, args: string[] = [], total = 2_097_152): string {
  try {
    checkExecLimits("/bin/true", args, env, "linux", () => total);
    return "ok";
  } catch (e) {
    return isEnvsyncError(e) ? `${e.code} ${e.exitCode}: ${e.message}` : "threw";
  }
}

describe("checkExecLimits", () => {
  // "AB=" + value + NUL = 131,072 bytes exactly.
  const atLimit = "x".repeat(MAX_ARG_STRLEN - 4);
  it("a NAME=value of exactly MAX_ARG_STRLEN bytes (NUL included) passes; one more byte is refused naming the variable", () => {
    expect(outcome({ AB: atLimit })).toBe("ok");
    const r = outcome({ AB: `${atLimit}y` });
    expect(r).toMatch(/^LIMIT 2: The environment variable AB is 131,073 bytes/);
    expect(r).toContain("131072");
    expect(r).not.toContain("xxxx");
  });

  it("the same boundaries as the kernel (spawnSync on this machine)", () => {
    if (process.platform !== "linux") return;
    expect(spawnSync("/bin/true", [], { env: { AB: atLimit } }).error).toBeUndefined();
    expect(
      (spawnSync("/bin/true", [], { env: { AB: `${atLimit}y` } }).error as NodeJS.ErrnoException)
        .code,
    ).toBe("E2BIG");
  });

  it("an argument over the limit is refused, naming its position", () => {
    expect(outcome({}, ["a", "y".repeat(MAX_ARG_STRLEN)])).toMatch(/^LIMIT 2: Argument 2 /);
  });

  it("the total: strings, NULs and one pointer each", () => {
    // The path /bin/true and argv[0] (10 bytes each with NUL), "A=" + value + NUL, and
    // 2 pointers of 8 bytes (argv[0], the variable).
    const value = "v".repeat(100_000);
    const used = 10 + 10 + 2 + value.length + 1 + 16;
    expect(outcome({ A: value }, [], used)).toBe("ok");
    expect(outcome({ A: value }, [], used - 1)).toMatch(
      /^LIMIT 2: .*total limit.*Largest variables: A \(98 KiB\)\.$/,
    );
  });

  it("is not checked on other systems", () => {
    expect(
      (() => {
        checkExecLimits("/bin/true", [], { AB: `${atLimit}y` }, "darwin");
        return "ok";
      })(),
    ).toBe("ok");
  });
});
