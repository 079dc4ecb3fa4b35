/**
 * What a read of the remote leaves out, said out loud: entries under a per-key prefix
 * that other tools made (`envsync adopt` takes them over; `unmanaged=read` reads them
 * without adopting), and remote keys that cannot be `.env` keys (nested SSM paths,
 * `1ST`), which are skipped — never fatal. Every command that reads the remote prints
 * these notices on stderr and carries them in its `--json` result.
 */
import type { Store, RemoteSnapshot } from "../providers/types.js";
import { openForeign, type ForeignAccess, type ForeignEntry } from "../providers/foreign.js";
import type { Session } from "./session.js";

/** One thing the remote holds that this command does not sync. */
export interface RemoteNotice {
  /**
   * `UNMANAGED`: made by other tools, not read; `UNMANAGED_READ`: read without adopting;
   * `SKIPPED_KEYS`: not `.env` keys; `UNREADABLE`: entries that cannot be `.env` values (left alone); `LISTING_INCOMPLETE`: a listing left out a key the
   * base knows (found by name, or not confirmed absent and left alone).
   */
  readonly code:
    "UNMANAGED" | "UNMANAGED_READ" | "SKIPPED_KEYS" | "UNREADABLE" | "LISTING_INCOMPLETE";
  /** A sentence for people (names, never values). */
  readonly message: string;
  /** The store names (UNMANAGED*) or remote keys (SKIPPED_KEYS) concerned. */
  readonly names: readonly string[];
}

const DOTENV_KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

const list = (names: readonly string[], max = 5): string =>
  names.length <= max
    ? names.join(", ")
    : `${names.slice(0, max).join(", ")} and ${names.length - max} more`;

/**
 * The store's own access to the entries it does not manage (its client), else one from
 * src/providers/foreign.ts; null when it has none.
 */
export async function foreignOf(session: Session, store: Store): Promise<ForeignAccess | null> {
  return store.foreign
    ? await store.foreign()
    : await openForeign(session.uri, session.storeContext);
}

/** The foreign entries under a per-key remote's prefix (empty for other layouts and stores). */
export async function listForeign(
  session: Session,
  store: Store,
): Promise<{ entries: ForeignEntry[]; noun: string; where: string } | null> {
  if (store.layout !== "per-key") return null;
  const access = await foreignOf(session, store);
  if (!access) return null;
  try {
    return { entries: await access.list(), noun: access.noun, where: access.where };
  } finally {
    await access.close?.();
  }
}

/**
 * Adds what the read left out to `snapshot`: reads foreign entries when the remote asks
 * for it (`unmanaged=read`), drops keys `.env` cannot hold, and says both.
 */
export async function withRemoteNotices(
  session: Session,
  store: Store,
  snapshot: RemoteSnapshot,
): Promise<{ snapshot: RemoteSnapshot; notices: RemoteNotice[] }> {
  const notices: RemoteNotice[] = [];
  let values: ReadonlyMap<string, string> = snapshot.values;
  if (store.layout === "per-key") {
    const access = await foreignOf(session, store);
    if (access) {
      try {
        // What the read already saw costs no listing calls.
        const listed = snapshot.foreign ?? (await access.list());
        const entries = listed.filter((e) => !values.has(e.key));
        if (entries.length > 0) {
          const names = entries.map((e) => e.name);
          const n = `${entries.length} ${entries.length === 1 ? access.noun.replace(/s$/, "") : access.noun}`;
          if (session.uri.params.get("unmanaged") === "read") {
            const read = await access.read(entries);
            const merged = new Map(values);
            for (const [k, v] of read) if (!merged.has(k)) merged.set(k, v);
            values = merged;
            notices.push({
              code: "UNMANAGED_READ",
              message: `${n} under ${access.where} made by other tools ${entries.length === 1 ? "was" : "were"} read without adopting them (read-only: envsync will not change them; \`envsync adopt\` takes them over): ${list(names)}`,
              names,
            });
          } else {
            notices.push({
              code: "UNMANAGED",
              message: `${n} under ${access.where} ${entries.length === 1 ? "was" : "were"} made by other tools and ${entries.length === 1 ? "is" : "are"} not synced: ${list(names)}. \`envsync adopt\` takes them over; add unmanaged=read to the remote to read them without adopting.`,
              names,
            });
          }
        }
      } finally {
        await access.close?.();
      }
    }
  }
  const skipped: string[] = [];
  for (const k of values.keys()) if (!DOTENV_KEY.test(k)) skipped.push(k);
  if (skipped.length > 0) {
    values = new Map([...values].filter(([k]) => DOTENV_KEY.test(k)));
    notices.push({
      code: "SKIPPED_KEYS",
      message: `${skipped.length} key${skipped.length === 1 ? "" : "s"} on the remote ${session.remoteDisplay} cannot be ${skipped.length === 1 ? "a .env key" : ".env keys"} and ${skipped.length === 1 ? "was" : "were"} skipped (left as ${skipped.length === 1 ? "it is" : "they are"} on the remote): ${list(skipped)}. A .env key is letters, digits, _ . - and does not start with a digit: rename ${skipped.length === 1 ? "it" : "them"} on the remote to sync ${skipped.length === 1 ? "it" : "them"}, or give a nested path its own remote (e.g. aws-ssm://PATH/nested/*).`,
      names: skipped,
    });
  }
  const unreadable = snapshot.unreadable ?? [];
  if (unreadable.length > 0) {
    const names = unreadable.map((u) => u.name ?? u.key);
    notices.push({
      code: "UNREADABLE",
      message: `${unreadable.length} ${unreadable.length === 1 ? "entry" : "entries"} of ${session.remoteDisplay} cannot be .env values and ${unreadable.length === 1 ? "was" : "were"} left as ${unreadable.length === 1 ? "it is" : "they are"} (envsync never rewrites ${unreadable.length === 1 ? "it" : "them"}): ${unreadable
        .slice(0, 5)
        .map((u) => `${u.name ?? u.key} (${u.why})`)
        .join("; ")}${unreadable.length > 5 ? ` and ${unreadable.length - 5} more` : ""}.`,
      names,
    });
  }
  // What the read found the listing got wrong (src/providers/shared/confirm-absent.ts);
  // `names` are the keys left alone (not confirmed absent).
  for (const w of snapshot.warnings ?? []) {
    notices.push({
      code: "LISTING_INCOMPLETE",
      message: w,
      names: (snapshot.unconfirmed ?? []).filter((k) => w.startsWith(`listing incomplete: ${k} `)),
    });
  }
  if (notices.length === 0) return { snapshot, notices };
  return {
    snapshot: { ...snapshot, values, exists: snapshot.exists || values.size > 0 },
    notices,
  };
}
