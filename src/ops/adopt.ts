/**
 * `envsync adopt`: takes over the entries under a per-key remote's prefix that other
 * tools made (AWS CLI, chamber, Terraform, the console). A dry run by default: it lists
 * them; with `yes` it tags each as envsync's (`managed-by=envsync`), after which every
 * read includes it. Values are never read nor changed.
 */
import { EnvsyncError } from "../errors.js";
import { openForeign } from "../providers/foreign.js";
import { resolveSession, type CommonOptions } from "./session.js";

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
  const access = await openForeign(session.remote, session.storeContext);
  if (!access) {
    throw new EnvsyncError(
      "USAGE",
      `${session.remoteDisplay} has no entries envsync could adopt: adopt works on per-key AWS, Google and Azure remotes (aws-ssm://PATH/*, aws-sm://PREFIX/*, gcp-sm://PROJECT/PREFIX*, azure-kv://VAULT/PREFIX*).`,
      { hint: "Point --remote at the prefix the other tool wrote, e.g. aws-ssm://myapp/*." },
    );
  }
  try {
    const found = await access.list();
    const entries = found.map((e) => ({ ...e, dotenvKey: DOTENV_KEY.test(e.key) }));
    const dryRun = !opts.yes;
    if (!dryRun && found.length > 0) {
      session.logger.debug(`tagging ${found.length} ${access.noun} under ${access.where}`);
      await access.adopt(found);
    }
    return {
      remote: session.remoteDisplay,
      where: access.where,
      noun: access.noun,
      entries,
      dryRun,
      adopted: dryRun ? 0 : found.length,
    };
  } finally {
    await access.close?.();
  }
}
