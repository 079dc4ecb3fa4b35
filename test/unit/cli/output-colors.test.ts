import pc from "picocolors";
import { describe, expect, it } from "vitest";
import { createOutput } from "../../../src/cli/output.js";

describe("createOutput colours", () => {
  it("colours off (--no-color): every painter returns its text unchanged", () => {
    const { c } = createOutput({ color: false }, {});
    expect(c.isColorSupported).toBe(false);
    for (const paint of [c.red, c.yellow, c.cyan, c.green, c.bold, c.dim])
      expect(paint("text")).toBe("text");
  });

  it("NO_COLOR and --json turn colours off too", () => {
    expect(createOutput({}, { NO_COLOR: "1" }).c.red("x")).toBe("x");
    expect(createOutput({ json: true }, {}).c.bold("x")).toBe("x");
  });

  it("the plain painters have the picocolors shape (same names as its coloured ones)", () => {
    const plain = createOutput({ color: false }, {}).c;
    const real = pc.createColors(true);
    for (const name of Object.keys(plain) as (keyof typeof plain)[])
      expect(typeof plain[name]).toBe(typeof real[name]);
    // control: picocolors does paint when asked to
    expect(real.red("x")).not.toBe("x");
  });
});
