/**
 * The two-working-copies story, told once and run on every store: two folders (A and
 * B) share one remote and go through add, a change on each side, delete (confirmed),
 * re-add, prune, conflicts and a concurrent writer, on the built binary. A store gets
 * the whole story with one line in its e2e file:
 *
 *     runTwoCopiesScenario("aws-sm bundle (moto)", () => `aws-sm://…`);
 *
 * `makeUri` returns a fresh remote for each test, usable from any folder (absolute
 * paths for `file:`). The remote is inspected in-process through the same store code
 * (test/support/remote-values.ts), so the story holds whatever the store's layout. Every value is a canary:
 * none may reach stdout, stderr or `.envsync/` (backups excepted). Nothing waits on a
 * clock: the concurrent writer is held by ENVSYNC_PAUSE_BEFORE_WRITE and released
 * explicitly once the other writer has finished.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "../../src/dotenv/index.js";
import {
  assertNoCanary,
  canary,
  filesUnder,
  modeOf,
  runCli,
  startPaused,
  tempDir,
  type CliResult,
} from "../e2e/helpers.js";
import { remoteValues as readRemote } from "../support/remote-values.js";

/** Options of {@link runTwoCopiesScenario}. */
export interface ScenarioOptions {
  /**
   * Environment every CLI run and the in-process remote reads get (e.g. credentials), or
   * a function returning it (read when a test runs); the harness's is inherited.
   */
  readonly env?: Record<string, string | undefined> | (() => Record<string, string | undefined>);
}

/** Registers the two-working-copies story for one store under `name`. */
export function runTwoCopiesScenario(
  name: string,
  makeUri: () => string,
  options: ScenarioOptions = {},
): void {
  const canaries: string[] = [];
  const mkCanary = (label: string): string => {
    const c = canary(label);
    canaries.push(c);
    return c;
  };

  const extraEnv = (): Record<string, string | undefined> =>
    typeof options.env === "function" ? options.env() : (options.env ?? {});
  async function cli(cwd: string, args: string[]): Promise<CliResult> {
    const r = await runCli(args, { cwd, env: extraEnv() });
    assertNoCanary(canaries, {
      [`stdout of envsync ${args.join(" ")}`]: r.stdout,
      [`stderr of envsync ${args.join(" ")}`]: r.stderr,
    });
    return r;
  }
  async function ok(cwd: string, args: string[]): Promise<CliResult> {
    const r = await cli(cwd, args);
    expect(r.code, `envsync ${args.join(" ")}: ${r.stderr}`).toBe(0);
    return r;
  }
  const envOf = (dir: string): Record<string, string> => ({
    ...parse(readFileSync(join(dir, ".env"), "utf8")),
  });
  const edit = (dir: string, change: (text: string) => string): void =>
    writeFileSync(join(dir, ".env"), change(readFileSync(join(dir, ".env"), "utf8")));

  const remoteValues = (uri: string): Promise<Record<string, string>> =>
    readRemote(uri, { env: extraEnv() });

  async function twoCopies(): Promise<{ uri: string; A: string; B: string }> {
    const uri = makeUri();
    const root = tempDir("envsync-scenario-");
    const A = join(root, "a");
    const B = join(root, "b");
    for (const dir of [A, B]) {
      mkdirSync(dir);
      await ok(dir, ["init", "--remote", uri]);
    }
    return { uri, A, B };
  }

  describe(`two working copies on ${name}`, () => {
    it("add, change on both sides, delete, re-add, prune; values never printed or kept in state", async () => {
      const { uri, A, B } = await twoCopies();
      const [s1, s2, s3] = [mkCanary("S1"), mkCanary("S2"), mkCanary("S3")];
      writeFileSync(
        join(A, ".env"),
        `# settings\nexport API_KEY=${s1}\nDB_URL="postgres://u:${s2}@h/db"\n\nOLD=${s3}\n`,
      );
      await ok(A, ["push"]);
      const first = { API_KEY: s1, DB_URL: `postgres://u:${s2}@h/db`, OLD: s3 };
      expect(await remoteValues(uri)).toEqual(first);

      // B has no .env yet: pull creates one, readable by its owner only.
      await ok(B, ["pull"]);
      expect(envOf(B)).toEqual(first);
      expect(modeOf(join(B, ".env"))).toBe(0o600);
      await ok(A, ["sync"]); // records the base on A

      // A changes API_KEY, B adds NEW: each side's change reaches the other.
      const [s4, s5] = [mkCanary("S4"), mkCanary("S5")];
      edit(A, (t) => t.replace(s1, s4));
      edit(B, (t) => `${t}NEW=${s5}\n`);
      await ok(A, ["sync"]);
      await ok(B, ["sync"]);
      await ok(A, ["sync"]);
      expect(envOf(A)).toEqual({ ...first, API_KEY: s4, NEW: s5 });
      expect(envOf(B)).toEqual(envOf(A));
      // Comments, blank lines and the export prefix survive the merge.
      expect(readFileSync(join(A, ".env"), "utf8")).toMatch(/^# settings\nexport API_KEY=/);
      expect((await cli(B, ["check"])).code).toBe(0);

      // A deletes OLD: without a TTY a remote deletion needs --yes (exit 2, nothing written).
      edit(A, (t) => t.replace(`OLD=${s3}\n`, ""));
      const refused = await cli(A, ["sync"]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/--yes/);
      expect((await remoteValues(uri)).OLD).toBe(s3);
      await ok(A, ["sync", "--yes"]);
      expect(await remoteValues(uri)).not.toHaveProperty("OLD");
      await ok(B, ["sync"]); // a local deletion needs no confirmation (a backup is kept)
      expect(envOf(B)).not.toHaveProperty("OLD");

      // B adds OLD again right away (stores that soft-delete must recover the name).
      const s6 = mkCanary("S6");
      edit(B, (t) => `${t}OLD=${s6}\n`);
      await ok(B, ["sync"]);
      expect((await remoteValues(uri)).OLD).toBe(s6);
      await ok(A, ["sync"]);
      expect(envOf(A).OLD).toBe(s6);

      // Prune: push --prune --yes drops remote keys missing locally; pull --prune local ones.
      writeFileSync(join(A, ".env"), `API_KEY=${s4}\n`);
      await ok(A, ["push", "--prune", "--yes"]);
      expect(await remoteValues(uri)).toEqual({ API_KEY: s4 });
      await ok(B, ["pull", "--prune"]);
      expect(envOf(B)).toEqual({ API_KEY: s4 });
      expect((await cli(A, ["check"])).code).toBe(0);
      expect((await cli(B, ["check"])).code).toBe(0);

      // .envsync/ holds no value outside backups; state and backups are 0600.
      for (const dir of [A, B]) {
        expect(modeOf(join(dir, ".envsync", "state.json"))).toBe(0o600);
        for (const f of filesUnder(join(dir, ".envsync"))) {
          if (f.includes("backups")) expect(modeOf(f)).toBe(0o600);
          else assertNoCanary(canaries, { [f]: readFileSync(f, "utf8") });
        }
      }
    });

    it("conflict: fail exits 4 and prompt without a TTY exits 2, both writing nothing; local, then remote, resolve it", async () => {
      const { uri, A, B } = await twoCopies();
      writeFileSync(join(A, ".env"), "K=base\nOTHER=1\n");
      await ok(A, ["sync"]);
      await ok(B, ["sync"]);
      writeFileSync(join(A, ".env"), "K=from-a\nOTHER=1\n");
      writeFileSync(join(B, ".env"), "K=from-b\nOTHER=2\n");
      await ok(A, ["sync"]);

      for (const policy of ["fail", "prompt"]) {
        const r = await cli(B, ["sync", "--on-conflict", policy]);
        expect(r.code, r.stderr).toBe(policy === "fail" ? 4 : 2);
        if (policy === "fail") expect(r.stderr).toContain("K");
        expect(await remoteValues(uri)).toEqual({ K: "from-a", OTHER: "1" });
        expect(readFileSync(join(B, ".env"), "utf8")).toBe("K=from-b\nOTHER=2\n");
      }
      await ok(B, ["sync", "--on-conflict", "local"]);
      expect(await remoteValues(uri)).toEqual({ K: "from-b", OTHER: "2" });

      // Both change K again; the default (remote wins) brings A's value to B.
      writeFileSync(join(A, ".env"), "K=a2\nOTHER=2\n");
      await ok(A, ["sync", "--on-conflict", "local"]);
      writeFileSync(join(B, ".env"), "K=b2\nOTHER=2\n");
      await ok(B, ["sync"]);
      expect(envOf(B)).toEqual({ K: "a2", OTHER: "2" });
      expect(await remoteValues(uri)).toEqual({ K: "a2", OTHER: "2" });
    });

    it("a concurrent writer between read and write → exit 5, nothing written; a re-run merges", async () => {
      const { uri, A, B } = await twoCopies();
      writeFileSync(join(A, ".env"), "X=1\nY=1\n");
      await ok(A, ["sync"]);
      await ok(B, ["sync"]);
      // Both change X (per-key stores guard each key they touch) and each adds a key.
      writeFileSync(join(A, ".env"), "X=from-a\nY=1\nFROM_A=1\n");
      const run = startPaused(["sync"], { cwd: A, env: extraEnv() });
      await run.ready;
      writeFileSync(join(B, ".env"), "X=from-b\nY=1\nFROM_B=1\n");
      await ok(B, ["sync"]);
      const afterB = await remoteValues(uri);
      expect(afterB).toEqual({ X: "from-b", Y: "1", FROM_B: "1" });
      run.release();
      expect(await run.exited, run.stderr).toBe(5);
      expect(run.stderr).toMatch(/changed/);
      expect(await remoteValues(uri)).toEqual(afterB);
      expect(readFileSync(join(A, ".env"), "utf8")).toBe("X=from-a\nY=1\nFROM_A=1\n");
      // The re-run merges: X conflicts (the remote wins by default), FROM_A goes up, FROM_B comes down.
      await ok(A, ["sync"]);
      const merged = { X: "from-b", Y: "1", FROM_A: "1", FROM_B: "1" };
      expect(envOf(A)).toEqual(merged);
      expect(await remoteValues(uri)).toEqual(merged);
    });
  });
}
