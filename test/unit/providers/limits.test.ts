import { describe, expect, it } from "vitest";
import { checkSsmDepth, depthOf, SSM_MAX_DEPTH } from "../../../src/providers/shared/limits.js";

describe("Parameter Store hierarchy depth (15 levels)", () => {
  it.each([
    ["/K", 1],
    ["/a/b/K", 3],
    ["a//b/K", 3],
  ])("%s is %i levels", (name, depth) => {
    expect(depthOf(name)).toBe(depth);
  });

  it("15 levels pass; 16 are exit 2 naming the key and the limit", () => {
    const at = (n: number): string =>
      `/${Array.from({ length: n - 1 }, (_, i) => `p${i}`).join("/")}/K`;
    expect(() =>
      checkSsmDepth([{ key: "K", name: at(SSM_MAX_DEPTH) }], "aws-ssm://x/*"),
    ).not.toThrow();
    expect(() => checkSsmDepth([{ key: "K", name: at(16) }], "aws-ssm://x/*")).toThrow(
      expect.objectContaining({
        code: "NAME",
        exitCode: 2,
        message: expect.stringMatching(/key K .* 16 levels deep; .* at most 15 levels/),
      }),
    );
  });
});
