/**
 * `envsync run --watch` on the built binary, on a file: remote and on AWS Secrets
 * Manager (moto behind toxiproxy). The child is a small node script that prints
 * marker lines on stderr (start with its value, SIGTERM, SIGHUP) and ends with
 * code 7 when the test sends it SIGUSR2 (the child ending by itself). Every wait is on
 * a marker line of envsync or of the child — never on time: with `-v` envsync prints
 * one `unchanged` line per poll, so "not restarted" is checked after further polls.
 * On a cloud store that line names the SDK calls the poll made: on per-key Secrets
 * Manager only ListSecrets, never a value-reading call. On per-key Azure Key Vault and
 * Google Secret Manager the stand-ins count the calls that return a value.
 */
import { randomUUID } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { RunningEmulator } from "../harness/common.js";
import { startGsm } from "../harness/emulators/gsm.js";
import { requireEnv } from "../harness/require-env.js";
import { Toxiproxy } from "../harness/toxiproxy-client.js";
import { runCli, startCli, tempDir, type CliResult, type RunningCli } from "./helpers.js";

/** The child: prints markers, stays alive until SIGTERM (or SIGUSR2: exit 7). */
const CHILD = `const ignoreTerm = process.argv[2] === "ignore-term";
process.on("SIGTERM", () => {
  process.stderr.write("child: term pid=" + process.pid + "\\n");
  if (!ignoreTerm) process.exit(0);
});
process.on("SIGHUP", () => process.stderr.write("child: hup pid=" + process.pid + " token=" + process.env.TOKEN + "\\n"));
process.on("SIGUSR2", () => process.exit(7));
setInterval(() => {}, 1 << 30);
// Last: the test signals the child once it has read this line.
process.stderr.write("child: start pid=" + process.pid + " token=" + process.env.TOKEN + "\\n");`;

/** stderr of a running CLI, with a wait on any condition of the text so far. */
interface Watched {
  readonly cli: RunningCli;
  readonly text: () => string;
  until(what: string, test: (text: string) => boolean): Promise<void>;
  readonly done: Promise<CliResult>;
}

function watched(cli: RunningCli): Watched {
  let text = "";
  const waiters: { test: (t: string) => boolean; resolve: () => void }[] = [];
  let ended: CliResult | null = null;
  cli.child.stderr!.on("data", (d: Buffer | string) => {
    text += String(d);
    for (const w of [...waiters])
      if (w.test(text)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
  });
  const done = cli.done.then((r) => (ended = r));
  return {
    cli,
    text: () => text,
    done,
    until: (what, test) =>
      new Promise((resolve, reject) => {
        if (test(text)) return resolve();
        waiters.push({ test, resolve });
        void done.then(() => {
          if (!test(text))
            reject(new Error(`envsync ended (${ended?.code}) before ${what}:\n${text}`));
        });
      }),
  };
}

const count = (text: string, re: RegExp): number =>
  [...text.matchAll(new RegExp(re.source, `${re.flags.replace("g", "")}g`))].length;
const starts = (t: string): number => count(t, /^child: start /m);
const terms = (t: string): number => count(t, /^child: term /m);
const unchanged = (t: string): number => count(t, / unchanged( \(calls: [^)]*\))?$/m);
const lastPid = (t: string): number =>
  Number([...t.matchAll(/^child: start pid=(\d+)/gm)].at(-1)![1]);

/** Waits until `n` more polls found the remote unchanged (so a wrong restart would have shown). */
async function morePolls(w: Watched, n: number): Promise<void> {
  const seen = unchanged(w.text());
  await w.until(`${n} more unchanged polls`, (t) => unchanged(t) >= seen + n);
}

/** Waits until `n` more failure lines (poll or read) appeared. */
async function moreFailures(w: Watched, kind: "poll" | "read", n: number): Promise<void> {
  const re = new RegExp(`cannot ${kind} .*the command keeps running`);
  const seen = count(w.text(), re);
  await w.until(`${n} more ${kind} failures`, (t) => count(t, re) >= seen + n);
}

function project(remote: string): string {
  const dir = tempDir("envsync-watch-");
  writeFileSync(join(dir, "child.cjs"), CHILD);
  writeFileSync(
    join(dir, "envsync.yaml"),
    `environments:\n  dev:\n    remote: ${JSON.stringify(remote)}\n`,
  );
  return dir;
}

/** Every watch a test started: a failed test must not leave envsync or its child behind. */
const running: Watched[] = [];
afterEach((ctx) => {
  for (const w of running.splice(0)) {
    if (ctx.task.result?.state === "fail") console.error(`stderr of envsync:\n${w.text()}`);
    for (const m of w.text().matchAll(/^child: start pid=(\d+)/gm)) {
      try {
        process.kill(Number(m[1]), "SIGKILL");
      } catch {
        // ended already
      }
    }
    if (w.cli.child.exitCode === null) w.cli.child.kill("SIGKILL");
  }
});

function startWatch(dir: string, extra: string[] = [], childArgs: string[] = []): Watched {
  const w = watched(
    startCli(
      [
        "run",
        "--watch",
        "--watch-interval",
        "20",
        "-v",
        ...extra,
        "--",
        process.execPath,
        "child.cjs",
        ...childArgs,
      ],
      { cwd: dir },
    ),
  );
  running.push(w);
  return w;
}

describe("envsync run --watch (file: remote)", () => {
  it("restarts once per change, never on a failed read or an unreachable remote, and exits with the child's code", async () => {
    const dir = project("file:remote.env");
    const remote = join(dir, "remote.env");
    writeFileSync(remote, "TOKEN=v1\n");
    const w = startWatch(dir);
    await w.until("the first start", (t) => /child: start .*token=v1/.test(t));
    await morePolls(w, 3);
    expect(starts(w.text())).toBe(1);

    // A change: the new values are read, the child gets SIGTERM, then starts again, once.
    writeFileSync(remote, "TOKEN=v2\n");
    await w.until("the restart", (t) => /child: start .*token=v2/.test(t));
    await morePolls(w, 3);
    let t = w.text();
    expect([starts(t), terms(t)]).toEqual([2, 1]);
    expect(t.indexOf("changed; reading the new values")).toBeLessThan(t.indexOf("child: term"));
    expect(t.indexOf("child: term")).toBeLessThan(t.indexOf("token=v2"));

    // A change that cannot be read (malformed): the child keeps running, untouched.
    writeFileSync(remote, 'TOKEN="v3\n');
    await moreFailures(w, "read", 2);
    expect([starts(w.text()), terms(w.text())]).toEqual([2, 1]);
    // The remote unreachable (a folder where the file was): the child keeps running.
    rmSync(remote);
    mkdirSync(remote);
    await moreFailures(w, "poll", 2);
    expect([starts(w.text()), terms(w.text())]).toEqual([2, 1]);
    expect(() => process.kill(lastPid(w.text()), 0)).not.toThrow();

    // Back, with a new value: one restart.
    rmSync(remote, { recursive: true });
    writeFileSync(remote, "TOKEN=v3\n");
    await w.until("the second restart", (t) => /child: start .*token=v3/.test(t));
    await morePolls(w, 2);
    t = w.text();
    expect([starts(t), terms(t)]).toEqual([3, 2]);

    // The child ends by itself with 7: envsync exits 7.
    process.kill(lastPid(t), "SIGUSR2");
    const r = await w.done;
    expect(r.code).toBe(7);
  });

  it("--watch-signal SIGHUP signals instead of restarting; --json reports it", async () => {
    const dir = project("file:remote.env");
    writeFileSync(join(dir, "remote.env"), "TOKEN=v1\n");
    const w = startWatch(dir, ["--watch-signal", "SIGHUP", "--json"]);
    await w.until("the start", (t) => /child: start /.test(t));
    await morePolls(w, 2);
    writeFileSync(join(dir, "remote.env"), "TOKEN=v2\n");
    await w.until("the signal", (t) => /child: hup /.test(t));
    await morePolls(w, 2);
    expect([starts(w.text()), terms(w.text())]).toEqual([1, 0]);
    process.kill(lastPid(w.text()), "SIGUSR2");
    const r = await w.done;
    expect(r.code).toBe(7);
    expect(JSON.parse(r.stdout)).toMatchObject({ exitCode: 7, restarts: 0, signalsSent: 1 });
  });

  it("a child that ignores SIGTERM is killed after --grace", async () => {
    const dir = project("file:remote.env");
    writeFileSync(join(dir, "remote.env"), "TOKEN=v1\n");
    const w = startWatch(dir, ["--grace", "200"], ["ignore-term"]);
    await w.until("the start", (t) => /child: start /.test(t));
    writeFileSync(join(dir, "remote.env"), "TOKEN=v2\n");
    await w.until("the restart", (t) => /child: start .*token=v2/.test(t));
    const t = w.text();
    expect(t).toMatch(/child: term [\s\S]*outlived its grace period: SIGKILL[\s\S]*token=v2/);
    process.kill(lastPid(t), "SIGUSR2");
    expect((await w.done).code).toBe(7);
  });

  it("refuses its flags without --watch, and a bad interval (exit 2, nothing started)", async () => {
    const dir = project("file:remote.env");
    writeFileSync(join(dir, "remote.env"), "TOKEN=v1\n");
    let r = await runCli(["run", "--grace", "5", "--", process.execPath, "child.cjs"], {
      cwd: dir,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/need --watch/);
    r = await runCli(["run", "--watch", "--watch-interval", "0", "--", "true"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--watch-interval must be/);
    expect(r.stderr).not.toMatch(/child: start/);
  });
});

describe("envsync run --watch (AWS Secrets Manager on moto, through toxiproxy)", () => {
  it("restarts once per change; keeps the child while moto is unreachable", async () => {
    const moto = new URL(requireEnv("ENVSYNC_TEST_MOTO_ENDPOINT", "moto"));
    const tp = new Toxiproxy();
    const id = randomUUID().slice(0, 8);
    const proxy = await tp.createProxy(`watch-${id}`, moto.host);
    try {
      const uri = (endpoint: string): string =>
        `aws-sm://watch-${id}?region=us-east-1&endpoint=${encodeURIComponent(endpoint)}`;
      const direct = uri(moto.origin);
      const seed = tempDir("envsync-watch-seed-");
      const push = async (value: string): Promise<void> => {
        writeFileSync(join(seed, ".env"), `TOKEN=${value}\n`);
        const r = await runCli(["push", "--remote", direct], { cwd: seed });
        expect(r.code, r.stderr).toBe(0);
      };
      await push("v1");
      const dir = project(uri(`http://${proxy.listen}`));
      const w = startWatch(dir, ["--retries", "0", "--timeout", "5000"]);
      await w.until("the start", (t) => /child: start .*token=v1/.test(t));
      await morePolls(w, 3);
      expect(starts(w.text())).toBe(1);

      await push("v2");
      await w.until("the restart", (t) => /child: start .*token=v2/.test(t));
      await morePolls(w, 3);
      expect([starts(w.text()), terms(w.text())]).toEqual([2, 1]);

      // moto unreachable: polls fail, the child keeps running; a change meanwhile is
      // picked up once moto is back.
      await tp.setEnabled(proxy.name, false);
      await moreFailures(w, "poll", 2);
      await push("v3");
      await moreFailures(w, "poll", 1);
      expect([starts(w.text()), terms(w.text())]).toEqual([2, 1]);
      expect(() => process.kill(lastPid(w.text()), 0)).not.toThrow();
      await tp.setEnabled(proxy.name, true);
      await w.until("the restart after the outage", (t) => /child: start .*token=v3/.test(t));
      await morePolls(w, 2);
      expect([starts(w.text()), terms(w.text())]).toEqual([3, 2]);

      process.kill(lastPid(w.text()), "SIGUSR2");
      expect((await w.done).code).toBe(7);
    } finally {
      await tp.deleteProxy(proxy.name);
    }
  });
});

describe("envsync run --watch (AWS Secrets Manager per-key on moto)", () => {
  it("restarts once per change; while nothing changed each poll is one ListSecrets, no value read", async () => {
    const moto = requireEnv("ENVSYNC_TEST_MOTO_ENDPOINT", "moto");
    const id = randomUUID().slice(0, 8);
    const remote = `aws-sm://watch-pk-${id}/*?region=us-east-1&endpoint=${encodeURIComponent(moto)}`;
    const seed = tempDir("envsync-watch-seed-");
    const push = async (text: string): Promise<void> => {
      writeFileSync(join(seed, ".env"), text);
      const r = await runCli(["push", "--remote", remote], { cwd: seed });
      expect(r.code, r.stderr).toBe(0);
    };
    await push("TOKEN=v1\n");
    const w = startWatch(project(remote));
    await w.until("the start", (t) => /child: start .*token=v1/.test(t));
    await morePolls(w, 3);
    expect(starts(w.text())).toBe(1);

    await push("TOKEN=v2\n"); // a value changed
    await w.until("the restart", (t) => /child: start .*token=v2/.test(t));
    await morePolls(w, 3);
    expect([starts(w.text()), terms(w.text())]).toEqual([2, 1]);

    await push("TOKEN=v2\nADDED=x\n"); // a key added
    await w.until("the restart for the added key", (t) => starts(t) === 3);
    await morePolls(w, 3);
    expect([starts(w.text()), terms(w.text())]).toEqual([3, 2]);

    // Every poll that found nothing changed made one ListSecrets and nothing else:
    // no BatchGetSecretValue / GetSecretValue (no value read) while nothing changed.
    const polls = [...w.text().matchAll(/ unchanged(.*)$/gm)].map((m) => m[1]);
    expect(polls.length).toBeGreaterThanOrEqual(9);
    expect(new Set(polls)).toEqual(new Set([" (calls: ListSecrets 1)"]));

    process.kill(lastPid(w.text()), "SIGUSR2");
    expect((await w.done).code).toBe(7);
  });
});

/**
 * The per-key story on a store whose poll counts are read at the stand-in: the child
 * restarted once per change (a value changed, a key added, a key deleted), and while
 * nothing changed no answer carried a value (`reads()` counts them at the stand-in).
 */
async function perKeyWatch(remote: string, reads: () => Promise<number>): Promise<void> {
  const seed = tempDir("envsync-watch-seed-");
  const push = async (text: string): Promise<void> => {
    writeFileSync(join(seed, ".env"), text);
    const r = await runCli(["push", "--remote", remote, "--prune", "--yes"], { cwd: seed });
    expect(r.code, r.stderr).toBe(0);
  };
  /**
   * `n` more polls found nothing changed, and none of them read a value. The phase
   * starts after one more poll: a probe that straddled the last push (its listing
   * before the write, its version listing after it) restarts the child, and the next
   * poll sees the version move once more and re-reads the same values, keeping the
   * child (an "unchanged" line after "changed"); that read belongs to the change.
   */
  const quiet = async (w: Watched, n: number): Promise<void> => {
    await morePolls(w, 1);
    const before = await reads();
    await morePolls(w, n);
    // On failure the watch's own lines say which poll read (its "changed" and
    // "unchanged (calls: …)" events).
    expect(await reads(), `value reads while nothing changed; the watch said:\n${w.text()}`).toBe(
      before,
    );
  };
  await push("TOKEN=v1\n");
  const w = startWatch(project(remote));
  await w.until("the start", (t) => /child: start .*token=v1/.test(t));
  await quiet(w, 5);
  expect(starts(w.text())).toBe(1);

  const r0 = await reads();
  await push("TOKEN=v2\n"); // a value changed
  await w.until("the restart", (t) => /child: start .*token=v2/.test(t));
  expect(await reads()).toBeGreaterThan(r0); // the change was read: the count can move
  await quiet(w, 5);
  expect([starts(w.text()), terms(w.text())]).toEqual([2, 1]);

  await push("TOKEN=v2\nADDED=x\n"); // a key added
  await w.until("the restart for the added key", (t) => starts(t) === 3);
  await quiet(w, 5);
  expect([starts(w.text()), terms(w.text())]).toEqual([3, 2]);

  await push("TOKEN=v2\n"); // a key deleted
  await w.until("the restart for the deleted key", (t) => starts(t) === 4);
  await quiet(w, 5);
  expect([starts(w.text()), terms(w.text())]).toEqual([4, 3]);

  process.kill(lastPid(w.text()), "SIGUSR2");
  expect((await w.done).code).toBe(7);
}

describe("envsync run --watch (Azure Key Vault per-key on the stand-in)", () => {
  it("restarts once per change; while nothing changed no poll reads a value", async () => {
    const vault = requireEnv("ENVSYNC_TEST_LOWKEY_URL", "lowkey");
    const control = requireEnv("ENVSYNC_TEST_KV_CONTROL_URL", "lowkey");
    const prefix = `w${randomUUID().replace(/-/g, "").slice(0, 8)}-`;
    await perKeyWatch(`azure-kv://${vault}/${prefix}*`, async () => {
      const r = await fetch(`${control}/value-reads?scope=${prefix}`);
      return ((await r.json()) as { reads: number }).reads;
    });
  });
});

describe("envsync run --watch (Google Secret Manager per-key on the emulator)", () => {
  let gsm: RunningEmulator;
  beforeAll(async () => {
    gsm = await startGsm({ own: true, control: true });
  });
  afterAll(() => gsm.stop());

  it("restarts once per change; while nothing changed no poll calls AccessSecretVersion", async () => {
    const project = `envsync-watch-${randomUUID().slice(0, 8)}`;
    const endpoint = gsm.env.ENVSYNC_TEST_GSM_ENDPOINT!;
    const control = gsm.env.ENVSYNC_TEST_GSM_CONTROL_URL!;
    await perKeyWatch(`gcp-sm://${project}/app_*?endpoint=http://${endpoint}`, async () => {
      const r = await fetch(`${control}/calls?scope=projects/${project}/`);
      return ((await r.json()) as Record<string, number>).AccessSecretVersion ?? 0;
    });
  });
});
