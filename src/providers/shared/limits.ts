/**
 * Documented limits checked in the plan (docs/CLOUD-BEHAVIOUR.md, "Limits"), beside the
 * shared size and name checks of src/providers/rules.ts: what a store would otherwise
 * discover only by refusing a write halfway through a per-key change set.
 */
import { EnvsyncError } from "../../errors.js";

/** Parameter Store: a hierarchy is at most 15 levels deep (HierarchyLevelLimitExceededException). */
export const SSM_MAX_DEPTH = 15;

/** Parameter Store tiers: the value limit of each (envsync writes Standard parameters). */
export const SSM_TIER_BYTES = { standard: 4096, advanced: 8192 } as const;

/** Levels of a parameter name: `/a/b/KEY` is 3. */
export function depthOf(name: string): number {
  return name.split("/").filter((s) => s !== "").length;
}

/** Exit 2 (NAME) naming the first key whose parameter would be deeper than SSM allows. */
export function checkSsmDepth(
  names: Iterable<{ readonly key: string; readonly name: string }>,
  display: string,
): void {
  for (const { key, name } of names) {
    const depth = depthOf(name);
    if (depth > SSM_MAX_DEPTH) {
      throw new EnvsyncError(
        "NAME",
        `The key ${key} maps to the parameter "${name}", ${depth} levels deep; ${display} allows at most ${SSM_MAX_DEPTH} levels.`,
        { hint: "Use a shorter path for the remote (fewer /-separated levels)." },
      );
    }
  }
}
