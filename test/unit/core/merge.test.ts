import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  applyToMap,
  merge,
  nextBase,
  planChanges,
  resolveConflicts,
  type Action,
  type BaseHashes,
  type Mode,
  type OnConflict,
} from "../../../src/core/merge.js";

// An honest but simple keyed hash for tests (the real one is HMAC-SHA256).
const hash = (k: string, v: string): string => `${k}\u0000${v}`;
const m = (o: Record<string, string>): Map<string, string> => new Map(Object.entries(o));
const b = (o: Record<string, string> | null): BaseHashes | null =>
  o === null ? null : new Map(Object.entries(o).map(([k, v]) => [k, hash(k, v)]));

type Row = [
  string,
  Mode,
  Record<string, string>,
  Record<string, string>,
  Record<string, string> | null,
  Action,
  (OnConflict | undefined)?,
  boolean?,
];

// One line a case: name, mode, local, remote, base (values; null = no base yet), expected action for key K.
const table: Row[] = [
  ["L = R: in sync", "sync", { K: "1" }, { K: "1" }, { K: "0" }, "none"],
  ["both absent", "sync", {}, { X: "1" }, { K: "1", X: "1" }, "none"],
  ["only L changed: update → remote", "sync", { K: "2" }, { K: "1" }, { K: "1" }, "push-update"],
  ["only L added → remote", "sync", { K: "2" }, {}, {}, "push-add"],
  ["only L deleted → delete remote", "sync", {}, { K: "1" }, { K: "1" }, "push-delete"],
  ["only R changed → local", "sync", { K: "1" }, { K: "2" }, { K: "1" }, "pull-update"],
  ["only R added → local", "sync", {}, { K: "2" }, {}, "pull-add"],
  ["only R deleted → delete local", "sync", { K: "1" }, {}, { K: "1" }, "pull-delete"],
  ["both changed differently → conflict", "sync", { K: "2" }, { K: "3" }, { K: "1" }, "conflict"],
  ["both changed the same → in sync", "sync", { K: "2" }, { K: "2" }, { K: "1" }, "none"],
  ["L deleted, R changed → conflict", "sync", {}, { K: "3" }, { K: "1" }, "conflict"],
  ["L changed, R deleted → conflict", "sync", { K: "2" }, {}, { K: "1" }, "conflict"],
  [
    "both added differently (base without K) → conflict",
    "sync",
    { K: "a" },
    { K: "b" },
    {},
    "conflict",
  ],
  ["first sync: only local → push (union)", "sync", { K: "a" }, {}, null, "push-add"],
  ["first sync: only remote → pull (union)", "sync", {}, { K: "b" }, null, "pull-add"],
  ["first sync: differing → conflict", "sync", { K: "a" }, { K: "b" }, null, "conflict"],
  ["first sync: same → in sync", "sync", { K: "a" }, { K: "a" }, null, "none"],
  [
    "conflict, --on-conflict remote → pull",
    "sync",
    { K: "2" },
    { K: "3" },
    { K: "1" },
    "pull-update",
    "remote",
  ],
  [
    "conflict, --on-conflict local → push",
    "sync",
    { K: "2" },
    { K: "3" },
    { K: "1" },
    "push-update",
    "local",
  ],
  [
    "delete/change conflict, remote wins → restore locally",
    "sync",
    {},
    { K: "3" },
    { K: "1" },
    "pull-add",
    "remote",
  ],
  [
    "delete/change conflict, local wins → delete remote",
    "sync",
    {},
    { K: "3" },
    { K: "1" },
    "push-delete",
    "local",
  ],
  [
    "change/delete conflict, remote wins → delete locally",
    "sync",
    { K: "2" },
    {},
    { K: "1" },
    "pull-delete",
    "remote",
  ],
  [
    "conflict, fail → stays a conflict",
    "sync",
    { K: "2" },
    { K: "3" },
    { K: "1" },
    "conflict",
    "fail",
  ],
  ["push: local differs → update", "push", { K: "2" }, { K: "1" }, null, "push-update"],
  ["push: only local → add", "push", { K: "2" }, {}, null, "push-add"],
  ["push: only remote → kept", "push", {}, { K: "1" }, null, "none"],
  [
    "push --prune: only remote → delete",
    "push",
    {},
    { K: "1" },
    null,
    "push-delete",
    undefined,
    true,
  ],
  [
    "push ignores base (remote changed) → local wins",
    "push",
    { K: "1" },
    { K: "2" },
    { K: "1" },
    "push-update",
  ],
  ["pull: remote differs → update", "pull", { K: "1" }, { K: "2" }, null, "pull-update"],
  ["pull: only remote → add", "pull", {}, { K: "2" }, null, "pull-add"],
  ["pull: only local → kept", "pull", { K: "1" }, {}, null, "none"],
  [
    "pull --prune: only local → delete",
    "pull",
    { K: "1" },
    {},
    null,
    "pull-delete",
    undefined,
    true,
  ],
  ["empty value is a value", "sync", { K: "" }, { K: "x" }, { K: "x" }, "push-update"],
];

describe('merge: the table of docs/DESIGN.md, "Sync semantics"', () => {
  it.each(table)("%s", (_name, mode, local, remote, base, expected, onConflict, prune) => {
    const plan = merge({
      mode,
      local: m(local),
      remote: m(remote),
      base: b(base),
      hash,
      ...(onConflict ? { onConflict } : {}),
      ...(prune ? { prune } : {}),
    });
    const entry = plan.entries.find((e) => e.key === "K");
    expect(entry?.action ?? "none").toBe(expected);
  });

  it("prompt decisions resolve conflicts per key, missing answers stay unresolved", () => {
    const local = m({ A: "l", B: "l" });
    const remote = m({ A: "r", B: "r" });
    const plan = merge({
      mode: "sync",
      local,
      remote,
      base: b({ A: "0", B: "0" }),
      hash,
      onConflict: "prompt",
    });
    const resolved = resolveConflicts(plan, new Map([["A", "local"]]), local, remote);
    expect(resolved.entries.map((e) => e.action)).toEqual(["push-update", "conflict"]);
  });
});

// Generated states: a few keys, each absent or one of a few values on each side and in the base.
const val = fc.option(fc.constantFrom("a", "b", "c", ""), { nil: undefined });
const state = fc
  .dictionary(fc.constantFrom("A", "B", "C", "D"), fc.tuple(val, val, val))
  .map((d) => {
    const L = new Map<string, string>();
    const R = new Map<string, string>();
    const B = new Map<string, string>();
    for (const [k, [l, r, bb]] of Object.entries(d)) {
      if (l !== undefined) L.set(k, l);
      if (r !== undefined) R.set(k, r);
      if (bb !== undefined) B.set(k, hash(k, bb));
    }
    return { L, R, B };
  });

describe("merge: properties", () => {
  it("a resolved plan applied to both sides makes them equal (sync)", () => {
    fc.assert(
      fc.property(
        state,
        fc.constantFrom<OnConflict>("remote", "local"),
        fc.boolean(),
        ({ L, R, B }, oc, hasBase) => {
          const plan = merge({
            mode: "sync",
            local: L,
            remote: R,
            base: hasBase ? B : null,
            hash,
            onConflict: oc,
          });
          const ch = planChanges(plan, L, R);
          expect(applyToMap(L, ch.local)).toEqual(applyToMap(R, ch.remote));
        },
      ),
    );
  });

  it("merging twice changes nothing: after applying, the next plan is empty", () => {
    fc.assert(
      fc.property(state, fc.constantFrom<OnConflict>("remote", "local"), ({ L, R, B }, oc) => {
        const plan = merge({ mode: "sync", local: L, remote: R, base: B, hash, onConflict: oc });
        const ch = planChanges(plan, L, R);
        const L2 = applyToMap(L, ch.local);
        const R2 = applyToMap(R, ch.remote);
        const B2 = nextBase(B, L2, R2, hash);
        const again = merge({
          mode: "sync",
          local: L2,
          remote: R2,
          base: B2,
          hash,
          onConflict: oc,
        });
        expect(again.entries.filter((e) => e.action !== "none")).toEqual([]);
      }),
    );
  });

  it("push makes the remote hold every local value; with --prune exactly the local map", () => {
    fc.assert(
      fc.property(state, fc.boolean(), ({ L, R }, prune) => {
        const plan = merge({ mode: "push", local: L, remote: R, base: null, hash, prune });
        const ch = planChanges(plan, L, R);
        const R2 = applyToMap(R, ch.remote);
        expect(ch.local.set.size + ch.local.delete.length).toBe(0);
        for (const [k, v] of L) expect(R2.get(k)).toBe(v);
        if (prune) expect(R2).toEqual(L);
      }),
    );
  });

  it("without conflicts, a change on one side only is never lost", () => {
    fc.assert(
      fc.property(state, ({ L, R, B }) => {
        const plan = merge({
          mode: "sync",
          local: L,
          remote: R,
          base: B,
          hash,
          onConflict: "fail",
        });
        if (plan.entries.some((e) => e.action === "conflict")) return;
        const ch = planChanges(plan, L, R);
        const after = applyToMap(R, ch.remote);
        for (const k of new Set([...L.keys(), ...R.keys()])) {
          const lChanged = B.has(k) ? !L.has(k) || hash(k, L.get(k)!) !== B.get(k) : L.has(k);
          if (lChanged) expect(after.get(k)).toBe(L.get(k));
        }
      }),
    );
  });

  it("nextBase keeps the old entry for keys still differing after push without prune", () => {
    const base = nextBase(b({ K: "1" }), m({}), m({ K: "1" }), hash);
    expect(base.get("K")).toBe(hash("K", "1"));
    const plan = merge({ mode: "sync", local: m({}), remote: m({ K: "1" }), base, hash });
    expect(plan.entries[0]?.action).toBe("push-delete");
  });
});

describe("merge: keys whose remote state a listing could not settle", () => {
  const unconfirmed = new Set(["K"]);
  it.each([
    ["sync, unchanged locally (would be pull-delete)", "sync", { K: "1" }, { K: "1" }],
    ["sync, changed locally (would be a conflict)", "sync", { K: "2" }, { K: "1" }],
    ["push (would be push-add)", "push", { K: "1" }, { K: "1" }],
    ["pull --prune (would be pull-delete)", "pull", { K: "1" }, { K: "1" }],
  ] as const)("%s: left alone", (_n, mode, local, base) => {
    const p = merge({
      mode,
      local: m(local),
      remote: m({}),
      base: b(base),
      hash,
      prune: true,
      unconfirmed,
    });
    expect(p.entries).toEqual([
      {
        key: "K",
        action: "none",
        status: "unconfirmed",
        reason: "listing incomplete: not confirmed absent on the remote; left alone",
      },
    ]);
    // The base keeps its entry: the next sync still knows the key.
    expect(nextBase(b(base), m(local), m({}), hash).get("K")).toBe(hash("K", base.K));
  });

  it("a key the remote does show is merged as usual", () => {
    const p = merge({
      mode: "sync",
      local: m({ K: "1" }),
      remote: m({ K: "2" }),
      base: b({ K: "1" }),
      hash,
      unconfirmed,
    });
    expect(p.entries[0]!.action).toBe("pull-update");
  });
});
