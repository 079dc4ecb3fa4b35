/**
 * Sound local state (issue 12, items 4 and 6): `.envsync/state.json` is updated under
 * a lock, so two environments synced at the same instant both keep their base (and a
 * key a teammate deletes is not resurrected by the next sync); `file:` history
 * entries are written atomically after the remote write and verified before a
 * rollback; locks left by killed runs heal; leftover temp files are cleaned; a FIFO
 * given as a `file:` remote is refused; folders are 0700 under `umask 000`; a full
 * disk is an I/O error with a hint wherever it strikes. Every value is a canary.
 *
 * Simultaneous runs are synchronised on explicit signals: each run pauses before
 * writing (ENVSYNC_PAUSE_BEFORE_WRITE) and prints a marker; once both have printed
 * it, both are released with SIGUSR2 together.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statfsSync,
  statSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parse } from "../../src/dotenv/index.js";
import { BaseStore } from "../../src/state/base-state.js";
import {
  CanaryGuard,
  PAUSED,
  PAUSE_ENV,
  filesUnder,
  hasStackTrace,
  runCli,
  startCli,
  tempDir,
  type CliResult,
} from "./helpers.js";

const guard = new CanaryGuard();

/** A working copy `w/` with environments dev and prod, each its own .env and file: remote. */
function twoEnvironments(): { root: string; w: string; d0: string; p0: string } {
  const root = tempDir("envsync-state-");
  const w = join(root, "w");
  mkdirSync(w);
  writeFileSync(
    join(w, "envsync.yaml"),
    [
      "environments:",
      "  dev:",
      "    remote: file:../dev.env",
      "    file: .env.dev",
      "  prod:",
      "    remote: file:../prod.env",
      "    file: .env.prod",
      "",
    ].join("\n"),
  );
  const d0 = guard.make("D0");
  const p0 = guard.make("P0");
  writeFileSync(join(w, ".env.dev"), `D0=${d0}\n`);
  writeFileSync(join(w, ".env.prod"), `P0=${p0}\n`);
  return { root, w, d0, p0 };
}

/** Starts `args` in every cwd paused before writing; releases all together; waits. */
async function together(runs: { args: string[]; cwd: string }[]): Promise<CliResult[]> {
  const started = runs.map((r) => startCli(r.args, { cwd: r.cwd, env: PAUSE_ENV }));
  await Promise.all(started.map((s) => s.waitForStderr(PAUSED)));
  for (const s of started) s.child.kill("SIGUSR2");
  return Promise.all(started.map((s) => s.done));
}

function appendKey(path: string, key: string, value: string): void {
  writeFileSync(path, readFileSync(path, "utf8") + `${key}=${value}\n`);
}

function dropKey(path: string, key: string): void {
  const text = readFileSync(path, "utf8");
  writeFileSync(
    path,
    text
      .split("\n")
      .filter((l) => !l.startsWith(`${key}=`))
      .join("\n"),
  );
}

describe("state.json under concurrent syncs of two environments", () => {
  it("sync -e dev & sync -e prod at the same instant keep both bases; a key a teammate deletes stays deleted (20 rounds)", async () => {
    const { root, w, d0, p0 } = twoEnvironments();
    // The first syncs, at the same instant, both create the HMAC key: one key must
    // result, the one both bases were hashed with.
    for (const r of await together([
      { args: ["sync", "-e", "dev"], cwd: w },
      { args: ["sync", "-e", "prod"], cwd: w },
    ]))
      expect(r.code, r.stderr).toBe(0);
    const first = new BaseStore(w);
    const h = first.hasher(false)!;
    expect(first.get(".env.dev", "file:../dev.env")?.keys).toEqual({ D0: h("D0", d0) });
    expect(first.get(".env.prod", "file:../prod.env")?.keys).toEqual({ P0: h("P0", p0) });
    const rounds = 20;
    let lostBases = 0;
    let resurrected = 0;
    for (let i = 1; i <= rounds; i++) {
      const d = guard.make(`D${i}`);
      const p = guard.make(`P${i}`);
      appendKey(join(w, ".env.dev"), `D${i}`, d);
      appendKey(join(w, ".env.prod"), `P${i}`, p);
      const results = await together([
        { args: ["sync", "-e", "dev"], cwd: w },
        { args: ["sync", "-e", "prod"], cwd: w },
      ]);
      for (const r of results) expect(r.code, r.stderr).toBe(0);
      // Both bases hold this round's key.
      const base = new BaseStore(w);
      const devBase = base.get(".env.dev", "file:../dev.env");
      const prodBase = base.get(".env.prod", "file:../prod.env");
      if (!devBase?.keys[`D${i}`] || !prodBase?.keys[`P${i}`]) lostBases++;
      // A teammate deletes the round's keys on the remotes; the next syncs must
      // delete them locally, not push them back.
      dropKey(join(root, "dev.env"), `D${i}`);
      dropKey(join(root, "prod.env"), `P${i}`);
      for (const env of ["dev", "prod"]) {
        const r = await runCli(["sync", "-e", env], { cwd: w });
        expect(r.code, r.stderr).toBe(0);
      }
      const devRemote = parse(readFileSync(join(root, "dev.env"), "utf8"));
      const prodRemote = parse(readFileSync(join(root, "prod.env"), "utf8"));
      const devLocal = parse(readFileSync(join(w, ".env.dev"), "utf8"));
      const prodLocal = parse(readFileSync(join(w, ".env.prod"), "utf8"));
      if (`D${i}` in devRemote || `P${i}` in prodRemote) resurrected++;
      expect(devLocal).toEqual(devRemote);
      expect(prodLocal).toEqual(prodRemote);
    }
    process.stdout.write(
      `[local-state] ${rounds} simultaneous rounds: bases lost ${lostBases}, keys resurrected ${resurrected}\n`,
    );
    expect({ lostBases, resurrected }).toEqual({ lostBases: 0, resurrected: 0 });
    const all = guard.values;
    guard.checkWorkingCopy(w, {
      ".env.dev": all,
      ".env.prod": all,
      "dev.env": all,
      "prod.env": all,
    });
    // 80 CLI runs: a safety bound for a machine under a CPU hog, not a timing assertion.
  }, 600_000);
});

/**
 * A small tmpfs (needs root, as the suite runs in CI and here), so writes fail with
 * the real ENOSPC; `fill` leaves only `leave` bytes free; `readOnly` remounts it so
 * writes fail with EROFS.
 */
interface Tmpfs {
  dir: string;
  fill(leave: number): void;
  readOnly(): void;
  cleanup(): void;
}
const mounted: Tmpfs[] = [];
afterEach(() => {
  for (const m of mounted.splice(0)) m.cleanup();
});

function tmpfs(size = "256k"): Tmpfs {
  const dir = tempDir("envsync-tmpfs-");
  const r = spawnSync("mount", ["-t", "tmpfs", "-o", `size=${size},mode=0755`, "tmpfs", dir], {
    encoding: "utf8",
  });
  if (r.status !== 0) {
    throw new Error(
      `mounting a tmpfs failed (${r.stderr.trim()}): the full-disk tests run as root (CI does).`,
    );
  }
  const m: Tmpfs = {
    dir,
    fill(leave) {
      const st = statfsSync(dir);
      const free = Number(st.bavail) * Number(st.bsize);
      writeFileSync(
        join(dir, `filler-${mounted.length}-${Math.random()}`),
        Buffer.alloc(Math.max(0, free - leave)),
      );
    },
    readOnly() {
      const ro = spawnSync("mount", ["-o", "remount,ro", dir], { encoding: "utf8" });
      if (ro.status !== 0) throw new Error(`remount read-only failed: ${ro.stderr}`);
    },
    cleanup() {
      spawnSync("umount", ["-l", dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  mounted.push(m);
  return m;
}

/** The I/O error a full (or read-only) disk must give: exit 1, the errno code, a hint. */
function expectIoError(r: CliResult, code: RegExp): void {
  expect(r.code, r.stderr).toBe(1);
  expect(r.stderr).toMatch(/error \[IO\]/);
  expect(r.stderr).toMatch(code);
  expect(r.stderr).toMatch(/hint: /);
  expect(r.stderr).not.toMatch(/nexpected|report it/);
  expect(hasStackTrace(r.stderr)).toBe(false);
}

const temps = (dir: string): string[] => filesUnder(dir).filter((f) => f.endsWith(".tmp"));
const big = (tag: string, kb: number): string =>
  Array.from({ length: kb }, (_, i) => `K${i}=${tag}${"x".repeat(1000)}`).join("\n") + "\n";
const sha16 = (text: string): string =>
  createHash("sha256").update(text).digest("hex").slice(0, 16);

async function versions(cwd: string, remote: string): Promise<{ id: string; current: boolean }[]> {
  const r = await runCli(["history", "--json", "-r", remote], { cwd });
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { versions: { id: string; current: boolean }[] }).versions;
}

describe("file: history", () => {
  for (const kb of [150, 100]) {
    it(`a full disk under the remote (${kb} KB remote, 256 KiB tmpfs): exit 1 with the I/O error; no entry listed, none cut short, no temp file`, async () => {
      const disk = tmpfs();
      const remote = join(disk.dir, "r.env");
      const oldText = big(guard.make("OLD"), kb);
      writeFileSync(remote, oldText, { mode: 0o600 });
      const w = tempDir("envsync-hist-w-");
      writeFileSync(join(w, ".env"), big(guard.make("NEW"), kb));
      const r = await guard.run(["push", "-r", `file:${remote}`], { cwd: w });
      expectIoError(r, /ENOSPC/);
      expect(readFileSync(remote, "utf8")).toBe(oldText);
      // Only the current version: no entry equal to it, none cut short.
      expect(await versions(w, `file:${remote}`)).toEqual([
        expect.objectContaining({ id: sha16(oldText), current: true }),
      ]);
      expect(temps(disk.dir)).toEqual([]);
      expect(existsSync(`${remote}.envsync-lock`)).toBe(false);
    });
  }

  it("an entry cut short or altered is never listed, and rollback never applies it", async () => {
    const root = tempDir("envsync-hist-");
    const w = join(root, "w");
    mkdirSync(w);
    const v1 = `A=${guard.make("A1")}\nB=${guard.make("B1")}\n`;
    writeFileSync(join(w, ".env"), v1);
    expect((await runCli(["push", "-r", "file:../r.env"], { cwd: w })).code).toBe(0);
    writeFileSync(join(w, ".env"), `A=${guard.make("A2")}\nB=${guard.make("B2")}\n`);
    expect((await runCli(["push", "-r", "file:../r.env"], { cwd: w })).code).toBe(0);
    const listed = await versions(w, "file:../r.env");
    expect(listed.map((v) => v.id)).toEqual([expect.any(String), sha16(v1)]);
    // The entry holding v1 is cut short (as a full disk or crash leaves it).
    const histDir = join(root, ".envsync-history", "r.env");
    const [entry] = readdirSync(histDir).filter((n) => !n.startsWith("."));
    truncateSync(join(histDir, entry!), 10);
    const cut = readFileSync(join(histDir, entry!), "utf8");
    const now = readFileSync(join(root, "r.env"), "utf8");
    expect((await versions(w, "file:../r.env")).map((v) => v.id)).toEqual([sha16(now)]);
    for (const id of [sha16(v1), sha16(cut)]) {
      const rb = await runCli(["rollback", "--to", id, "--yes", "-r", "file:../r.env"], { cwd: w });
      expect(rb.code, rb.stderr).toBe(1);
      expect(readFileSync(join(root, "r.env"), "utf8")).toBe(now);
    }
  });
});

describe("a full disk or read-only folder anywhere is an I/O error with a hint", () => {
  it("the .env write (pull of a remote larger than the free space)", async () => {
    const disk = tmpfs();
    const w = join(disk.dir, "w");
    mkdirSync(w);
    const remote = join(tempDir("envsync-remote-"), "r.env");
    writeFileSync(remote, big(guard.make("R"), 300));
    const local = `L=${guard.make("L")}\n`;
    writeFileSync(join(w, ".env"), local);
    const r = await guard.run(["pull", "-r", `file:${remote}`], { cwd: w });
    expectIoError(r, /ENOSPC/);
    expect(readFileSync(join(w, ".env"), "utf8")).toBe(local);
    expect(temps(disk.dir)).toEqual([]);
  });

  it("the state write (push: the remote is elsewhere, only state.json is written here)", async () => {
    const disk = tmpfs();
    const w = join(disk.dir, "w");
    mkdirSync(w);
    const remote = `file:${join(tempDir("envsync-remote-"), "r.env")}`;
    writeFileSync(join(w, ".env"), `A=${guard.make("A")}\n`);
    expect((await runCli(["sync", "-r", remote], { cwd: w })).code).toBe(0);
    writeFileSync(join(w, ".env"), `A=${guard.make("A")}\nB=${guard.make("B")}\n`);
    disk.fill(0);
    const r = await guard.run(["sync", "-r", remote], { cwd: w });
    expectIoError(r, /ENOSPC/);
    expect(temps(disk.dir)).toEqual([]);
  });

  it("the backup write (the .env backup needs more than the free space)", async () => {
    const disk = tmpfs();
    const w = join(disk.dir, "w");
    mkdirSync(w);
    const remoteDir = tempDir("envsync-remote-");
    const remote = `file:${join(remoteDir, "r.env")}`;
    const local = big(guard.make("L"), 60);
    writeFileSync(join(w, ".env"), local);
    expect((await runCli(["sync", "-r", remote], { cwd: w })).code).toBe(0);
    // The remote gains a key: pulling it backs .env up first (60 KB), with 8 KB free.
    writeFileSync(
      join(remoteDir, "r.env"),
      readFileSync(join(remoteDir, "r.env"), "utf8") + `Z=${guard.make("Z")}\n`,
    );
    disk.fill(8 * 1024);
    const r = await guard.run(["sync", "-r", remote], { cwd: w });
    expectIoError(r, /ENOSPC/);
    expect(r.stderr).toMatch(/back up/);
    expect(readFileSync(join(w, ".env"), "utf8")).toBe(local);
    expect(temps(disk.dir)).toEqual([]);
  });

  it("the file: remote write on a read-only file system (EROFS)", async () => {
    const disk = tmpfs();
    writeFileSync(join(disk.dir, "r.env"), `A=${guard.make("A")}\n`);
    const w = tempDir("envsync-ro-w-");
    writeFileSync(join(w, ".env"), `A=${guard.make("A")}\n`);
    disk.readOnly();
    const r = await guard.run(["push", "-r", `file:${join(disk.dir, "r.env")}`], { cwd: w });
    expectIoError(r, /EROFS/);
    expect(r.stderr).toMatch(/read-only/);
  });

  it("the .env write on a read-only file system (EROFS)", async () => {
    const disk = tmpfs();
    const w = join(disk.dir, "w");
    mkdirSync(w);
    writeFileSync(join(w, ".env"), `A=${guard.make("A")}\n`);
    const remote = join(tempDir("envsync-remote-"), "r.env");
    writeFileSync(remote, `A=${guard.make("A")}\nB=${guard.make("B")}\n`);
    disk.readOnly();
    const r = await guard.run(["pull", "-r", `file:${remote}`], { cwd: w });
    expectIoError(r, /EROFS/);
  });
});

/** The pid of a process that has ended (for leftovers "of a killed run"). */
function deadPid(): number {
  return spawnSync(process.execPath, ["-e", "0"]).pid;
}

describe("locks that heal", () => {
  it("a live lock is reported with its pid and time (exit 5, not 'the remote changed'); once its holder is SIGKILLed, the next run breaks it at once with a note", async () => {
    const root = tempDir("envsync-lock-");
    const w = join(root, "w");
    mkdirSync(w);
    writeFileSync(join(w, ".env"), `A=${guard.make("A")}\n`);
    const holder = startCli(["push", "-r", "file:../r.env"], {
      cwd: w,
      env: { ENVSYNC_PAUSE_HOLDING_LOCK: "120000" },
    });
    await holder.waitForStderr(/holding the lock/);
    const lock = join(root, "r.env.envsync-lock");
    expect(existsSync(lock)).toBe(true);
    const blocked = await guard.run(["push", "-r", "file:../r.env"], {
      cwd: w,
      env: { ENVSYNC_LOCK_WAIT_MS: "0" },
    });
    expect(blocked.code, blocked.stderr).toBe(5);
    expect(blocked.stderr).toContain("[LOCKED]");
    expect(blocked.stderr).toMatch(
      new RegExp(`locked by pid ${holder.child.pid} since \\d{4}-\\d\\d-\\d\\dT`),
    );
    expect(blocked.stderr).not.toMatch(/changed since it was read/);
    holder.child.kill("SIGKILL");
    expect((await holder.done).signal).toBe("SIGKILL");
    expect(existsSync(lock)).toBe(true); // a SIGKILL leaves it
    const healed = await guard.run(["push", "-r", "file:../r.env"], {
      cwd: w,
      env: { ENVSYNC_LOCK_WAIT_MS: "0" },
    });
    expect(healed.code, healed.stderr).toBe(0);
    expect(healed.stderr).toMatch(
      new RegExp(`broke the lock .*r\\.env\\.envsync-lock: left by pid ${holder.child.pid}`),
    );
    expect(existsSync(lock)).toBe(false);
    expect((await runCli(["check", "-r", "file:../r.env"], { cwd: w })).code).toBe(0);
  });

  it("a lock naming a process that is gone (as a killed run leaves it) is broken at once with a note", async () => {
    const root = tempDir("envsync-lock-dead-");
    const w = join(root, "w");
    mkdirSync(w);
    writeFileSync(join(w, ".env"), `A=${guard.make("A")}\n`);
    const dead = deadPid();
    writeFileSync(join(root, "r.env.envsync-lock"), String(dead)); // the 0.1 format: a bare pid
    const r = await guard.run(["push", "-r", "file:../r.env"], {
      cwd: w,
      env: { ENVSYNC_LOCK_WAIT_MS: "0" },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      new RegExp(`broke the lock .*left by pid ${dead}, which is no longer running`),
    );
    expect(existsSync(join(root, "r.env.envsync-lock"))).toBe(false);
  });

  it("a run ended by SIGINT while holding the lock removes it on the way out", async () => {
    const root = tempDir("envsync-lock-int-");
    const w = join(root, "w");
    mkdirSync(w);
    writeFileSync(join(w, ".env"), `A=${guard.make("A")}\n`);
    const holder = startCli(["push", "-r", "file:../r.env"], {
      cwd: w,
      env: { ENVSYNC_PAUSE_HOLDING_LOCK: "120000" },
    });
    await holder.waitForStderr(/holding the lock/);
    holder.child.kill("SIGINT");
    expect((await holder.done).code).toBe(130);
    expect(existsSync(join(root, "r.env.envsync-lock"))).toBe(false);
    const again = await guard.run(["push", "-r", "file:../r.env"], {
      cwd: w,
      env: { ENVSYNC_LOCK_WAIT_MS: "0" },
    });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).not.toMatch(/broke/);
  });

  it("temporary files left by killed writes are cleaned by the next run (remote, .env, backups, history, state)", async () => {
    const root = tempDir("envsync-leftover-");
    const w = join(root, "w");
    mkdirSync(w);
    writeFileSync(join(w, ".env"), `A=${guard.make("A")}\n`);
    expect((await runCli(["push", "-r", "file:../r.env"], { cwd: w })).code).toBe(0);
    writeFileSync(join(w, ".env"), `A=${guard.make("A")}\n`);
    expect((await runCli(["push", "-r", "file:../r.env"], { cwd: w })).code).toBe(0);
    const dead = deadPid();
    const hex = "0123456789ab";
    const hist = join(root, ".envsync-history", "r.env");
    const leftovers = [
      join(root, `.r.env.${dead}-${hex}.tmp`),
      join(w, `..env.${dead}-${hex}.tmp`),
      join(w, ".envsync", `.state.json.${dead}-${hex}.tmp`),
      join(w, ".envsync", "backups", `.env.20261201T100000000Z-${dead}-000001.bak.${hex}.tmp`),
      join(hist, `.${"0".repeat(15)}-${dead}-abc-${"f".repeat(64)}.tmp`),
    ];
    for (const f of leftovers) writeFileSync(f, `A=${guard.make("T")}\n`, { mode: 0o600 });
    // A temp file of a live process is left alone.
    const live = join(root, `.r.env.${process.pid}-${hex}.tmp`);
    writeFileSync(live, "");
    // One sync that writes the remote, .env (with a backup) and the state.
    writeFileSync(join(w, ".env"), `A=${guard.make("A")}\n`);
    writeFileSync(
      join(root, "r.env"),
      readFileSync(join(root, "r.env"), "utf8") + `B=${guard.make("B")}\n`,
    );
    const r = await guard.run(["sync", "-r", "file:../r.env", "--on-conflict", "local"], {
      cwd: w,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(leftovers.filter((f) => existsSync(f))).toEqual([]);
    expect(existsSync(live)).toBe(true);
  });
});

describe("special files given as a file: remote", () => {
  it("a FIFO is refused at once (exit 2) instead of hanging", async () => {
    const root = tempDir("envsync-fifo-");
    const w = join(root, "w");
    mkdirSync(w);
    writeFileSync(join(w, ".env"), `A=${guard.make("A")}\n`);
    spawnSync("mkfifo", [join(root, "r.env")]);
    for (const cmd of ["diff", "pull", "push", "sync", "history"]) {
      const r = await guard.run([cmd, "-r", "file:../r.env"], { cwd: w, timeoutMs: 20_000 });
      expect(r.code, `${cmd}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(/is a FIFO \(named pipe\), not a regular file/);
    }
  });

  it("a socket, a device and a folder are refused too (exit 2)", async () => {
    const root = tempDir("envsync-special-");
    const w = join(root, "w");
    mkdirSync(w);
    const server = createServer().listen(join(root, "r.sock"));
    await new Promise((res) => server.once("listening", res));
    mkdirSync(join(root, "folder.env"));
    try {
      for (const [target, kind] of [
        ["../r.sock", /a socket/],
        ["/dev/zero", /a device/],
        ["../folder.env", /a folder/],
      ] as const) {
        const r = await guard.run(["diff", "-r", `file:${target}`], { cwd: w, timeoutMs: 20_000 });
        expect(r.code, `${target}: ${r.stderr}`).toBe(2);
        expect(r.stderr).toMatch(kind);
      }
    } finally {
      server.close();
    }
  });
});

describe("folders and files under umask 000", () => {
  it("every folder envsync creates is 0700 and every file 0600", async () => {
    const root = tempDir("envsync-umask-");
    const w = join(root, "w");
    mkdirSync(w);
    writeFileSync(join(w, ".env"), `A=${guard.make("A")}\n`);
    const before = process.umask(0); // inherited by the CLI processes
    try {
      const remote = "file:../shared/deep/r.env";
      expect((await runCli(["push", "-r", remote], { cwd: w })).code).toBe(0);
      writeFileSync(join(w, ".env"), `A=${guard.make("A")}\n`);
      expect((await runCli(["push", "-r", remote], { cwd: w })).code).toBe(0);
      writeFileSync(join(root, "shared", "deep", "r.env"), `A=${guard.make("A")}\n`);
      expect((await runCli(["pull", "-r", remote], { cwd: w })).code).toBe(0);
      rmSync(join(w, ".env"));
      expect((await runCli(["pull", "-r", remote], { cwd: w })).code).toBe(0);
    } finally {
      process.umask(before);
    }
    const folders = [
      join(w, ".envsync"),
      join(w, ".envsync", "backups"),
      join(root, "shared"),
      join(root, "shared", "deep"),
      join(root, "shared", "deep", ".envsync-history"),
      join(root, "shared", "deep", ".envsync-history", "r.env"),
    ];
    const modes = (paths: string[]): Record<string, string> =>
      Object.fromEntries(paths.map((p) => [p, (statSync(p).mode & 0o777).toString(8)]));
    expect(modes(folders)).toEqual(Object.fromEntries(folders.map((p) => [p, "700"])));
    const files = [
      join(w, ".env"),
      join(root, "shared", "deep", "r.env"),
      ...filesUnder(join(w, ".envsync")),
      ...filesUnder(join(root, "shared", "deep", ".envsync-history")),
    ];
    expect(files.length).toBeGreaterThan(5);
    expect(modes(files)).toEqual(Object.fromEntries(files.map((p) => [p, "600"])));
  });
});

describe("a dangling .env symlink", () => {
  it("is refused (exit 1, naming the missing target), never replaced by a file nor read as empty", async () => {
    const root = tempDir("envsync-dangling-");
    const w = join(root, "w");
    mkdirSync(w);
    const a = guard.make("A");
    writeFileSync(join(root, "real.env"), `A=${a}\nB=${guard.make("B")}\n`);
    symlinkSync("../real.env", join(w, ".env"));
    expect((await runCli(["sync", "-r", "file:../r.env"], { cwd: w })).code).toBe(0);
    const remoteBefore = readFileSync(join(root, "r.env"), "utf8");
    // The link's target goes away (an unmounted folder, a moved file).
    rmSync(join(root, "real.env"));
    for (const args of [
      ["pull", "-r", "file:../r.env"],
      ["sync", "--yes", "-r", "file:../r.env"],
      ["diff", "-r", "file:../r.env"],
    ]) {
      const r = await guard.run(args, { cwd: w });
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(1);
      expect(r.stderr).toMatch(/\.env is a symbolic link to .*real\.env, which does not exist/);
      expect(lstatSync(join(w, ".env")).isSymbolicLink()).toBe(true);
      expect(existsSync(join(root, "real.env"))).toBe(false);
      expect(readFileSync(join(root, "r.env"), "utf8")).toBe(remoteBefore);
    }
  });
});
