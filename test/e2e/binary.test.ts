/**
 * The standalone binary (issue 18): `scripts/build-binary.mjs` builds it from dist/cli
 * (Node's single executable application), then the e2e files of
 * vitest.binary.config.ts run against it (ENVSYNC_TEST_BIN), on this run's emulators.
 * What runs is the subset named there (19 files: the main job on file:, every cloud
 * store, the encrypted-file stores, local state, export, copy, history, doctor, SIGINT
 * mid-write, --json, truthful output…), not the whole e2e suite: the slow fault,
 * hostile-input and concurrency files would not fit the suite's time budget twice.
 */
import { execFile, spawn, spawnSync } from "node:child_process";
import { promisify } from "node:util";
import { rmSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "./helpers.js";

const execFileAsync = promisify(execFile);
const root = resolve(import.meta.dirname, "..", "..");
let binary = "";

beforeAll(async () => {
  binary = join(tempDir("envsync-binary-"), "envsync");
  // Asynchronous: a blocked test worker misses the run's heartbeats.
  await execFileAsync(process.execPath, [join(root, "scripts", "build-binary.mjs"), binary], {
    cwd: root,
    maxBuffer: 64 * 2 ** 20,
  });
}, 600_000);

// The binary is a copy of node (about 110 MB): not left behind in the temp folder.
afterAll(() => rmSync(dirname(binary), { recursive: true, force: true }));

describe("the standalone binary", () => {
  it("is one executable that runs without node_modules or Node on PATH", () => {
    expect(statSync(binary).mode & 0o111).not.toBe(0);
    const r = spawnSync(binary, ["--help"], {
      cwd: tempDir(),
      env: { PATH: "/nonexistent", HOME: tempDir() },
      encoding: "utf8",
    });
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("Usage: envsync");
  });

  it("passes the e2e files of vitest.binary.config.ts", async () => {
    // Asynchronous: a blocked worker would miss its own run's heartbeats.
    const child = spawn(
      process.execPath,
      [
        join(root, "node_modules", "vitest", "vitest.mjs"),
        "run",
        "--config",
        "vitest.binary.config.ts",
      ],
      {
        cwd: root,
        env: { ...process.env, ENVSYNC_TEST_BIN: binary, NO_COLOR: "1", FORCE_COLOR: "0" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (out += d));
    const code = await new Promise<number | null>((done, fail) => {
      child.on("error", fail);
      child.on("close", done);
    });
    expect(code, out.slice(-10_000)).toBe(0);
    expect(out).toMatch(/Test Files\s+\d+ passed \(\d+\)/);
  }, 900_000);
});
