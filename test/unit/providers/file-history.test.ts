import { createHash } from "node:crypto";
import { readdirSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isEnvsyncError } from "../../../src/errors.js";
import { FileHistory } from "../../../src/providers/file/history.js";
import { tempDir } from "../../e2e/helpers.js";

const version = (t: string): string => createHash("sha256").update(t).digest("hex").slice(0, 16);
const count = (t: string): number => t.split("\n").filter(Boolean).length;

describe("file: history entries", () => {
  it("are invisible until committed, and gone when discarded (whole file or nothing)", async () => {
    const dir = tempDir();
    const h = new FileHistory(join(dir, "r.env"));
    const pending = await h.prepare("A=1\n");
    expect(await h.list(null, count, version)).toEqual([]);
    await pending.commit();
    expect((await h.list(null, count, version)).map((v) => v.id)).toEqual([version("A=1\n")]);
    const dropped = await h.prepare("B=2\n");
    await dropped.discard();
    expect((await h.list(null, count, version)).map((v) => v.id)).toEqual([version("A=1\n")]);
    expect(readdirSync(h.dir).filter((n) => n.endsWith(".tmp"))).toEqual([]);
  });

  it("read verifies the content against the hash in the entry's name before returning it", async () => {
    const dir = tempDir();
    const h = new FileHistory(join(dir, "r.env"));
    const text = "A=1\nB=2\nC=3\n";
    await (await h.prepare(text)).commit();
    expect(await h.read(version(text), version)).toBe(text);
    const [name] = readdirSync(h.dir);
    truncateSync(join(h.dir, name!), 4); // cut short after it was listed
    const err = await h.read(version(text), version).catch((e: unknown) => e);
    expect(isEnvsyncError(err, "IO")).toBe(true);
    expect((err as Error).message).toMatch(/damaged.*Nothing was applied/);
    expect(await h.list(null, count, version)).toEqual([]);
  });

  it("ignores files that are not well-formed entries (a legacy or foreign file is never offered)", async () => {
    const dir = tempDir();
    const h = new FileHistory(join(dir, "r.env"));
    await (await h.prepare("A=1\n")).commit();
    writeFileSync(join(h.dir, "000001764000000000-1-ab"), "A=");
    expect((await h.list(null, count, version)).map((v) => v.id)).toEqual([version("A=1\n")]);
  });
});
