import { execFileSync } from "node:child_process";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isEnvsyncError } from "../../../src/errors.js";
import { NotRegularFileError, readRegularFile } from "../../../src/state/read-regular.js";
import { tempDir } from "../../e2e/helpers.js";

/** What readRegularFile did with `path`: its bytes as text, null, or the error. */
async function outcome(path: string): Promise<string | null | Error> {
  try {
    return (await readRegularFile(path))?.toString("utf8") ?? null;
  } catch (e) {
    return e as Error;
  }
}

describe("readRegularFile (the read of .env and of a file: remote)", () => {
  it("reads a regular file's bytes and gives null where nothing is", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "a"), "A=1\n");
    expect(await outcome(join(dir, "a"))).toBe("A=1\n");
    expect(await outcome(join(dir, "missing"))).toBeNull();
  });

  it("refuses a folder, a FIFO and a socket, naming what it is, without blocking", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, "folder"));
    execFileSync("mkfifo", [join(dir, "fifo")]);
    const server = createServer();
    await new Promise<void>((ok) => server.listen(join(dir, "sock"), ok));
    try {
      for (const [name, kind] of [
        ["folder", "a folder"],
        ["fifo", "a FIFO (named pipe)"],
        ["sock", "a socket"],
      ] as const) {
        const r = await outcome(join(dir, name));
        expect(r).toBeInstanceOf(NotRegularFileError);
        expect((r as NotRegularFileError).kind).toBe(kind);
      }
    } finally {
      server.close();
    }
  });

  it("a dangling symbolic link is an error, never an absent file", async () => {
    const dir = tempDir();
    symlinkSync(join(dir, "gone"), join(dir, "link"));
    const r = await outcome(join(dir, "link"));
    expect(isEnvsyncError(r, "IO")).toBe(true);
    expect((r as Error).message).toContain("which does not exist");
  });
});
