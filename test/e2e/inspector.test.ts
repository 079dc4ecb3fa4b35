/**
 * Issue 25, item 4: no debugger door in a process that holds secrets. SIGUSR1 makes a
 * Node.js process open its inspector (127.0.0.1:9229), through which anyone on the
 * machine could read every value it holds. envsync ignores the signal, in the npm
 * package and in the standalone binary (ENVSYNC_TEST_BIN): a test sends it to a running
 * `envsync run` (after its child says it started) and to a `push` held before its write,
 * waits for the line the process prints on stderr in answer (envsync's "ignoring SIGUSR1",
 * or Node's "Debugger listening"), then reads /proc for any TCP socket that process
 * listens on. No sleep: every step waits for a marker.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { canary, IS_BINARY, PAUSE_ENV, PAUSED, runCli, startCli, tempDir } from "./helpers.js";

/** The answer to SIGUSR1: envsync's own line, or Node's inspector announcing itself. */
const ANSWER = /ignoring SIGUSR1|Debugger listening|Starting inspector/;

/** TCP ports the process `pid` listens on (Linux: its socket inodes in /proc/net/tcp{,6}). */
function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      /* closed meanwhile */
    }
  }
  const ports: number[] = [];
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    for (const line of readFileSync(table, "utf8").split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      // local_address is f[1] (HEX_IP:HEX_PORT), st is f[3] (0A = LISTEN), inode is f[9].
      if (f.length > 9 && f[3] === "0A" && inodes.has(f[9]!))
        ports.push(parseInt(f[1]!.split(":")[1]!, 16));
    }
  }
  return ports;
}

const SIGUSR1_BIT = 1n << 9n; // signal 10, bit 9 of the masks in /proc/PID/status

/** The signal mask `field` (SigBlk, ShdPnd…) of a /proc status text. */
function mask(status: string, field: string): bigint {
  const m = new RegExp(`^${field}:\\s*([0-9a-f]+)$`, "m").exec(status);
  return m ? BigInt(`0x${m[1]!}`) : 0n;
}

/**
 * True when every thread of `pid` blocks SIGUSR1 (the standalone binary runs with
 * `--disable-sigusr1`: Node keeps the signal blocked and starts no thread to take it),
 * so a SIGUSR1 sent to it stays pending and can never act. The npm package instead
 * takes the signal with a listener of its own and says so.
 */
function blocksSigusr1(pid: number): boolean {
  return readdirSync(`/proc/${pid}/task`).every(
    (t) =>
      (mask(readFileSync(`/proc/${pid}/task/${t}/status`, "utf8"), "SigBlk") & SIGUSR1_BIT) !== 0n,
  );
}

/** Sends SIGUSR1 to `pid`, then waits for envsync's answer unless the signal is ignored or held. */
async function sendSigusr1(
  cli: { child: ChildProcess },
  wait: (re: RegExp) => Promise<unknown>,
): Promise<boolean> {
  const pid = cli.child.pid!;
  const ignored = blocksSigusr1(pid);
  // The binary keeps the signal blocked; the npm package answers it (a listener of its own).
  expect(ignored).toBe(IS_BINARY);
  cli.child.kill("SIGUSR1");
  if (ignored)
    // kill() has made it pending on the process before it returns: held, never delivered.
    expect(mask(readFileSync(`/proc/${pid}/status`, "utf8"), "ShdPnd") & SIGUSR1_BIT).toBe(
      SIGUSR1_BIT,
    );
  else await wait(ANSWER);
  return ignored;
}

function project(): { dir: string; secret: string } {
  const dir = tempDir("envsync-inspector-");
  const secret = canary("INSPECT");
  writeFileSync(join(dir, "remote.json"), JSON.stringify({ SECRET: secret }));
  return { dir, secret };
}

describe("SIGUSR1 opens no inspector", () => {
  it("envsync run: the signal is ignored or held, no port opens, the child runs on and its exit code is kept", async () => {
    const { dir } = project();
    // The child says it started, then waits until envsync forwards SIGTERM to it.
    const child = `process.stderr.write("CHILD READY\\n"); process.on("SIGTERM", () => process.exit(7)); setInterval(() => {}, 1 << 30);`;
    const cli = startCli(["run", "-r", "file:remote.json", "--", process.execPath, "-e", child], {
      cwd: dir,
    });
    await cli.waitForStderr(/CHILD READY/);
    const pid = cli.child.pid!;
    let ports: number[];
    let ignored = false;
    try {
      expect(listeningPorts(pid)).toEqual([]);
      ignored = await sendSigusr1(cli, (re) => cli.waitForStderr(re));
      ports = listeningPorts(pid);
    } finally {
      cli.child.kill("SIGTERM");
    }
    expect(ports).toEqual([]);
    const r = await cli.done;
    expect(r.stderr).not.toMatch(/Debugger listening|Starting inspector/);
    if (!ignored) expect(r.stderr).toMatch(/ignoring SIGUSR1/);
    expect(r.code, r.stderr).toBe(7);
  });

  it("a push held before its write: the signal is ignored or held, no port opens, the push completes", async () => {
    const { dir } = project();
    writeFileSync(join(dir, ".env"), `SECRET=${canary("LOCAL")}\n`);
    const cli = startCli(["push", "-r", "file:remote.json"], { cwd: dir, env: PAUSE_ENV });
    await cli.waitForStderr(PAUSED);
    const pid = cli.child.pid!;
    let ports: number[];
    let ignored = false;
    try {
      ignored = await sendSigusr1(cli, (re) => cli.waitForStderr(re));
      ports = listeningPorts(pid);
    } finally {
      cli.child.kill("SIGUSR2"); // releases the held write (src/test-hooks.ts)
    }
    expect(ports).toEqual([]);
    const r = await cli.done;
    expect(r.stderr).not.toMatch(/Debugger listening|Starting inspector/);
    if (!ignored) expect(r.stderr).toMatch(/ignoring SIGUSR1/);
    expect(r.code, r.stderr).toBe(0);
  });

  it("the listing helper sees a Node process that does open its inspector (the check can fail)", async () => {
    const dir = tempDir("envsync-inspector-");
    // A plain node process, port 0 so as not to meet another inspector on this machine.
    const node = spawn(
      process.execPath,
      ["--inspect-port=0", "-e", 'process.stderr.write("UP\\n"); setInterval(() => {}, 1 << 30)'],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    let err = "";
    const seen = (re: RegExp): Promise<void> =>
      new Promise((resolve) => {
        const check = (): void => {
          if (re.test(err)) resolve();
        };
        node.stderr.setEncoding("utf8").on("data", (d: string) => {
          err += d;
          check();
        });
        check();
      });
    await seen(/UP/);
    node.kill("SIGUSR1");
    await seen(/Debugger listening on ws:\/\/127\.0\.0\.1:(\d+)/);
    const port = Number(/127\.0\.0\.1:(\d+)/.exec(err)![1]);
    expect(listeningPorts(node.pid!)).toContain(port);
    node.kill("SIGKILL");
    // And envsync itself still runs normally after all this.
    expect((await runCli(["--version"], { cwd: dir })).code).toBe(0);
  });
});
