import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compare, compareDigests, isRemoteUri, makeDigester } from "../../../src/ops/compare.js";

const side = (label: string, values: Record<string, string>) => ({
  label,
  digests: new Map(Object.entries(values)),
});

describe("compareDigests", () => {
  it.each([
    [{ A: "x" }, { A: "x" }, "equal", [0, 0]],
    [{ A: "x" }, { A: "y" }, "different", [0, 1]],
    [{ A: "x" }, {}, "missing", [0, null]],
    [{}, { A: "y" }, "missing", [null, 0]],
  ])("%j vs %j → %s", (a, b, status, classes) => {
    const r = compareDigests([side("a", a), side("b", b)]);
    expect(r.keys).toEqual([
      {
        key: "A",
        status,
        classes,
        missingIn: classes.flatMap((c, i) => (c === null ? [["a", "b"][i]] : [])),
      },
    ]);
    expect(r.identical).toBe(status === "equal");
    expect(r.sameKeys).toBe(status !== "missing");
  });

  it("a matrix: the same class number means the same value", () => {
    const r = compareDigests([
      side("dev", { K: "1", L: "x" }),
      side("staging", { K: "2", L: "x" }),
      side("prod", { K: "1" }),
    ]);
    expect(r.keys.map((k) => [k.key, k.status, k.classes, k.missingIn])).toEqual([
      ["K", "different", [0, 1, 0], []],
      ["L", "missing", [0, 0, null], ["prod"]],
    ]);
    expect(r.counts).toEqual({ equal: 0, different: 1, missing: 1 });
  });
});

describe("keyed digests", () => {
  it("equal values digest equally within a run, differently across runs, never to the value", () => {
    const d1 = makeDigester();
    const d2 = makeDigester();
    expect(d1("secret")).toBe(d1("secret"));
    expect(d1("secret")).not.toBe(d1("secreT"));
    expect(d1("secret")).not.toBe(d2("secret"));
    expect(d1("secret")).not.toContain("secret");
  });
});

describe("compare", () => {
  it.each([
    ["file:a.env", true],
    ["aws-sm://x/y?region=eu-west-1", true],
    ["dev", false],
    ["c:thing", false],
  ])("%s is a remote URI: %s", (s, ok) => expect(isRemoteUri(s)).toBe(ok));

  it("compares environments of envsync.yaml and remote URIs on the file: store", async () => {
    const dir = mkdtempSync(join(tmpdir(), "envsync-cmp-"));
    writeFileSync(join(dir, "dev.env"), "A=1\nB=same\n");
    writeFileSync(join(dir, "prod.env"), "A=2\nB=same\nC=3\n");
    writeFileSync(
      join(dir, "envsync.yaml"),
      `environments:\n  dev: { remote: "file:dev.env" }\n  prod: { remote: "file:prod.env" }\n`,
    );
    const byEnv = await compare({ cwd: dir, sides: ["dev", "prod"] });
    expect(byEnv.keys.map((k) => [k.key, k.status])).toEqual([
      ["A", "different"],
      ["B", "equal"],
      ["C", "missing"],
    ]);
    const all = await compare({ cwd: dir });
    expect(all.sides).toEqual(["dev", "prod"]);
    const byUri = await compare({ cwd: dir, sides: ["file:dev.env", "prod"] });
    expect(byUri.sides).toEqual(["file:dev.env", "prod"]);
    await expect(compare({ cwd: dir, sides: ["dev"] })).rejects.toMatchObject({ exitCode: 2 });
    await expect(compare({ cwd: dir, sides: ["dev", "file:none.env"] })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  });
});
