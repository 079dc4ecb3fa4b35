/**
 * The shape shared by the stores kept in one encrypted local file (`sops:`,
 * `dotenvx:`): a read gives the file's values with its content hash as the version; a
 * write takes the file's lock, checks the file still has the content read (exit 5
 * otherwise, nothing written), renders the new text from the current one, and replaces
 * the file atomically, keeping the previous **encrypted** bytes as the backup (never a
 * decrypted value at rest). Each store only decodes and encodes its format.
 */
import { mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { EnvsyncError } from "../../errors.js";
import { writeFileAtomic } from "../../state/atomic-write.js";
import { contentVersion, readOrNull, withLock } from "./local-file.js";
import type { ChangeSet, RemoteSnapshot, StoreContext, WriteResult } from "../types.js";

/** Base of the encrypted-file stores: read and guarded write around `decode` and `encode`. */
export abstract class EncryptedFileStore {
  readonly layout = "file" as const;

  constructor(
    /** Absolute path of the file. */
    readonly path: string,
    /** The remote as shown to users. */
    readonly display: string,
    protected readonly ctx: StoreContext,
  ) {}

  /** The values held by the file's `text` (decrypted; never kept anywhere but memory). */
  protected abstract decode(text: string): Promise<Map<string, string>>;
  /** The file's new text: `current` (null when the file does not exist yet) with `changes` applied. */
  protected abstract encode(current: string | null, changes: ChangeSet): Promise<string>;
  /** Called once the new text is in place (e.g. to warn about what it holds). */
  protected afterWrite(): void {}

  async read(): Promise<RemoteSnapshot> {
    const text = await readOrNull(this.path, this.path);
    if (text === null)
      return { exists: false, values: new Map(), version: null, keyVersions: new Map() };
    return {
      exists: true,
      values: await this.decode(text),
      version: contentVersion(text),
      keyVersions: new Map(),
    };
  }

  /** The file's content hash, without decrypting (what `run --watch` polls). */
  async probeVersion(): Promise<string | null> {
    const text = await readOrNull(this.path, this.path);
    return text === null ? null : contentVersion(text);
  }

  async write(changes: ChangeSet, expected: RemoteSnapshot): Promise<WriteResult> {
    await mkdir(dirname(this.path), { recursive: true });
    return withLock(this.path, async () => {
      const current = await readOrNull(this.path, this.path);
      const version = current === null ? null : contentVersion(current);
      if (version !== expected.version) {
        throw new EnvsyncError("REMOTE_CHANGED", `${this.display} changed since it was read.`, {
          hint: "Nothing was written. Run the command again: envsync merges the other change.",
        });
      }
      const text = await this.encode(current, changes);
      await writeFileAtomic(this.path, text, {
        backupDir: join(this.ctx.cwd, ".envsync", "backups"),
      });
      this.afterWrite();
      return { version: contentVersion(text), writeCalls: 1 };
    });
  }
}
