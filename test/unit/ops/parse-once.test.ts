/**
 * One parsed remote along a command (issue 24, item 5): the session parses the remote
 * URI string once and passes the parsed URI down (registry, store, foreign access,
 * own-file check, export); nothing along `sync`, `pull`, `diff` or `export` parses
 * the raw string again, and `copy` parses each of its two arguments once. `parseRemoteUri` is wrapped to count calls
 * (the real function runs); the remote is a `file:` store in a temporary folder.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type * as Uri from "../../../src/providers/uri.js";

const parsed = vi.hoisted(() => ({ raws: [] as string[] }));
vi.mock("../../../src/providers/uri.js", async (importOriginal) => {
  const real = await importOriginal<typeof Uri>();
  return {
    ...real,
    parseRemoteUri: (raw: string) => {
      parsed.raws.push(raw);
      return real.parseRemoteUri(raw);
    },
  };
});

const { diff, pull, sync } = await import("../../../src/ops/sync.js");
const { exportValues } = await import("../../../src/ops/export.js");
const { copy } = await import("../../../src/ops/copy.js");

function project(): string {
  const dir = mkdtempSync(join(tmpdir(), "envsync-parse-once-"));
  writeFileSync(join(dir, ".env"), "A=1\nB=2\n");
  writeFileSync(join(dir, "remote.env"), "A=1\nC=3\n");
  return dir;
}

beforeEach(() => {
  parsed.raws.length = 0;
});

describe("the remote URI string is parsed once per command", () => {
  it.each([
    ["sync", (cwd: string) => sync({ cwd, remote: "file:remote.env", yes: true })],
    ["pull", (cwd: string) => pull({ cwd, remote: "file:remote.env" })],
    ["diff", (cwd: string) => diff({ cwd, remote: "file:remote.env" })],
    ["export", (cwd: string) => exportValues({ cwd, remote: "file:remote.env", format: "dotenv" })],
  ])("%s", async (_name, run) => {
    await run(project());
    expect(parsed.raws).toEqual(["file:remote.env"]);
  });

  it("copy: each of its two remotes once", async () => {
    const cwd = project();
    await copy({ cwd, from: "file:remote.env", to: "file:copy.env", yes: true });
    expect(parsed.raws).toEqual(["file:remote.env", "file:copy.env"]);
  });
});
