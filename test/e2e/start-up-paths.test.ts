/**
 * The short paths of start-up (issue 15): `--help` and `NAME --help` print the text the
 * build wrote (dist/cli/help.json) without loading the core, and that text is the one
 * commander prints from the core's own definitions; `diff` and `check` on a file: remote
 * load no node:crypto; a sync that changes nothing rewrites no state,
 * while a sync after both sides changed alike outside envsync still records the new base.
 * Against the standalone binary (ENVSYNC_TEST_BIN) the help texts and the base cases run;
 * the module-loading probes need `node --import` and are the script build's only.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { BIN, binCommand, IS_BINARY, runCli, tempDir } from "./helpers.js";

const PRELOAD = resolve(import.meta.dirname, "fixtures", "module-log.mjs");
/** dist/cli of the CLI under test (the binary embeds the dist/cli it was built from). */
const DIST = IS_BINARY ? resolve(import.meta.dirname, "..", "..", "dist", "cli") : dirname(BIN);
const HELP = join(DIST, "help.json");
const CORE = join(DIST, "core.cjs");
/** Why the module probes do not run against the binary. */
const NO_PRELOAD = "a binary takes no `node --import` preload";

function modulesLoaded(args: string[], cwd: string): string[] {
  const log = join(tempDir("envsync-modlog-"), "modules.txt");
  writeFileSync(log, "");
  const r = spawnSync(process.execPath, ["--import", PRELOAD, BIN, ...args], {
    cwd,
    env: { ...process.env, ENVSYNC_MODULE_LOG: log, NO_COLOR: "1" },
    stdio: "ignore",
    timeout: 30_000,
  });
  expect(r.error).toBeUndefined();
  return readFileSync(log, "utf8").split("\n").filter(Boolean);
}

/** What commander itself prints for `args` (the core's main, in a child process). */
function commanderHelp(args: string[]): string {
  const r = spawnSync(
    process.execPath,
    ["-e", `require(${JSON.stringify(CORE)}).main(process.argv.slice(1))`, "--", ...args],
    { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" }, timeout: 30_000 },
  );
  expect(r.status).toBe(0);
  return r.stdout;
}

describe("help written at build time", () => {
  const texts = JSON.parse(readFileSync(HELP, "utf8")) as Record<string, string>;

  it("covers the bare command and every command commander knows", () => {
    const listed = [...commanderHelp(["--help"]).matchAll(/^ {2}([a-z]+)\b.*$/gm)]
      .map((m) => m[1]!)
      .filter((n) => n !== "help");
    expect(listed.length).toBeGreaterThan(10);
    expect(Object.keys(texts).sort()).toEqual(["", ...listed].sort());
  });

  it.each([
    [["--help"]],
    [["-h"]],
    [["diff", "--help"]],
    [["sync", "-h"]],
    [["rollback", "--help"]],
  ])("envsync %j prints commander's text", (args) => {
    const dir = tempDir();
    const r = spawnSync(...binCommand(args), { cwd: dir, encoding: "utf8" });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(commanderHelp(args));
    expect(r.stdout).toBe(texts[args.length === 1 ? "" : args[0]!]);
  });

  // Not against the binary: a binary takes no `node --import` preload.
  it.skipIf(IS_BINARY).each([[["--help"]], [["-h"]], [["diff", "--help"]], [["sync", "-h"]]])(
    "envsync %j does not load the core",
    (args) => {
      expect(modulesLoaded(args, tempDir()).filter((m) => m.endsWith("core.cjs"))).toEqual([]);
    },
  );

  it.skipIf(IS_BINARY)("control: a command's run loads the core (so the probe sees it)", () => {
    const dir = tempDir();
    writeFileSync(join(dir, ".env"), "A=1\n");
    expect(
      modulesLoaded(["diff", "-r", "file:.env"], dir).some((m) => m.endsWith("core.cjs")),
    ).toBe(true);
  });
});

describe.skipIf(IS_BINARY)(`read-only commands on a file: remote (${NO_PRELOAD})`, () => {
  it.each([[["diff"]], [["check"]]])("envsync %j loads no node:crypto", (cmd) => {
    const dir = tempDir();
    writeFileSync(join(dir, ".env"), "A=1\nB=2\n");
    writeFileSync(join(dir, "remote.env"), "A=1\nB=3\n");
    const mods = modulesLoaded([...cmd, "-r", "file:remote.env"], dir);
    expect(mods).not.toContain("node:crypto");
    expect(mods.length).toBeGreaterThan(0);
  });

  it("control: sync loads node:crypto (so the probe sees it)", () => {
    const dir = tempDir();
    writeFileSync(join(dir, ".env"), "A=1\n");
    expect(modulesLoaded(["sync", "-r", "file:remote.env"], dir)).toContain("node:crypto");
  });
});

describe("the bundle's own files are ASCII", () => {
  // V8 keeps an ASCII source as a one-byte string: one non-ASCII character anywhere (a
  // comment esbuild kept) makes the whole file a two-byte string, read, copied and
  // scanned at twice the size on every start (≈ 0.3 ms of the core's load on Node 24).
  it.each([["bin.js"], ["core.cjs"], ["chunks/write.cjs"], ["chunks/vault.cjs"]])(
    "%s holds no byte above 0x7f",
    (file) => {
      const bytes = readFileSync(join(DIST, file));
      const at = bytes.findIndex((b) => b > 0x7f);
      expect(
        at === -1 ? null : bytes.subarray(Math.max(0, at - 60), at + 20).toString(),
      ).toBeNull();
    },
  );
});

describe("the base after a sync that changes nothing", () => {
  it("is not rewritten when both sides still hold what the last sync recorded", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, ".env"), "A=1\nB=2\n");
    expect((await runCli(["sync", "-r", "file:remote.env"], { cwd: dir })).code).toBe(0);
    const state = join(dir, ".envsync", "state.json");
    const before = readFileSync(state, "utf8");
    const ino = statSync(state).ino;
    const r = await runCli(["sync", "-r", "file:remote.env"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("already in agreement");
    expect(readFileSync(state, "utf8")).toBe(before);
    // Not replaced either (an atomic rewrite would give it a new inode).
    expect(statSync(state).ino).toBe(ino);
  });

  it("is recorded anew when both sides changed alike outside envsync (a later edit is not a conflict)", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, ".env"), "A=1\nB=2\n");
    expect((await runCli(["sync", "-r", "file:remote.env"], { cwd: dir })).code).toBe(0);
    const state = join(dir, ".envsync", "state.json");
    const before = readFileSync(state, "utf8");
    // Both sides take B=3 by hand: in agreement, but the recorded base says B=2.
    writeFileSync(join(dir, ".env"), "A=1\nB=3\n");
    writeFileSync(join(dir, "remote.env"), "A=1\nB=3\n");
    expect((await runCli(["sync", "-r", "file:remote.env"], { cwd: dir })).code).toBe(0);
    expect(readFileSync(state, "utf8")).not.toBe(before);
    // Now a local edit of B is a local change (pushed), not a conflict with a stale base.
    writeFileSync(join(dir, ".env"), "A=1\nB=4\n");
    const r = await runCli(["sync", "-r", "file:remote.env", "--on-conflict", "fail"], {
      cwd: dir,
    });
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, "remote.env"), "utf8")).toContain("B=4");
  });
});
