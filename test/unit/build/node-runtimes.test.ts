/**
 * The Node.js runtimes the project tests on and builds the binary from
 * (scripts/node-runtimes.mjs), and the binary build's refusal of a runtime that is past
 * its end of life or not an LTS (scripts/build-binary.mjs). The refusal runs against
 * stand-in `node` executables that only answer `--version`: it is decided before
 * anything is bundled, so nothing is built and dist/ is not touched.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain ES module script without types
import { BINARY_LINE, MAIN_LINE, RUNTIMES } from "../../../scripts/node-runtimes.mjs";

const root = resolve(import.meta.dirname, "..", "..", "..");
const runtimes = RUNTIMES as Record<string, { version: string; integrity: string }>;

/** A stand-in `node` that prints `version` for `--version` and nothing else. */
function fakeNode(version: string): string {
  const dir = mkdtempSync(join(tmpdir(), "envsync-fake-node-"));
  const file = join(dir, "node");
  writeFileSync(file, `#!/bin/sh\necho ${version}\n`);
  chmodSync(file, 0o755);
  return file;
}

/** Runs the binary build with `node` as its runtime. */
function buildWith(node: string): { status: number | null; stderr: string; out: string } {
  const out = join(mkdtempSync(join(tmpdir(), "envsync-bin-")), "envsync");
  const r = spawnSync(process.execPath, [join(root, "scripts", "build-binary.mjs"), out], {
    cwd: root,
    env: { ...process.env, ENVSYNC_BINARY_NODE: node },
    encoding: "utf8",
  });
  return { status: r.status, stderr: r.stderr, out };
}

describe("node runtimes", () => {
  it("are the supported lines 22, 24 and 26, each pinned to a release and its integrity", () => {
    expect(Object.keys(runtimes).sort()).toEqual(["22", "24", "26"]);
    for (const [line, pin] of Object.entries(runtimes)) {
      expect(pin.version.split(".")[0]).toBe(line);
      expect(pin.integrity).toMatch(/^sha512-[A-Za-z0-9+/]{86}==$/);
    }
    // The whole suite and the binary run on LTS lines.
    for (const l of [MAIN_LINE, BINARY_LINE] as number[]) expect(l % 2).toBe(0);
  });

  it.each([
    ["v20.20.2", "past its end of life"],
    ["v18.20.8", "past its end of life"],
    ["v25.9.0", "an odd line, never LTS"],
    ["v27.1.0", "an odd line, never LTS"],
  ])("the binary build refuses Node %s (%s) and writes nothing", (version) => {
    const r = buildWith(fakeNode(version));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`Refusing to build the binary from Node ${version}`);
    expect(existsSync(r.out)).toBe(false);
  });
});
