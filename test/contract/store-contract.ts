/**
 * The one contract every store passes (file, memory, AWS, GCP, Azure). A store joins
 * with one test file calling `runStoreContract`. Cases that depend on a known
 * emulator difference are switched by a flag, with a comment at the call site.
 */
import { describe, expect, it } from "vitest";
import { isEnvsyncError } from "../../src/errors.js";
import type { ChangeSet, Store } from "../../src/providers/types.js";

/** What a store's contract run needs. */
export interface ContractTarget {
  /** Creates a fresh, empty remote (unique name/prefix per call) and its store. */
  fresh(): Promise<Store>;
  /** Creates a second store instance on the same remote as `store` (another process). */
  twin(store: Store): Promise<Store>;
  /** A key name the store cannot hold (exit 2 before write), or undefined if none. */
  badKey?: string;
  /** The store has no conditional write (Vault KV v1): writers released together may overwrite each other; documented per store. */
  noConditionalWrite?: boolean;
  /** Store rejects empty values although the real cloud accepts them (emulator difference). */
  emptyValuesUnsupportedByEmulator?: boolean;
}

const changes = (set: Record<string, string>, del: string[] = []): ChangeSet => ({
  set: new Map(Object.entries(set)),
  delete: del,
});

const asObject = (m: ReadonlyMap<string, string>): Record<string, string> =>
  Object.fromEntries([...m].sort());

/** Registers the contract tests for one store. */
export function runStoreContract(name: string, target: ContractTarget): void {
  describe(`store contract: ${name}`, () => {
    it("reads a new remote as empty and not existing", async () => {
      const s = await target.fresh();
      const snap = await s.read();
      expect(snap.exists).toBe(false);
      expect(snap.values.size).toBe(0);
      await s.close?.();
    });

    it("writes keys and reads them back exactly (multi-line, quotes, unicode, =, #)", async () => {
      const s = await target.fresh();
      const values: Record<string, string> = {
        PLAIN: "hello",
        MULTI: "line1\nline2\n  indented",
        QUOTES: `it's "quoted" \`back\``,
        UNICODE: "päßwörd-🔑",
        SYMBOLS: "a=b#c d $HOME ${X}",
      };
      if (!target.emptyValuesUnsupportedByEmulator) values.EMPTY = "";
      const before = await s.read();
      s.validate(new Map(Object.entries(values)), changes(values));
      await s.write(changes(values), before);
      const after = await s.read();
      expect(after.exists).toBe(true);
      expect(asObject(after.values)).toEqual(asObject(new Map(Object.entries(values))));
      await s.close?.();
    });

    it("updates and deletes only the keys asked, and the version moves", async () => {
      const s = await target.fresh();
      await s.write(changes({ A: "1", B: "2", C: "3" }), await s.read());
      const v1 = await s.read();
      await s.write(changes({ B: "22", D: "4" }, ["C"]), v1);
      const v2 = await s.read();
      expect(asObject(v2.values)).toEqual({ A: "1", B: "22", D: "4" });
      if (s.layout !== "per-key") expect(v2.version).not.toEqual(v1.version);
      else expect(v2.keyVersions.get("B")).not.toEqual(v1.keyVersions.get("B"));
      await s.close?.();
    });

    it("refuses to write over a change it did not read (exit 5) and writes nothing", async () => {
      const s = await target.fresh();
      await s.write(changes({ A: "1", B: "2" }), await s.read());
      const stale = await s.read();
      const other = await target.twin(s);
      await other.write(changes({ A: "other" }), await other.read());
      let err: unknown;
      try {
        await s.write(changes({ A: "mine", B: "mine" }), stale);
      } catch (e) {
        err = e;
      }
      expect(isEnvsyncError(err, "REMOTE_CHANGED")).toBe(true);
      expect(asObject((await s.read()).values)).toEqual({ A: "other", B: "2" });
      await other.close?.();
      await s.close?.();
    });

    // Per-key layouts guard each key; writers of different keys both commit there.
    for (const writers of [2, 3]) {
      it(`${writers} writers from the same read, released together: one commits, the others exit 5`, async (ctx) => {
        const s = await target.fresh();
        if (s.layout === "per-key" || target.noConditionalWrite) {
          await s.close?.();
          ctx.skip();
        }
        await s.write(changes({ BASE: "0" }), await s.read());
        const stores = [
          s,
          ...(await Promise.all(Array.from({ length: writers - 1 }, () => target.twin(s)))),
        ];
        const reads = await Promise.all(stores.map((w) => w.read()));
        const outcomes = await Promise.allSettled(
          stores.map((w, i) => w.write(changes({ [`K${i}`]: `v${i}` }), reads[i]!)),
        );
        const won = outcomes.flatMap((o, i) => (o.status === "fulfilled" ? [i] : []));
        expect(won).toHaveLength(1);
        for (const o of outcomes)
          if (o.status === "rejected")
            expect(isEnvsyncError(o.reason, "REMOTE_CHANGED")).toBe(true);
        const winner = won[0]!;
        const after = await s.read();
        expect(asObject(after.values)).toEqual({ BASE: "0", [`K${winner}`]: `v${winner}` });
        for (const x of stores) await x.close?.();
      });
    }

    it("deletes every key and can add them back", async () => {
      const s = await target.fresh();
      await s.write(changes({ A: "1", B: "2" }), await s.read());
      await s.write(changes({}, ["A", "B"]), await s.read());
      expect((await s.read()).values.size).toBe(0);
      await s.write(changes({ A: "again" }), await s.read());
      expect(asObject((await s.read()).values)).toEqual({ A: "again" });
      await s.close?.();
    });

    if (target.badKey !== undefined) {
      const bad = target.badKey;
      it("rejects a key the store cannot hold before writing (exit 2)", async () => {
        const s = await target.fresh();
        const next = new Map([[bad, "v"]]);
        let err: unknown;
        try {
          s.validate(next, changes({ [bad]: "v" }));
        } catch (e) {
          err = e;
        }
        expect(isEnvsyncError(err)).toBe(true);
        expect((err as { exitCode: number }).exitCode).toBe(2);
        await s.close?.();
      });
    }

    it("rejects a value over the store's limit before writing (exit 2)", async () => {
      const s = await target.fresh();
      // Stores without a limit (file:, memory://) have nothing to enforce.
      if (s.rules.maxValueBytes === Number.POSITIVE_INFINITY) return;
      const big = "x".repeat(s.rules.maxValueBytes + 1);
      let err: unknown;
      try {
        s.validate(new Map([["BIG", big]]), changes({ BIG: big }));
      } catch (e) {
        err = e;
      }
      expect(isEnvsyncError(err, "LIMIT")).toBe(true);
      expect(String((err as Error).message)).not.toContain(big.slice(0, 50));
      await s.close?.();
    });
  });
}
