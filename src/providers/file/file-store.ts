/**
 * The embedded `file:PATH` store (no account needed). `.json` files hold one JSON
 * object; anything else is dotenv text, written format-preserving. The version is a
 * hash of the content; writes take a lock file, re-check the version, then replace
 * the file atomically (with a backup), so concurrent writers are detected (exit 5).
 */
import { basename, dirname, extname, join, resolve } from "node:path";
import { EnvsyncError, ioError } from "../../errors.js";
import { applyChanges, formatDotenv, parseDocument, parseValues } from "../../dotenv/index.js";
import { mkdirPrivate, writeFileAtomic } from "../../state/atomic-write.js";
import { lockWaitFromEnv } from "../../state/lock.js";
import { contentVersion, readOrNull, withLock } from "../shared/local-file.js";
import { bundleSnapshot, checkNames, parseBundleJson, patchedBundle } from "../rules.js";
import type {
  ChangeSet,
  ProviderModule,
  RemoteSnapshot,
  Store,
  StoreContext,
  WriteResult,
} from "../types.js";
import type { RemoteUri } from "../uri.js";
import { FileHistory } from "./history.js";

const DOTENV_KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

export { contentVersion, readOrNull, withLock } from "../shared/local-file.js";

const EMPTY: RemoteSnapshot = {
  exists: false,
  values: new Map(),
  version: null,
  keyVersions: new Map(),
};

class FileStore implements Store {
  readonly scheme = "file";
  readonly layout = "file" as const;
  readonly display: string;
  readonly rules: Store["rules"];
  private readonly json: boolean;
  private ownHistory: FileHistory | undefined;

  constructor(
    readonly path: string,
    private readonly ctx: StoreContext,
    raw: string,
  ) {
    this.display = raw;
    this.json = extname(path).toLowerCase() === ".json";
    this.rules = {
      maxValueBytes: Number.POSITIVE_INFINITY,
      nameRule: this.json ? "any key" : "dotenv keys: [A-Za-z_][A-Za-z0-9_.-]*",
    };
  }

  /**
   * The file's history, made on first use: its module is in the bundle's `write` chunk
   * (scripts/bundle.mjs), which a read does not load.
   */
  get history(): FileHistory {
    return (this.ownHistory ??= new FileHistory(this.path));
  }

  private decode(text: string): Map<string, string> {
    if (this.json) return parseBundleJson(text, this.display);
    const parsed = parseValues(text, { filename: this.path });
    for (const w of parsed.warnings) this.ctx.logger.warn(`warning: ${w.message}`);
    return parsed.values;
  }

  private encode(current: string | null, next: Map<string, string>, changes: ChangeSet): string {
    // A patch of the document as it is now: what the plan does not name stays byte for byte.
    if (this.json)
      return current === null
        ? patchedBundle(changes, { ...EMPTY }, 2) + "\n"
        : patchedBundle(changes, bundleSnapshot(current, this.display, null));
    if (current === null) return formatDotenv(next);
    return applyChanges(parseDocument(current, { filename: this.path }).doc, changes);
  }

  async read(): Promise<RemoteSnapshot> {
    const text = await readOrNull(this.path, this.display);
    if (text === null) return { ...EMPTY };
    // Hashed on first read of the version (a write guard, the base): diff and check,
    // which write nothing, never hash the file nor load node:crypto.
    let version: string | undefined;
    const { values, document, unreadable } = this.json
      ? bundleSnapshot(text, this.display, null)
      : { values: this.decode(text), document: undefined, unreadable: undefined };
    return {
      exists: true,
      values,
      ...(document ? { document } : {}),
      ...(unreadable ? { unreadable } : {}),
      get version(): string {
        return (version ??= contentVersion(text));
      },
      keyVersions: new Map(),
    };
  }

  validate(next: ReadonlyMap<string, string>): void {
    if (this.json) return;
    checkNames(
      [...next.keys()].map((key) => ({ key, name: key })),
      DOTENV_KEY,
      Number.MAX_SAFE_INTEGER,
      "letters, digits, _ . - and not starting with a digit",
      this.display,
    );
  }

  async write(changes: ChangeSet, expected: RemoteSnapshot): Promise<WriteResult> {
    try {
      await mkdirPrivate(dirname(this.path));
    } catch (e) {
      throw ioError(dirname(this.path), "create the folder", e);
    }
    const lockOptions = {
      what: this.display,
      note: (m: string) => this.ctx.logger.warn(m),
      ...(lockWaitFromEnv(this.ctx.env) !== undefined
        ? { waitMs: lockWaitFromEnv(this.ctx.env)! }
        : {}),
    };
    return withLock(
      this.path,
      async () => {
        await this.ctx.hooks?.holdingLock?.();
        const current = await readOrNull(this.path, this.display);
        const version = current === null ? null : contentVersion(current);
        if (version !== expected.version) {
          throw new EnvsyncError("REMOTE_CHANGED", `${this.display} changed since it was read.`, {
            hint: "Nothing was written. Run the command again: envsync merges the other change.",
          });
        }
        const values = current === null ? new Map<string, string>() : this.decode(current);
        for (const k of changes.delete) values.delete(k);
        for (const [k, v] of changes.set) values.set(k, v);
        const text = this.encode(current, values, changes);
        // The previous content goes to the history whole before the remote is replaced,
        // and becomes visible only once the remote write succeeded.
        const entry = current !== null ? await this.history.prepare(current) : null;
        try {
          await writeFileAtomic(this.path, text, {
            backupDir: join(this.ctx.cwd, ".envsync", "backups"),
          });
        } catch (e) {
          await entry?.discard();
          throw e;
        }
        try {
          await entry?.commit();
        } catch (e) {
          this.ctx.logger.warn(
            `warning: ${this.display} was written, but its previous version could not be added to the history (${ioError(this.history.dir, "write", e).message}); a copy is in .envsync/backups/.`,
          );
        }
        return { version: contentVersion(text), writeCalls: 1 };
      },
      lockOptions,
    );
  }

  /** The content hash, without parsing (what `run --watch` polls). */
  async probeVersion(): Promise<string | null> {
    const current = await readOrNull(this.path, this.display);
    return current === null ? null : contentVersion(current);
  }

  async listVersions(): ReturnType<NonNullable<Store["listVersions"]>> {
    const current = await readOrNull(this.path, this.display);
    return this.history.list(current, (t) => this.decode(t).size, contentVersion);
  }

  async readVersion(id: string): Promise<RemoteSnapshot> {
    const current = await readOrNull(this.path, this.display);
    if (current !== null && contentVersion(current) === id) return this.read();
    const text = await this.history.read(id, contentVersion);
    if (this.json) return bundleSnapshot(text, this.display, id);
    return { exists: true, values: this.decode(text), version: id, keyVersions: new Map() };
  }
}

/** Builds a file store; the path resolves against the working copy. */
export const createStore: ProviderModule["createStore"] = (uri: RemoteUri, ctx: StoreContext) => {
  const path = resolve(ctx.cwd, uri.target);
  if (basename(path) === "")
    throw new EnvsyncError("URI", `file:${uri.target} is a folder.`, { hint: "Name a file." });
  return new FileStore(path, ctx, uri.raw);
};
