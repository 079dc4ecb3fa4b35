/**
 * The base (docs/DESIGN.md): per working copy and remote, what both sides agreed on at
 * the last successful sync, as HMAC-SHA256 hashes keyed with a random key kept beside
 * the state (`.envsync/state.key`), never values. Files are 0600, the folder 0700.
 * `state.json` holds the bases of every environment; it is read, changed and written
 * under a lock (`.envsync/state.lock`), so environments synced at the same instant
 * keep each other's base (docs/RELIABILITY.md, "Local state and locks").
 */
import { createHmac, randomBytes } from "node:crypto";
import { chmodSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { EnvsyncError, ioError } from "../errors.js";
import { writeFileAtomic } from "./atomic-write.js";
import { withFileLock } from "./lock.js";

/** One remote's base as stored. */
export interface BaseEntry {
  /** The local file, relative to the working copy. */
  readonly file: string;
  /** The remote URI as shown (no credentials). */
  readonly remote: string;
  /** The remote's version id at the last sync. */
  readonly remoteVersion: string | null;
  /** Key → keyed hash of the agreed value. */
  readonly keys: Record<string, string>;
  /**
   * When both sides held exactly the same keys and values after that sync: one keyed
   * hash of them all, in order ({@link BaseStore.digest}). A later sync that ends with
   * both sides equal to the same values finds the base unchanged by comparing this one
   * hash, instead of hashing every key and rewriting the state file.
   */
  readonly agreed?: string;
  /** ISO time of the last sync that changed this entry. */
  readonly updatedAt: string;
}

interface StateFile {
  version: 1;
  bases: Record<string, BaseEntry>;
}

/** Options of a {@link BaseStore}. */
export interface BaseStoreOptions {
  /** Receives notes (a stale lock broken); default: none. */
  readonly note?: (message: string) => void;
  /** How long to wait for another process's state lock, ms (default 10000). */
  readonly lockWaitMs?: number;
}

/** Handle on the `.envsync/` folder of a working copy. */
export class BaseStore {
  /** The `.envsync` folder. */
  readonly dir: string;
  private key: Buffer | null = null;

  constructor(
    root: string,
    private readonly options: BaseStoreOptions = {},
  ) {
    this.dir = join(root, ".envsync");
  }

  /** Path of the state file. */
  get statePath(): string {
    return join(this.dir, "state.json");
  }

  /** Folder where local files are backed up before each write. */
  get backupDir(): string {
    return join(this.dir, "backups");
  }

  /** Path of the lock taken while the state file is updated. */
  get lockPath(): string {
    return join(this.dir, "state.lock");
  }

  private ensureDir(): void {
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      chmodSync(this.dir, 0o700); // whatever the umask
    } catch (e) {
      throw ioError(this.dir, "create the folder", e);
    }
  }

  /** The HMAC key, created (32 random bytes, 0600) on first use. */
  private hmacKey(create: boolean): Buffer | null {
    if (this.key) return this.key;
    const path = join(this.dir, "state.key");
    try {
      this.key = Buffer.from(readFileSync(path, "utf8").trim(), "hex");
      if (this.key.length < 16) throw new Error("short key");
      return this.key;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT" && (e as Error).message !== "short key") {
        throw ioError(path, "read", e);
      }
      if (!create) return null;
      this.ensureDir();
      this.key = this.createKey(path);
      return this.key;
    }
  }

  /**
   * Creates the key file atomically and only if absent: written whole under a
   * temporary name, then linked into place. When another process (a sync of another
   * environment started at the same instant) created it first, its key is used.
   */
  private createKey(path: string): Buffer {
    const key = randomBytes(32);
    const tmp = `${path}.${process.pid}-${randomBytes(6).toString("hex")}.tmp`;
    try {
      writeFileSync(tmp, key.toString("hex") + "\n", { mode: 0o600, flag: "wx" });
      chmodSync(tmp, 0o600);
      try {
        linkSync(tmp, path);
        return key;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      }
    } catch (e) {
      throw ioError(path, "create the key file", e);
    } finally {
      rmSync(tmp, { force: true });
    }
    const theirs = Buffer.from(readFileSync(path, "utf8").trim(), "hex");
    if (theirs.length < 16) {
      throw new EnvsyncError("IO", `${path} is damaged.`, {
        hint: "Delete .envsync/ to start from a fresh base (the next sync reports differing keys as conflicts).",
      });
    }
    return theirs;
  }

  /**
   * The keyed hash function of this working copy. With `create: false` and no key
   * yet, returns null (there can be no base either).
   */
  hasher(create = true): ((key: string, value: string) => string) | null {
    const k = this.hmacKey(create);
    if (!k) return null;
    return (key, value) =>
      createHmac("sha256", k).update(key).update("\0").update(value).digest("base64url");
  }

  /**
   * One keyed hash of a whole set of values, in their order: of the JSON text of its
   * keys and of its values (two arrays of strings), so no two different sets (or
   * orders) read the same. Creates the key like {@link hasher}.
   */
  digest(values: ReadonlyMap<string, string>): string {
    return createHmac("sha256", this.hmacKey(true)!)
      .update(JSON.stringify([[...values.keys()], [...values.values()]]))
      .digest("base64url");
  }

  /** A hasher that creates the key only when first called (after a write decision). */
  lazyHasher(): (key: string, value: string) => string {
    let h: ((key: string, value: string) => string) | null = null;
    return (key, value) => (h ??= this.hasher(true)!)(key, value);
  }

  private readState(): StateFile {
    let text: string;
    try {
      text = readFileSync(this.statePath, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return { version: 1, bases: {} };
      throw ioError(this.statePath, "read", e);
    }
    try {
      const parsed = JSON.parse(text) as StateFile;
      if (parsed.version !== 1 || typeof parsed.bases !== "object") throw new Error("shape");
      return parsed;
    } catch (cause) {
      throw new EnvsyncError("CONFIG", `${this.statePath} is damaged.`, {
        cause,
        hint: "Delete it: the next sync will treat both sides as new and report differing keys as conflicts.",
      });
    }
  }

  /** Identity of a (file, remote) pair in the state. */
  static id(file: string, remote: string): string {
    return `${file} <-> ${remote}`;
  }

  /** The stored base for a (file, remote) pair, or null before the first sync. */
  get(file: string, remote: string): BaseEntry | null {
    return this.readState().bases[BaseStore.id(file, remote)] ?? null;
  }

  /**
   * Records the base after a successful operation (atomic, 0600). The state file is
   * re-read under the state lock, so only this entry changes: the bases other
   * processes recorded meanwhile are kept.
   */
  async set(entry: BaseEntry): Promise<void> {
    this.ensureDir();
    await withFileLock(
      this.lockPath,
      async () => {
        const state = this.readState();
        state.bases[BaseStore.id(entry.file, entry.remote)] = entry;
        await writeFileAtomic(this.statePath, JSON.stringify(state, null, 2) + "\n", {
          mode: 0o600,
        });
      },
      {
        what: this.statePath,
        ...(this.options.note ? { note: this.options.note } : {}),
        ...(this.options.lockWaitMs !== undefined ? { waitMs: this.options.lockWaitMs } : {}),
      },
    );
  }
}
