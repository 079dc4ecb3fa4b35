/**
 * SPEC §9: `--version`, `--help` and commands on file: remotes load no cloud SDK.
 * Asserts which modules were resolved (not how long anything took), with a positive
 * control proving the probe sees an SDK when one is loaded.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { BIN, tempDir } from "./helpers.js";

const PRELOAD = resolve(import.meta.dirname, "fixtures", "module-log.mjs");
const SDK = /@aws-sdk|@smithy|@google-cloud|google-gax|@grpc|@azure/;

function modulesLoaded(args: string[], cwd: string): string[] {
  const log = join(tempDir("envsync-modlog-"), "modules.txt");
  writeFileSync(log, "");
  spawnSync(process.execPath, ["--import", PRELOAD, BIN, ...args], {
    cwd,
    env: {
      ...process.env,
      ENVSYNC_MODULE_LOG: log,
      NO_COLOR: "1",
      AWS_EC2_METADATA_DISABLED: "true",
    },
    stdio: "ignore",
    timeout: 30_000,
  });
  return readFileSync(log, "utf8").split("\n").filter(Boolean);
}

describe("lazy loading of cloud SDKs", () => {
  const dir = tempDir();
  writeFileSync(join(dir, ".env"), "A=1\n");
  writeFileSync(join(dir, "remote.env"), "A=2\n");

  it.each([
    [["--version"]],
    [["--help"]],
    [["diff", "-r", "file:remote.env"]],
    [["sync", "-r", "file:remote.env", "--dry-run"]],
  ])("envsync %j loads no cloud SDK", (args) => {
    const mods = modulesLoaded(args, dir);
    expect(mods.length).toBeGreaterThan(0);
    expect(mods.filter((m) => SDK.test(m))).toEqual([]);
  });

  it("control: an aws-sm remote does load the AWS SDK (so the probe can see SDKs)", () => {
    const mods = modulesLoaded(
      ["diff", "-r", "aws-sm://x?region=us-east-1&endpoint=http://127.0.0.1:9"],
      dir,
    );
    expect(mods.some((m) => m.includes("@aws-sdk"))).toBe(true);
  });
});
