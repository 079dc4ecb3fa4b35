/**
 * The one write path (src/ops/apply.ts): step order, confirmations, dry runs, and
 * stores closed whatever happens; and sync, copy and rollback going through it.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { applyPlan, withStore } from "../../../src/ops/apply.js";
import { copy } from "../../../src/ops/copy.js";
import { rollback } from "../../../src/ops/history.js";
import { sync } from "../../../src/ops/sync.js";
import { openStore, registerScheme } from "../../../src/providers/registry.js";
import type { Store, StoreContext } from "../../../src/providers/types.js";
import { silentLogger } from "../../../src/logger.js";
import { registerMemoryStore } from "../../support/memory-store.js";

registerMemoryStore();
const ctx: StoreContext = { cwd: process.cwd(), env: {}, logger: silentLogger, concurrency: 1 };
let n = 0;
const fresh = (): string => `memory://apply-${process.pid}-${n++}`;

/** A memory store that records what happens to it, registered as `tracked://NAME`. */
const events: string[] = [];
registerScheme("tracked", {
  hooks: {
    example: "tracked://NAME (tests)",
    capabilities: () => ({ versions: true, softDelete: false, compareAndSwap: true }),
  },
  load: () =>
    Promise.resolve({
      async createStore(uri) {
        const inner = await openStore(`memory://${uri.target}`, ctx);
        const store: Store = {
          scheme: "tracked",
          display: `tracked://${uri.target}`,
          layout: inner.layout,
          rules: inner.rules,
          read: () => inner.read(),
          validate: (next, changes) => inner.validate(next, changes),
          write: (changes, expected, options) => {
            events.push("write");
            return inner.write(changes, expected, options);
          },
          listVersions: () => inner.listVersions!(),
          readVersion: (id) => inner.readVersion!(id),
          close: () => {
            events.push("close");
            return Promise.resolve();
          },
        };
        return store;
      },
    }),
});

async function seeded(uri: string, values: Record<string, string>): Promise<Store> {
  const s = await openStore(uri, ctx);
  await s.write({ set: new Map(Object.entries(values)), delete: [] }, await s.read());
  return s;
}

describe("applyPlan", () => {
  it("runs validate → confirm → hook → write → after → record, in that order", async () => {
    const store = await seeded(fresh(), { A: "1", B: "2" });
    const read = await store.read();
    const steps: string[] = [];
    const done = await applyPlan(
      { store, read, changes: { set: new Map([["A", "9"]]), delete: ["B"] } },
      {
        validate: () => steps.push("validate"),
        confirm: {
          ask: () => (steps.push("confirm"), Promise.resolve(true)),
          unasked: "u",
          unaskedHint: "h",
          refused: "r",
          refusedHint: "h",
        },
        hooks: { beforeWrite: () => (steps.push("hook"), Promise.resolve()) },
        onRemoteWrite: (count) => steps.push(`write ${count}`),
        after: () => (steps.push("after"), Promise.resolve()),
        record: (v) => (steps.push(`record ${v}`), Promise.resolve()),
      },
    );
    expect(steps).toEqual([
      "validate",
      "confirm",
      "hook",
      "write 2",
      "after",
      `record ${done.version}`,
    ]);
    expect(done.remoteWritten).toBe(true);
    expect((await store.read()).values).toEqual(new Map([["A", "9"]]));
  });

  it("without an answer or --yes: exit 2 before the hook, nothing written", async () => {
    const store = await seeded(fresh(), { A: "1" });
    const read = await store.read();
    let hooked = false;
    const confirm = { unasked: "nobody to ask", unaskedHint: "h", refused: "no", refusedHint: "h" };
    const plan = { store, read, changes: { set: new Map(), delete: ["A"] } };
    const hooks = { beforeWrite: () => ((hooked = true), Promise.resolve()) };
    await expect(applyPlan(plan, { confirm, hooks })).rejects.toMatchObject({
      code: "NEEDS_CONFIRMATION",
      exitCode: 2,
      message: "nobody to ask",
    });
    await expect(
      applyPlan(plan, { confirm: { ...confirm, ask: () => Promise.resolve(false) }, hooks }),
    ).rejects.toMatchObject({ exitCode: 2, message: "no" });
    expect(hooked).toBe(false);
    expect((await store.read()).version).toBe(read.version);
    const yes = await applyPlan(plan, { confirm: { ...confirm, yes: true }, hooks });
    expect([yes.remoteWritten, hooked]).toEqual([true, true]);
  });

  it("a dry run validates and stops; nothing to do and no follow-up: no hook, no write", async () => {
    const store = await seeded(fresh(), { A: "1" });
    const read = await store.read();
    let hooked = 0;
    const hooks = { beforeWrite: () => (hooked++, Promise.resolve()) };
    let validated = 0;
    const change = { set: new Map([["A", "2"]]), delete: [] };
    const dry = await applyPlan(
      { store, read, changes: change },
      { dryRun: true, hooks, validate: () => void validated++ },
    );
    const none = await applyPlan(
      { store, read, changes: { set: new Map(), delete: [] } },
      { hooks },
    );
    expect([dry.remoteWritten, none.remoteWritten, hooked, validated]).toEqual([
      false,
      false,
      0,
      1,
    ]);
    expect((await store.read()).version).toBe(read.version);
  });

  it("a remote that moved since the read: exit 5, no follow-up writes, no base", async () => {
    const store = await seeded(fresh(), { A: "1" });
    const read = await store.read();
    await store.write({ set: new Map([["B", "2"]]), delete: [] }, read);
    let after = false;
    await expect(
      applyPlan(
        { store, read, changes: { set: new Map([["A", "2"]]), delete: [] } },
        {
          after: () => ((after = true), Promise.resolve()),
          record: () => Promise.reject(new Error("no")),
        },
      ),
    ).rejects.toMatchObject({ code: "REMOTE_CHANGED", exitCode: 5 });
    expect(after).toBe(false);
  });

  it("withStore closes the store when the work throws", async () => {
    events.length = 0;
    await expect(
      withStore(
        () => openStore(`tracked://close-${n++}`, ctx),
        () => Promise.reject(new Error("boom")),
      ),
    ).rejects.toThrow("boom");
    expect(events).toEqual(["close"]);
  });
});

describe("every writing command goes through the one path and closes its stores", () => {
  function workdir(env: string): string {
    const dir = mkdtempSync(join(tmpdir(), "envsync-apply-"));
    writeFileSync(join(dir, ".env"), env);
    return dir;
  }

  it("sync: an unresolved conflict (exit 4) still closes the store, and writes nothing", async () => {
    const name = `conflict-${n++}`;
    await seeded(`memory://${name}`, { A: "remote" });
    events.length = 0;
    const cwd = workdir("A=local\n");
    await expect(
      sync({ cwd, remote: `tracked://${name}`, onConflict: "fail" }),
    ).rejects.toMatchObject({ exitCode: 4 });
    expect(events).toEqual(["close"]);
  });

  it("sync: the injected beforeWrite hook runs once, before the write", async () => {
    const name = `hook-${n++}`;
    events.length = 0;
    const cwd = workdir("A=1\n");
    const r = await sync({
      cwd,
      remote: `tracked://${name}`,
      storeContext: { hooks: { beforeWrite: () => (events.push("hook"), Promise.resolve()) } },
    });
    expect(r.counts.pushed).toBe(1);
    expect(events).toEqual(["hook", "write", "close"]);
  });

  it("copy closes both stores; rollback closes its store", async () => {
    const from = `copy-src-${n++}`;
    const to = `copy-dst-${n++}`;
    await seeded(`memory://${from}`, { A: "1" });
    events.length = 0;
    await copy({ from: `tracked://${from}`, to: `tracked://${to}` });
    expect(events).toEqual(["write", "close", "close"]);
    const target = await openStore(`memory://${to}`, ctx);
    await target.write({ set: new Map([["A", "2"]]), delete: [] }, await target.read());
    events.length = 0;
    const cwd = workdir("");
    const r = await rollback({ cwd, remote: `tracked://${to}`, to: "1", yes: true });
    expect(r.applied).toBe(true);
    expect(events).toEqual(["write", "close"]);
    expect((await target.read()).values).toEqual(new Map([["A", "1"]]));
  });
});
