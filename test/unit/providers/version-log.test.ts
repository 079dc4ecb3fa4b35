import { describe, expect, it } from "vitest";
import { commitLog, type LoggedVersion } from "../../../src/providers/shared/version-log.js";

const v = (id: string, created: number, parent?: string, nonce?: string): LoggedVersion => ({
  id,
  created: created * 1000,
  ...(parent === undefined ? {} : { parent }),
  ...(nonce === undefined ? {} : { nonce }),
});
const walk = (vs: LoggedVersion[]) => {
  const r = commitLog(vs);
  return { committed: [...r.committed].sort(), head: r.head };
};

describe("commitLog", () => {
  // prettier-ignore
  const cases: [string, LoggedVersion[], string[], string | null][] = [
    ["empty", [], [], null],
    ["a chain", [v("a", 1, "none", "1"), v("b", 2, "a", "1"), v("c", 3, "b", "1")], ["a", "b", "c"], "c"],
    ["two writers of one read: the earlier wins", [v("r", 1, "none", "5"), v("x", 3, "r", "9"), v("y", 2, "r", "9")], ["r", "y"], "y"],
    ["same second: the smaller nonce wins", [v("r", 1, "none", "5"), v("x", 2, "r", "2"), v("y", 2, "r", "1")], ["r", "y"], "y"],
    ["a child of a loser loses", [v("r", 1, "none"), v("x", 2, "r", "1"), v("y", 2, "r", "2"), v("z", 3, "y", "1")], ["r", "x"], "x"],
    ["a restore on the head commits", [v("r", 1, "none"), v("x", 2, "r", "1"), v("y", 2, "r", "2"), v("z", 3, "x", "1")], ["r", "x", "z"], "z"],
    ["a child in its parent's second with a smaller nonce still commits", [v("r", 1, "none", "9"), v("x", 1, "r", "0")], ["r", "x"], "x"],
    ["untagged versions (other tools) always count", [v("u", 1), v("a", 2, "u", "1"), v("w", 3), v("b", 4, "a", "1")], ["a", "u", "w"], "w"],
    ["a parent never listed: nothing commits on it", [v("a", 2, "gone", "1")], [], null],
  ];
  it.each(cases)("%s", (_name, versions, committed, head) => {
    const r = walk(versions);
    expect(r.committed).toEqual(committed);
    expect(r.head).toBe(head);
  });
});
