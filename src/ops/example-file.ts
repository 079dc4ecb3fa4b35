/**
 * The `.env.example` contract (envsync.yaml `example:`): a committed file that names
 * every key an app needs, with blank values or placeholders its authors wrote.
 * `sync` and `pull` keep it in step (keys the operation ends with are added blank,
 * keys the operation deleted are removed; every other line, comment and placeholder
 * stays byte for byte), and `check` reports the keys it requires that the local file
 * or the remote lacks (the dotenv-safe convention: a key defined with an empty value
 * counts as missing). No value is ever written into the example.
 */
import { relative } from "node:path";
import { applyChanges, formatDotenv } from "../dotenv/index.js";
import type { Logger } from "../logger.js";
import { writeFileAtomic } from "../state/atomic-write.js";
import { readLocal, type LocalFile } from "./local-file.js";

/** What keeping the example in step did (or would do, on a dry run). */
export interface ExampleUpdate {
  /** The example file, relative to the working copy's root. */
  readonly file: string;
  /** Keys appended with a blank value. */
  readonly added: readonly string[];
  /** Keys whose lines were removed (the operation deleted them). */
  readonly removed: readonly string[];
  /** True when the file was written (false on a dry run or when nothing changed). */
  readonly written: boolean;
}

/** Keys the example requires that one side lacks (absent, or defined empty). */
export interface ExampleGaps {
  /** The example file, relative to the working copy's root. */
  readonly file: string;
  /** Every key the example names, in its order. */
  readonly required: readonly string[];
  /** Required keys the local file lacks. */
  readonly missingLocal: readonly string[];
  /** Required keys the remote lacks. */
  readonly missingRemote: readonly string[];
}

/** Where an example file lives and how to name it in messages. */
export interface ExampleTarget {
  /** Absolute path of the example file. */
  readonly path: string;
  /** The working copy's root (labels are relative to it). */
  readonly root: string;
  readonly logger: Logger;
}

const label = (t: ExampleTarget): string => relative(t.root, t.path) || t.path;

/** Reads the example file (absent: empty); malformed content is exit 2 naming file:line. */
export function readExample(target: ExampleTarget): Promise<LocalFile> {
  return readLocal(target.path, target.logger, label(target));
}

/**
 * Brings the example `current` (as read before the operation, by {@link readExample})
 * in step with the operation's outcome: `keys` are the keys the
 * local file ends with, `deleted` those the operation removed on either side.
 * Placeholders already written stay; a new example file is created with mode 0644
 * (it is meant to be committed), an existing one keeps its mode and is backed up in
 * `backupDir` before it is replaced.
 */
export async function updateExample(
  target: ExampleTarget,
  current: LocalFile,
  keys: Iterable<string>,
  deleted: Iterable<string>,
  options: { readonly dryRun?: boolean; readonly backupDir: string },
): Promise<ExampleUpdate> {
  const file = label(target);
  const gone = new Set(deleted);
  const added = new Map<string, string>();
  for (const k of keys) if (!current.values.has(k) && !gone.has(k)) added.set(k, "");
  const removed = [...current.values.keys()].filter((k) => gone.has(k));
  const result = { file, added: [...added.keys()], removed };
  if (options.dryRun || (added.size === 0 && removed.length === 0))
    return { ...result, written: false };
  const text = current.doc
    ? applyChanges(current.doc, { set: added, delete: removed })
    : formatDotenv(added);
  await writeFileAtomic(target.path, text, { backupDir: options.backupDir, mode: 0o644 });
  return { ...result, written: true };
}

/**
 * The keys the example requires that `local` or `remote` lacks. A missing example
 * file requires nothing (and says so in the logger's debug line).
 */
export async function exampleGaps(
  target: ExampleTarget,
  local: ReadonlyMap<string, string>,
  remote: ReadonlyMap<string, string>,
): Promise<ExampleGaps> {
  const file = label(target);
  const example = await readExample(target);
  if (!example.exists) target.logger.debug(`the example ${file} does not exist: nothing required`);
  const required = [...example.values.keys()];
  const lacks = (side: ReadonlyMap<string, string>): string[] =>
    required.filter((k) => !side.get(k));
  return { file, required, missingLocal: lacks(local), missingRemote: lacks(remote) };
}
