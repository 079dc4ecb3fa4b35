/**
 * Entries under a per-key remote's prefix that envsync does not manage (made by the
 * AWS CLI, chamber, Terraform, the console…): stores list them so every command can
 * say so, read them on request (`?unmanaged=read`), and `envsync adopt` can take them
 * over (tag them as envsync's). Each store that supports it has a module of its own;
 * this file only maps the scheme to it, loaded lazily like the stores themselves.
 */
import { refusePlainHttp } from "./plain-http.js";
import { hooksOf } from "./registry.js";
import type { StoreContext } from "./types.js";
import { parseRemoteUri } from "./uri.js";

/** One entry under the prefix that envsync does not manage. */
export interface ForeignEntry {
  /** The store's name for it (`/myapp/DB_URL`, `myapp/DB_URL`). */
  readonly name: string;
  /** The key it would be in `.env`. */
  readonly key: string;
}

/** What a store says about the entries under its prefix that envsync does not manage. */
export interface ForeignAccess {
  /** "parameters" or "secrets". */
  readonly noun: string;
  /** The prefix as users know it (`/myapp/`). */
  readonly where: string;
  /** Lists them (metadata calls only, never values). */
  list(): Promise<ForeignEntry[]>;
  /** Reads their values without adopting them. */
  read(entries: readonly ForeignEntry[]): Promise<Map<string, string>>;
  /** Tags them as envsync's (after which every read includes them). */
  adopt(entries: readonly ForeignEntry[]): Promise<void>;
  /** Releases clients. */
  close?(): Promise<void>;
}

/** A store module that can list foreign entries. */
export interface ForeignModule {
  /** Null when the remote's layout has no prefix (a bundle). */
  openForeign(raw: string, context: StoreContext): ForeignAccess | null;
}

const modules: Readonly<Record<string, () => Promise<ForeignModule>>> = {
  "aws-ssm": () => import("./aws/foreign.js"),
  "aws-sm": () => import("./aws/foreign.js"),
  "azure-kv": () => import("./azure/foreign.js"),
  "gcp-sm": () => import("./gcp/foreign.js"),
};

/**
 * The foreign-entry access of a remote, or null when its store has none (file, bundles,
 * stores without support yet).
 */
export async function openForeign(
  raw: string,
  context: StoreContext,
): Promise<ForeignAccess | null> {
  const uri = parseRemoteUri(raw);
  const load = modules[uri.scheme];
  if (!load) return null;
  refusePlainHttp(uri, hooksOf(uri), context);
  return (await load()).openForeign(raw, context);
}
