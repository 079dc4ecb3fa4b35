/**
 * A listing is not proof of absence (docs/CLOUD-BEHAVIOUR.md): AWS says ListSecrets
 * "might not reflect changes from the last five minutes", and every per-key store reads
 * by listing its prefix. A key the last agreed base knows that a listing leaves out is
 * therefore asked for by name (the fresher read) before the merge may count it as
 * deleted: found, it is read as it is (the listing lagged); answered "not found", it
 * is absent; not answered (throttled past the retry budget, a disabled secret whose
 * value cannot be read), it is unconfirmed, and the merge leaves it alone.
 */
import { isTransient } from "../retry.js";

/** What a read by name says about one key. */
export type ByName =
  | { readonly state: "found"; readonly value: string; readonly version: string }
  | { readonly state: "absent" }
  | { readonly state: "unknown"; readonly why: string };

/** What {@link confirmMissing} settled. */
export interface Confirmation {
  /** Keys the listing left out and the read by name found (the listing lagged). */
  readonly found: ReadonlyMap<string, { readonly value: string; readonly version: string }>;
  /** Keys the read by name could not settle: neither present nor absent. */
  readonly unconfirmed: readonly string[];
  /** One sentence per key that was not as listed (names only, never values). */
  readonly notes: readonly string[];
}

const NONE: Confirmation = { found: new Map(), unconfirmed: [], notes: [] };

/**
 * Asks `byName` about the keys of `known` missing from `listed` (one call for all of
 * them; the store batches). Throttling and other transient failures that outlast the
 * retries make those keys unconfirmed, never absent; any other error is thrown.
 */
export async function confirmMissing(
  known: ReadonlySet<string> | undefined,
  listed: ReadonlySet<string>,
  byName: (keys: readonly string[]) => Promise<ReadonlyMap<string, ByName>>,
): Promise<Confirmation> {
  if (known === undefined || known.size === 0) return NONE;
  const missing = [...known].filter((k) => !listed.has(k)).sort();
  if (missing.length === 0) return NONE;
  let answers: ReadonlyMap<string, ByName>;
  try {
    answers = await byName(missing);
  } catch (e) {
    if (!isTransient(e)) throw e;
    answers = new Map(
      missing.map((k) => [k, { state: "unknown", why: "the read by name was throttled" }]),
    );
  }
  const found = new Map<string, { value: string; version: string }>();
  const unconfirmed: string[] = [];
  const notes: string[] = [];
  for (const key of missing) {
    const a = answers.get(key) ?? { state: "unknown", why: "the read by name did not answer" };
    if (a.state === "found") {
      found.set(key, { value: a.value, version: a.version });
      notes.push(`listing incomplete: ${key} was missing from the listing but found by name`);
    } else if (a.state === "unknown") {
      unconfirmed.push(key);
      notes.push(`listing incomplete: ${key} not confirmed absent (${a.why}); left alone`);
    }
  }
  return { found, unconfirmed, notes };
}
