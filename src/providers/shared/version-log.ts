/**
 * Commit order for stores without a conditional write (Azure Key Vault's
 * `setSecret`): every envsync version records the version it was written on top of
 * (its parent) and a random nonce. Walking the versions in creation order, a version
 * commits when its parent is the version committed last (the head); any other
 * version lost a race and its writer exits 5. Versions without a parent (other
 * tools, older envsync) were written unconditionally and always count. Every
 * writer computes the same answer from the same list, so exactly one of several
 * writers of the same read commits (docs/RELIABILITY.md).
 */

/** Parent recorded for a version written on a remote that did not exist. */
export const NO_PARENT = "none";

/** One version as listed. */
export interface LoggedVersion {
  /** Version id. */
  readonly id: string;
  /** Creation time, ms (the store's resolution: 1 s on Azure). */
  readonly created: number;
  /** The version it was written on top of ({@link NO_PARENT} for the first); undefined when not recorded. */
  readonly parent?: string | undefined;
  /** Random tiebreak chosen by the writer; orders versions created in the same second. */
  readonly nonce?: string | undefined;
}

/** The outcome of a walk over a version list. */
export interface CommitLog {
  /** Ids of committed versions. */
  readonly committed: ReadonlySet<string>;
  /** The committed version that is current (what a write should go on top of), or null. */
  readonly head: string | null;
  /** Creation time of every version listed, ms. */
  readonly created: ReadonlyMap<string, number>;
}

const byOrder = (a: LoggedVersion, b: LoggedVersion): number =>
  a.created - b.created || (a.nonce ?? "").localeCompare(b.nonce ?? "") || a.id.localeCompare(b.id);

/**
 * Walks `versions` in creation order (ties: nonce, then id) and returns which
 * committed. A child is looked for over the whole remaining list, so a child
 * created in the same second as its parent but sorting before it still commits.
 */
export function commitLog(versions: readonly LoggedVersion[]): CommitLog {
  const remaining = [...versions].sort(byOrder);
  const committed = new Set<string>();
  let head: LoggedVersion | null = null;
  for (;;) {
    const at: LoggedVersion | null = head;
    const i = remaining.findIndex((v) =>
      v.parent === undefined
        ? at === null || v.created >= at.created
        : v.parent === (at?.id ?? NO_PARENT),
    );
    if (i < 0) break;
    const v = remaining[i]!;
    committed.add(v.id);
    head = v;
    // Siblings stay listed but can never match again: a head commits only once.
    remaining.splice(i, 1);
  }
  return {
    committed,
    head: head?.id ?? null,
    created: new Map(versions.map((v) => [v.id, v.created])),
  };
}
