/**
 * `envsync run -- CMD` on the built binary with a file: remote: the child gets the
 * remote's values over (or, with --no-override, under) the inherited environment,
 * nothing is written to disk, signals reach the child, and envsync exits with the
 * child's code (128 + signal when a signal ended it). Values reach the child only:
 * envsync's own stdout and stderr never hold them.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import {
  assertNoCanary,
  binCommand,
  canary,
  filesUnder,
  runCli,
  tempDir,
  type CliResult,
} from "./helpers.js";

let dir: string;
let secret: string;
let multi: string;

/** A node child script: writes the named variables (JSON) to a file, then exits with a code. */
const DUMP = `const [out, code, ...names] = process.argv.slice(1);
require("node:fs").writeFileSync(out, JSON.stringify(Object.fromEntries(names.map((n) => [n, process.env[n] ?? null]))));
process.exit(Number(code));`;

beforeEach(async () => {
  dir = tempDir("envsync-run-");
  secret = canary("RUN");
  multi = `first\n${canary("M")}\n"quoted" 'single' $HOME`;
  writeFileSync(
    join(dir, "remote.json"),
    JSON.stringify({ SECRET: secret, MULTI: multi, SHARED: "from-remote" }),
  );
  const r = await runCli(["init", "--remote", "file:remote.json"], { cwd: dir });
  expect(r.code, r.stderr).toBe(0);
});

async function run(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const r = await runCli(["run", ...args], { cwd: dir, env });
  assertNoCanary([secret, multi], {
    [`stdout of run ${args.join(" ")}`]: r.stdout,
    [`stderr of run ${args.join(" ")}`]: r.stderr,
  });
  return r;
}

const dumped = (): Record<string, string | null> =>
  JSON.parse(readFileSync(join(dir, "child.json"), "utf8")) as Record<string, string | null>;

describe("envsync run (file: remote)", () => {
  it("the child gets the remote's values over the inherited ones; exit code is the child's", async () => {
    const r = await run(
      [
        "--",
        process.execPath,
        "-e",
        DUMP,
        join(dir, "child.json"),
        "7",
        "SECRET",
        "MULTI",
        "SHARED",
        "KEEP",
      ],
      { SHARED: "inherited", KEEP: "inherited-only" },
    );
    expect(r.code, r.stderr).toBe(7);
    expect(dumped()).toEqual({
      SECRET: secret,
      MULTI: multi,
      SHARED: "from-remote",
      KEEP: "inherited-only",
    });
    expect(r.stderr).toContain("3 key(s) from file:remote.json");
  });

  it("--no-override keeps variables already set", async () => {
    const r = await run(
      [
        "--no-override",
        "--",
        process.execPath,
        "-e",
        DUMP,
        join(dir, "child.json"),
        "0",
        "SECRET",
        "SHARED",
      ],
      { SHARED: "inherited" },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(dumped()).toEqual({ SECRET: secret, SHARED: "inherited" });
  });

  it("writes nothing to disk: no state, no backups, no temp files", async () => {
    const before = filesUnder(dir).sort();
    const r = await run(["--", process.execPath, "-e", "process.exit(0)"]);
    expect(r.code, r.stderr).toBe(0);
    expect(filesUnder(dir).sort()).toEqual(before);
    expect(existsSync(join(dir, ".envsync"))).toBe(false);
  });

  it("passes arguments as they are (no shell), including ones that look like envsync flags", async () => {
    const r = await run([
      "--",
      process.execPath,
      "-e",
      "require('node:fs').writeFileSync(process.argv[1], JSON.stringify(process.argv.slice(2)))",
      join(dir, "args.json"),
      "-e",
      "--json",
      "$(touch PWNED)",
      "a b",
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, "args.json"), "utf8"))).toEqual([
      "-e",
      "--json",
      "$(touch PWNED)",
      "a b",
    ]);
    expect(existsSync(join(dir, "PWNED"))).toBe(false);
  });

  it("a command that does not exist is exit 127; no command is exit 2", async () => {
    expect((await run(["--", "envsync-no-such-command-xyz"])).code).toBe(127);
    const none = await run([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("envsync run -- npm start");
  });

  it("--json: the result object is the only thing on stdout (the child's stdout goes to stderr)", async () => {
    const r = await run([
      "--json",
      "--",
      process.execPath,
      "-e",
      "console.log('hello from child'); process.exit(3)",
    ]);
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout)).toEqual({
      ok: false,
      command: "run",
      remote: "file:remote.json",
      exitCode: 3,
      signal: null,
      applied: ["SECRET", "MULTI", "SHARED"],
      kept: [],
    });
    expect(r.stderr).toContain("hello from child");
  });

  it("a key no environment can hold stops before starting the command (exit 2)", async () => {
    writeFileSync(join(dir, "remote.json"), JSON.stringify({ "A=B": secret }));
    const r = await run(["--", process.execPath, "-e", DUMP, join(dir, "child.json"), "0"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('"A=B"');
    expect(existsSync(join(dir, "child.json"))).toBe(false);
  });

  it("a remote that does not exist stops before starting the command (exit 1)", async () => {
    const r = await run([
      "--remote",
      "file:missing.json",
      "--",
      process.execPath,
      "-e",
      "process.exit(0)",
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("does not exist yet");
  });

  /** Starts `envsync run` with a child that reports the signal it gets, sends `sig` once the child is ready. */
  async function signalled(
    sig: NodeJS.Signals,
    childCode: number | "die",
  ): Promise<{ code: number | null; log: string }> {
    const log = join(dir, "signal.log");
    const script =
      childCode === "die"
        ? `process.stdout.write("ready\\n"); setInterval(() => {}, 1000);`
        : `process.on(${JSON.stringify(sig)}, (s) => { require("node:fs").writeFileSync(${JSON.stringify(log)}, s); process.exit(${childCode}); });
           process.stdout.write("ready\\n"); setInterval(() => {}, 1000);`;
    const child = spawn(...binCommand(["run", "--", process.execPath, "-e", script]), {
      cwd: dir,
      env: { ...process.env, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    const ready = new Promise<void>((res) =>
      child.stdout.setEncoding("utf8").on("data", (d: string) => {
        stdout += d;
        if (stdout.includes("ready")) res();
      }),
    );
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const exited = new Promise<number | null>((res) => child.on("close", (c) => res(c)));
    await ready;
    child.kill(sig);
    const code = await exited;
    assertNoCanary([secret, multi], { stdout, stderr });
    return { code, log: existsSync(log) ? readFileSync(log, "utf8") : "" };
  }

  for (const sig of ["SIGTERM", "SIGINT", "SIGHUP"] as const) {
    it(`forwards ${sig} to the child and exits with the child's code`, async () => {
      const r = await signalled(sig, 42);
      expect(r.log).toBe(sig);
      expect(r.code).toBe(42);
    });
  }

  it("a child ended by a forwarded signal → 128 + signal number", async () => {
    const r = await signalled("SIGTERM", "die");
    expect(r.code).toBe(128 + 15);
  });
});
