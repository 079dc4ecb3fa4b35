/**
 * `envsync adopt`: takes over the entries under a per-key remote's prefix that other
 * tools made (AWS CLI, chamber, Terraform, the console). A dry run by default: it lists
 * them; with `yes` it tags each as envsync's (`managed-by=envsync`), after which every
 * read includes it. Values are never changed; with `yes` each entry is read first, and
 * one that cannot be read is warned about and left untagged. Names that fold to one
 * `.env` key stop it (exit 2) before anything is tagged.
 */
import { EnvsyncError } from "../errors.js";
import type { ForeignAccess, ForeignEntry } from "../providers/foreign.js";
import type { Store } from "../providers/types.js";
import { refuseCollisions } from "../providers/shared/collisions.js";
import { foreignOf } from "./remote-notices.js";
import { resolveSession, type CommonOptions, type Session } from "./session.js";

/** Options of {@link adopt}. */
export interface AdoptOptions extends CommonOptions {
  /** Tag them (without it: list only). */
  yes?: boolean;
}

/** What {@link adopt} found and did. */
export interface AdoptResult {
  readonly remote: string;
  /** `/myapp/` for SSM, `myapp/` for Secrets Manager. */
  readonly where: string;
  /** "parameters" or "secrets". */
  readonly noun: string;
  /** Store name and the `.env` key of each entry, sorted by name. */
  readonly entries: readonly { name: string; key: string; dotenvKey: boolean }[];
  readonly dryRun: boolean;
  /** How many were tagged. */
  readonly adopted: number;
}

const DOTENV_KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** Lists (and with `yes`, tags) the entries under the remote's prefix that envsync does not manage. */
export async function adopt(opts: AdoptOptions = {}): Promise<AdoptResult> {
  const session = resolveSession(opts);
  // One store, one client: the listing, the reads and the tagging use the store's own
  // client where it offers one (foreignOf).
  const store = await session.openStore();
  try {
    return await adoptWith(session, store, opts);
  } finally {
    await store.close?.();
  }
}

async function adoptWith(session: Session, store: Store, opts: AdoptOptions): Promise<AdoptResult> {
  const access = await foreignOf(session, store);
  if (!access) {
    throw new EnvsyncError(
      "USAGE",
      `${session.remoteDisplay} has no entries envsync could adopt: adopt works on per-key AWS, Google and Azure remotes (aws-ssm://PATH/*, aws-sm://PREFIX/*, gcp-sm://PROJECT/PREFIX*, azure-kv://VAULT/PREFIX*).`,
      { hint: "Point --remote at the prefix the other tool wrote, e.g. aws-ssm://myapp/*." },
    );
  }
  try {
    const found = await access.list();
    // Names that fold to one key (or a foreign name beside a managed one of the same
    // key) are refused before anything is tagged: the store's read says so for its own
    // names (SSM case=upper), the list for the rest.
    const read = await store.read();
    const managed = new Set([...read.values.keys(), ...read.keyVersions.keys()]);
    refuseCollisions(
      [
        ...found,
        ...found
          .filter((e) => managed.has(e.key))
          .map((e) => ({ name: `${e.key} (envsync's)`, key: e.key })),
      ],
      session.remoteDisplay,
      "Keep one entry per key: delete or rename the others with the tool that made them, then run adopt again.",
    );
    const entries = found.map((e) => ({ ...e, dotenvKey: DOTENV_KEY.test(e.key) }));
    const dryRun = !opts.yes;
    // Only what the listing offered as a .env key and what can be read is tagged.
    const wanted = found.filter((e) => DOTENV_KEY.test(e.key));
    const taken =
      dryRun || wanted.length === 0 ? wanted : await readable(access, wanted, session.logger);
    if (!dryRun && taken.length > 0) {
      session.logger.debug(`tagging ${taken.length} ${access.noun} under ${access.where}`);
      await access.adopt(taken);
    }
    return {
      remote: session.remoteDisplay,
      where: access.where,
      noun: access.noun,
      entries,
      dryRun,
      adopted: dryRun ? 0 : taken.length,
    };
  } finally {
    await access.close?.();
  }
}

/**
 * The entries a read would get a value from: one read of all; when it fails, each
 * alone, and the ones that fail are warned about and left untagged (e.g. a Google
 * secret with no enabled version), so one entry never blocks a whole prefix.
 */
async function readable(
  access: ForeignAccess,
  entries: readonly ForeignEntry[],
  logger: { warn(message: string): void },
): Promise<ForeignEntry[]> {
  try {
    await access.read(entries);
    return [...entries];
  } catch {
    const ok: ForeignEntry[] = [];
    for (const e of entries) {
      try {
        await access.read([e]);
        ok.push(e);
      } catch (err) {
        logger.warn(
          `warning: ${e.name} was not adopted: envsync could not read it (${err instanceof Error ? err.message : String(err)}).`,
        );
      }
    }
    return ok;
  }
}
