/**
 * The file store's own history (for `history` / `rollback`): each write keeps the
 * previous content in `.envsync-history/<file>/` beside the remote file (0700
 * folders, 0600 files, last 50 kept). It lives next to the remote because every
 * working copy sharing that remote should see the same history.
 *
 * An entry is written whole under a temporary name before the remote is replaced and
 * renamed into place only after the remote write succeeded; its name carries the
 * SHA-256 of its content, so an entry cut short (a full disk, a crash) is never
 * listed, and `rollback` verifies the hash before applying an entry
 * (docs/RELIABILITY.md, "Local state and locks").
 */
import { createHash, randomBytes } from "node:crypto";
import { open, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { EnvsyncError, ioError } from "../../errors.js";
import { defaultFs, mkdirPrivate, removeLeftoverTemps } from "../../state/atomic-write.js";
import { trackTemp } from "../../state/lock.js";
import type { VersionInfo } from "../types.js";

const KEEP = 50;
/** `<ms since 1970, 15 digits>-<pid>-<random>-<sha256 of the content>`. */
const ENTRY = /^(\d{15})-(\d+)-([0-9a-z]+)-([0-9a-f]{64})$/;
const ENTRY_TMP = /^\.\d{15}-(\d+)-[0-9a-z]+-[0-9a-f]{64}\.tmp$/;

const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex");

/** An entry written under its temporary name, not yet visible. */
export interface PendingEntry {
  /** Makes the entry visible (after the remote write succeeded). */
  commit(): Promise<void>;
  /** Removes it (the remote write failed). */
  discard(): Promise<void>;
}

/** History folder of one file remote. */
export class FileHistory {
  readonly dir: string;
  constructor(private readonly path: string) {
    this.dir = join(dirname(path), ".envsync-history", basename(path));
  }

  /**
   * Writes `content` (the remote's content before a write) whole and fsynced under a
   * temporary name; nothing is listed until {@link PendingEntry.commit}.
   * @throws EnvsyncError "IO" when it cannot be written (the remote is then not written).
   */
  async prepare(content: string): Promise<PendingEntry> {
    try {
      await mkdirPrivate(this.dir);
    } catch (e) {
      throw ioError(this.dir, "create the history folder", e);
    }
    await removeLeftoverTemps(defaultFs, this.dir, ENTRY_TMP);
    const name = `${Date.now().toString().padStart(15, "0")}-${process.pid}-${randomBytes(3).toString("hex")}-${sha256(content)}`;
    const final = join(this.dir, name);
    const tmp = join(this.dir, `.${name}.tmp`);
    const untrack = trackTemp(tmp);
    try {
      const handle = await open(tmp, "wx", 0o600);
      try {
        await handle.chmod(0o600);
        await handle.writeFile(content);
        await handle.sync();
      } finally {
        await handle.close();
      }
    } catch (e) {
      untrack();
      await rm(tmp, { force: true });
      throw ioError(final, "write the history entry", e);
    }
    return {
      commit: async () => {
        try {
          await rename(tmp, final);
        } finally {
          untrack();
        }
        await this.prune();
      },
      discard: async () => {
        untrack();
        await rm(tmp, { force: true });
      },
    };
  }

  private async prune(): Promise<void> {
    const names = (await this.names()).sort();
    for (const old of names.slice(0, Math.max(0, names.length - KEEP)))
      await rm(join(this.dir, old), { force: true });
  }

  /** Entry names (well-formed ones only), any order. */
  private async names(): Promise<string[]> {
    try {
      return (await readdir(this.dir)).filter((n) => ENTRY.test(n));
    } catch {
      return [];
    }
  }

  /** Reads an entry; null when its content does not match the hash in its name. */
  private async verified(name: string): Promise<string | null> {
    const text = await readFile(join(this.dir, name), "utf8").catch(() => null);
    if (text === null) return null;
    return sha256(text) === ENTRY.exec(name)![4] ? text : null;
  }

  /** Versions newest first: the current content, then saved ones whose hash verifies. */
  async list(
    current: string | null,
    countKeys: (text: string) => number,
    version: (text: string) => string,
  ): Promise<VersionInfo[]> {
    const out: VersionInfo[] = [];
    const saved = (await this.names()).sort().reverse();
    if (current !== null) {
      const st = await stat(this.path).catch(() => null);
      // The file's mtime comes from the kernel's coarse clock and may lag the moment
      // the previous content was saved (Date.now()); the current content is never older.
      const lastSaved = Number(saved[0] === undefined ? NaN : ENTRY.exec(saved[0])![1]);
      const ms = Math.max(st ? st.mtime.getTime() : 0, Number.isFinite(lastSaved) ? lastSaved : 0);
      out.push({
        id: version(current),
        createdAt: ms > 0 ? new Date(ms) : null,
        keyCount: safeCount(countKeys, current),
        current: true,
      });
    }
    for (const name of saved) {
      const text = await this.verified(name);
      if (text === null) continue; // cut short or altered: never offered
      const ms = Number(ENTRY.exec(name)![1]);
      out.push({
        id: version(text),
        createdAt: new Date(ms),
        keyCount: safeCount(countKeys, text),
        current: false,
      });
    }
    return out;
  }

  /**
   * Content of a saved version by id, after checking it against the hash in the
   * entry's name.
   * @throws EnvsyncError "NOT_FOUND" for an unknown id; "IO" when the only entries
   *   with that id are damaged (nothing is applied).
   */
  async read(id: string, version: (text: string) => string): Promise<string> {
    let damaged: string | null = null;
    for (const name of (await this.names()).sort().reverse()) {
      const hash = ENTRY.exec(name)![4]!;
      const text = await readFile(join(this.dir, name), "utf8").catch(() => null);
      if (text === null) continue;
      if (version(text) !== id && !hash.startsWith(id)) continue;
      if (sha256(text) === hash) return text;
      damaged = name;
    }
    if (damaged !== null) {
      throw new EnvsyncError(
        "IO",
        `The history entry ${join(this.dir, damaged)} is damaged: its content does not match its hash. Nothing was applied.`,
        {
          hint: "Choose another version from `envsync history` (a full disk or a crash can cut an entry short).",
        },
      );
    }
    throw new EnvsyncError("NOT_FOUND", `No version ${id} in the history of this file remote.`, {
      hint: "List versions with `envsync history`.",
    });
  }
}

function safeCount(countKeys: (text: string) => number, text: string): number | null {
  try {
    return countKeys(text);
  } catch {
    return null;
  }
}
