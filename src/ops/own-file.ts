/**
 * The local file of a command is never the store's own file (docs/RELIABILITY.md,
 * "The local file is not the store"). `pull -r dotenvx:.env.production -f
 * .env.production` would otherwise write plaintext over the committed ciphertext. Paths
 * are compared as the system sees them: real paths (symlinks of the file or of a folder
 * on the way, `..`), and device + inode (hard links), each side resolved against its
 * own folder (the remote's against the config's folder, `-f` against the working folder).
 */
import { realpathSync, statSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import { EnvsyncError } from "../errors.js";
import { hooksOf } from "../providers/registry.js";
import type { Session } from "./session.js";

/** What names one file: its real path, and device + inode when it exists. */
interface FileIdentity {
  readonly real: string;
  readonly inode: string | null;
}

/** The real path of `path`, or of its nearest existing folder joined with the rest. */
function realOf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    const parent = dirname(path);
    return parent === path ? path : join(realOf(parent), basename(path));
  }
}

function identityOf(path: string): FileIdentity {
  let inode: string | null = null;
  try {
    const st = statSync(path);
    inode = `${st.dev}:${st.ino}`;
  } catch {
    /* absent (or unreadable): the real path decides */
  }
  return { real: realOf(path), inode };
}

/** True when the two absolute paths name the same file (same real path, or same inode). */
export function sameFile(a: string, b: string): boolean {
  const x = identityOf(a);
  const y = identityOf(b);
  return x.real === y.real || (x.inode !== null && x.inode === y.inode);
}

/**
 * Stops with exit 2 (USAGE) when the session's local file is the file its remote is kept
 * in (`file:`, `sops:`, `dotenvx:`) or one the store keeps beside it (dotenvx's
 * `.env.keys`). Called before the local file or the remote is read.
 */
export function refuseStoreFileAsLocal(session: Session): void {
  const { uri } = session;
  const hooks = hooksOf(uri);
  const cwd = session.storeContext.cwd;
  const storePath = hooks.localPath?.(uri, cwd);
  const own = [
    ...(storePath === undefined ? [] : [storePath]),
    ...(hooks.companionFiles?.(uri, cwd) ?? []),
  ];
  const hit = own.find((p) => sameFile(session.filePath, p));
  if (hit === undefined) return;
  const which = hit === storePath ? "" : ` ${relative(session.root, hit) || hit}`;
  throw new EnvsyncError(
    "USAGE",
    `The local file ${session.fileLabel} is the store's own file${which} (${session.remoteDisplay}): writing it would put plain values where the store keeps its own text.`,
    {
      hint: "Use a different local file (-f .env, or `file:` in envsync.yaml) for the values; nothing was read or written.",
    },
  );
}
