/**
 * Prompts and progress through a real pseudo-terminal: each test starts the built
 * binary inside its own tmux server (`tmux -L <socket>`), reads the screen with
 * `capture-pane`, answers with `send-keys`, and checks the files afterwards.
 * Covered: `sync --on-conflict prompt` answered "local" and "remote", the deletion
 * confirmation of push --prune (yes, and the default no), copy --prune, rollback,
 * init asking for the remote, and the spinner shown at a TTY (and not with --json).
 * Canary values never reach the screen.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parse } from "../../src/dotenv/index.js";
import { assertNoCanary, binShellLine, canary, runCli, tempDir } from "./helpers.js";

let dir: string;
let socket: string;
let canaries: string[];
let localValue: string;
let remoteValue: string;

const remotePath = (): string => join(dir, "remote.env");
const readEnv = (p: string): Record<string, string> => ({ ...parse(readFileSync(p, "utf8")) });

function tmux(...args: string[]): string {
  return execFileSync("tmux", ["-L", socket, "-f", "/dev/null", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  }).toString("utf8");
}

/** Starts `envsync ARGS` in a 200x50 terminal; the exit code lands in `exit-code`. */
function start(args: string[], env: Record<string, string> = {}): void {
  const vars = Object.entries({ NO_COLOR: "1", ...env })
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");
  // CI=true turns prompts off: a terminal user in CI is what this test simulates, so unset it.
  writeFileSync(
    join(dir, "run.sh"),
    `env -u CI ${vars} ${binShellLine([])} ${args.join(" ")}\necho "EXIT=$?" > exit-code\nsleep 120\n`,
  );
  tmux("new-session", "-d", "-s", "t", "-x", "200", "-y", "50", "-c", dir, "sh run.sh");
}

const screen = (): string => tmux("capture-pane", "-p", "-t", "t");

async function waitFor<T>(probe: () => T | null | false, what: string): Promise<T> {
  const deadline = Date.now() + 45_000;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; screen:\n${screen()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const waitScreen = (text: string): Promise<string> =>
  waitFor(() => {
    const s = screen();
    return s.includes(text) ? s : null;
  }, `"${text}" on screen`);

/** Waits for the command to end; returns its exit code and the final screen. */
async function finished(): Promise<{ code: number; screen: string }> {
  const file = join(dir, "exit-code");
  const code = await waitFor(() => {
    if (!existsSync(file)) return null;
    const m = /EXIT=(\d+)/.exec(readFileSync(file, "utf8"));
    return m ? m[1]! : null;
  }, "the command to end");
  const s = screen();
  assertNoCanary(canaries, { screen: s });
  return { code: Number(code), screen: s };
}

const keys = (...k: string[]): void => void tmux("send-keys", "-t", "t", ...k);

/** Holds the write (src/test-hooks.ts) until {@link release} creates the release file. */
const held = (): Record<string, string> => {
  rmSync(join(dir, "release"), { force: true });
  return { ENVSYNC_PAUSE_BEFORE_WRITE: "1", ENVSYNC_PAUSE_RELEASE_FILE: join(dir, "release") };
};
const release = (): void => writeFileSync(join(dir, "release"), "");

beforeEach(async () => {
  dir = tempDir("envsync-tty-");
  socket = `envsync-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  localValue = canary("LOCAL");
  remoteValue = canary("REMOTE");
  canaries = [localValue, remoteValue];
  const r = await runCli(["init", "--remote", "file:remote.env"], { cwd: dir });
  expect(r.code, r.stderr).toBe(0);
});

afterEach(() => {
  try {
    tmux("kill-server");
  } catch {
    /* already gone */
  }
});

describe("prompts at a terminal (tmux)", () => {
  async function conflict(answer: "local" | "remote"): Promise<{ code: number; screen: string }> {
    // First sync, no base: the same key with different values on both sides is a conflict.
    writeFileSync(join(dir, ".env"), `SHARED=${localValue}\nONLY_LOCAL=1\n`);
    writeFileSync(remotePath(), `SHARED=${remoteValue}\nONLY_REMOTE=2\n`);
    start(["sync", "--on-conflict", "prompt"]);
    const s = await waitScreen("Keep which side?");
    expect(s).toContain("Conflict on SHARED");
    if (answer === "local") keys("Down");
    keys("Enter");
    return finished();
  }

  it('sync --on-conflict prompt, answered "local": the local value wins on both sides', async () => {
    const r = await conflict("local");
    expect(r.code, r.screen).toBe(0);
    const expected = { SHARED: localValue, ONLY_LOCAL: "1", ONLY_REMOTE: "2" };
    expect(readEnv(remotePath())).toEqual(expected);
    expect(readEnv(join(dir, ".env"))).toEqual(expected);
  });

  it('sync --on-conflict prompt, answered "remote": the remote value wins on both sides', async () => {
    const r = await conflict("remote");
    expect(r.code, r.screen).toBe(0);
    const expected = { SHARED: remoteValue, ONLY_LOCAL: "1", ONLY_REMOTE: "2" };
    expect(readEnv(remotePath())).toEqual(expected);
    expect(readEnv(join(dir, ".env"))).toEqual(expected);
  });

  it('sync --on-conflict prompt, answered "neither": exit 4, nothing written', async () => {
    writeFileSync(join(dir, ".env"), `SHARED=${localValue}\n`);
    writeFileSync(remotePath(), `SHARED=${remoteValue}\n`);
    start(["sync", "--on-conflict", "prompt"]);
    await waitScreen("Keep which side?");
    keys("Down", "Down", "Enter");
    const r = await finished();
    expect(r.code, r.screen).toBe(4);
    expect(readEnv(remotePath())).toEqual({ SHARED: remoteValue });
    expect(readEnv(join(dir, ".env"))).toEqual({ SHARED: localValue });
  });

  it("Ctrl-C at the conflict prompt: exit 130, nothing written", async () => {
    writeFileSync(join(dir, ".env"), `SHARED=${localValue}\n`);
    writeFileSync(remotePath(), `SHARED=${remoteValue}\n`);
    start(["sync", "--on-conflict", "prompt"]);
    await waitScreen("Keep which side?");
    keys("C-c");
    const r = await finished();
    expect(r.code, r.screen).toBe(130);
    expect(readEnv(remotePath())).toEqual({ SHARED: remoteValue });
    expect(readEnv(join(dir, ".env"))).toEqual({ SHARED: localValue });
    expect(existsSync(join(dir, ".envsync", "state.json"))).toBe(false);
  });

  it("push --prune asks before deleting on the remote: yes deletes", async () => {
    writeFileSync(join(dir, ".env"), `KEEP=${localValue}\n`);
    writeFileSync(remotePath(), `KEEP=${localValue}\nGONE=${remoteValue}\n`);
    start(["push", "--prune"]);
    const s = await waitScreen("Delete 1 key(s) on the remote?");
    expect(s).toContain("- GONE");
    keys("y", "Enter");
    const r = await finished();
    expect(r.code, r.screen).toBe(0);
    expect(readEnv(remotePath())).toEqual({ KEEP: localValue });
  });

  it("push --prune: the default answer (no) is exit 2 and nothing written", async () => {
    writeFileSync(join(dir, ".env"), `KEEP=${localValue}\n`);
    writeFileSync(remotePath(), `KEEP=${localValue}\nGONE=${remoteValue}\n`);
    const before = readFileSync(remotePath(), "utf8");
    start(["push", "--prune"]);
    await waitScreen("Delete 1 key(s) on the remote?");
    keys("Enter");
    const r = await finished();
    expect(r.code, r.screen).toBe(2);
    expect(r.screen).toContain("Deletion not confirmed");
    expect(readFileSync(remotePath(), "utf8")).toBe(before);
  });

  it("copy --prune asks before deleting on the target", async () => {
    writeFileSync(join(dir, "from.env"), `A=${localValue}\n`);
    writeFileSync(join(dir, "to.env"), `A=old\nEXTRA=${remoteValue}\n`);
    start(["copy", "file:from.env", "file:to.env", "--prune"]);
    const s = await waitScreen("Delete 1 key(s) on file:to.env?");
    expect(s).toContain("- EXTRA");
    keys("y", "Enter");
    const r = await finished();
    expect(r.code, r.screen).toBe(0);
    expect(readEnv(join(dir, "to.env"))).toEqual({ A: localValue });
  });

  it("rollback asks before writing the old version", async () => {
    writeFileSync(join(dir, ".env"), `A=${localValue}\n`);
    expect((await runCli(["push"], { cwd: dir })).code).toBe(0);
    writeFileSync(join(dir, ".env"), `A=${remoteValue}\nB=2\n`);
    expect((await runCli(["push"], { cwd: dir })).code).toBe(0);
    const h = JSON.parse((await runCli(["history", "--json"], { cwd: dir })).stdout) as {
      versions: { id: string }[];
    };
    start(["rollback", "--to", h.versions[1]!.id]);
    const s = await waitScreen("Write this as a new version of file:remote.env?");
    expect(s).toContain("~ A");
    expect(s).toContain("- B");
    keys("y", "Enter");
    const r = await finished();
    expect(r.code, r.screen).toBe(0);
    expect(r.screen).toContain("envsync pull");
    expect(readEnv(remotePath())).toEqual({ A: localValue });
  });

  it("init without --remote asks for it and checks the scheme", async () => {
    const fresh = tempDir("envsync-tty-init-");
    dir = fresh;
    start(["init"]);
    await waitScreen("Remote to sync with");
    keys("-l", "nope://x");
    keys("Enter");
    await waitScreen("Unknown remote scheme");
    for (let i = 0; i < 8; i++) keys("BSpace");
    keys("-l", "file:../shared.env");
    keys("Enter");
    const r = await finished();
    expect(r.code, r.screen).toBe(0);
    expect(readFileSync(join(fresh, "envsync.yaml"), "utf8")).toContain("file:../shared.env");
  });

  it("without a terminal, init without --remote does not ask: exit 2 with how to give one", async () => {
    const fresh = tempDir("envsync-notty-init-");
    const r = await runCli(["init"], { cwd: fresh });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("init needs the remote");
    expect(existsSync(join(fresh, "envsync.yaml"))).toBe(false);
  });

  it("shows progress with counts at a terminal while work is under way, and none with --json or --quiet", async () => {
    writeFileSync(join(dir, ".env"), `A=${localValue}\nB=2\nC=3\n`);
    start(["push"], held());
    await waitScreen("read 3 local key(s); reading the remote…");
    await waitScreen("paused before writing");
    release();
    const r = await finished();
    expect(r.code, r.screen).toBe(0);
    expect(readEnv(remotePath())).toEqual({ A: localValue, B: "2", C: "3" });

    tmux("kill-server");
    socket = `${socket}-json`;
    writeFileSync(join(dir, ".env"), `A=${localValue}\nB=2\nC=3\nD=4\n`);
    writeFileSync(join(dir, "exit-code"), "");
    start(["push", "--json"], held());
    await waitScreen("paused before writing");
    release();
    const j = await finished();
    expect(j.code, j.screen).toBe(0);
    expect(j.screen).not.toContain("reading the remote…");
    expect(j.screen).toContain('"command": "push"');

    tmux("kill-server");
    socket = `${socket}-quiet`;
    writeFileSync(join(dir, ".env"), `A=${localValue}\nB=2\nC=3\nD=5\n`);
    writeFileSync(join(dir, "exit-code"), "");
    start(["push", "--quiet"], held());
    await waitScreen("paused before writing");
    release();
    const q = await finished();
    expect(q.code, q.screen).toBe(0);
    expect(q.screen).not.toContain("reading the remote…");
    expect(readEnv(remotePath())).toMatchObject({ D: "5" });
  });
});
