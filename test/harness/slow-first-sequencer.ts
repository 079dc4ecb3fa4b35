/**
 * The order test files start in: Vitest's own (files that failed or took longest in the
 * last run first, from its cache; larger files first without one), except that the files
 * known to be slowest start first, whatever the cache holds. A fresh clone (CI) has no
 * cache, and there a slow but small file such as concurrent-start.test.ts would start
 * last and hold one worker while the other idles. The list is the slowest-files table of
 * docs/TESTING.md ("measured run"); it orders, it never decides what runs.
 */
import { relative } from "node:path";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/** The slowest files, slowest first (each pass: source, binary, other lines). */
export const SLOWEST_FIRST: readonly string[] = [
  "test/e2e/faults.test.ts",
  "test/e2e/concurrent.test.ts",
  "test/e2e/concurrent-start.test.ts",
  "test/e2e/foreign-shapes.test.ts",
  "test/e2e/hostile-corpus.test.ts",
  "test/e2e/interrupt.test.ts",
  "test/e2e/hostile.test.ts",
  "test/e2e/azure.test.ts",
  "test/contract/azure.test.ts",
];

/** Vitest's sequencer, with {@link SLOWEST_FIRST} moved to the front. */
export default class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (f: TestSpecification): number => {
      const i = SLOWEST_FIRST.indexOf(relative(f.project.config.root, f.moduleId));
      return i < 0 ? SLOWEST_FIRST.length : i;
    };
    // Array.prototype.sort is stable: the rest keep Vitest's order.
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}
