/**
 * The embedded `file:PATH` store (no account needed). `.json` files hold one JSON
 * object; anything else is dotenv text, written format-preserving. The version is a
 * hash of the content; writes take a lock file, re-check the version, then replace
 * the file atomically (with a backup), so concurrent writers are detected (exit 5).
 */
import { createHash } from "node:crypto";
import { mkdir, open, readFile, rm, stat } from "node:fs/promises";
import { basename, dirname, extname, join, resolve } from "node:path";
import { EnvsyncError } from "../../errors.js";
import { applyChanges, formatDotenv, parseDocument } from "../../dotenv/index.js";
import { writeFileAtomic } from "../../state/atomic-write.js";
import { checkNames, parseBundleJson } from "../rules.js";
import { encodeBundle } from "../shared/json-bundle.js";
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

/** sha256 of content, short, as the file's version. */
export function contentVersion(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 16);
}

/** Reads a file, or null when it does not exist. */
async function readOrNull(path: string): Promise<string | null> {
  try {
    return await readFile(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return null;
    throw new EnvsyncError("IO", `Cannot read ${path} (${code ?? "error"}).`, {
      cause: e,
      hint: "Check that the file is readable by you.",
    });
  }
}

/** Holds an exclusive lock file while `fn` runs (stale locks older than 30 s are broken). */
export async function withLock<T>(path: string, fn: () => Promise<T>): Promise<T> {
  const lock = `${path}.envsync-lock`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      const h = await open(lock, "wx", 0o600);
      await h.writeFile(String(process.pid));
      await h.close();
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") {
        throw new EnvsyncError("IO", `Cannot create the lock ${lock}.`, {
          cause: e,
          hint: "Check that the folder is writable.",
        });
      }
      try {
        const st = await stat(lock);
        if (Date.now() - st.mtimeMs > 30_000) await rm(lock, { force: true });
      } catch {
        /* gone meanwhile */
      }
      if (Date.now() > deadline) {
        throw new EnvsyncError("REMOTE_CHANGED", `${path} is locked by another envsync process.`, {
          hint: `Run again in a moment; if no envsync is running, delete ${lock}.`,
        });
      }
      await new Promise((r) => setTimeout(r, 20 + Math.random() * 40));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lock, { force: true });
  }
}

class FileStore implements Store {
  readonly scheme = "file";
  readonly layout = "file" as const;
  readonly display: string;
  readonly rules: Store["rules"];
  private readonly json: boolean;
  readonly history: FileHistory;

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
    this.history = new FileHistory(path);
  }

  private decode(text: string): Map<string, string> {
    if (this.json) return parseBundleJson(text, this.display);
    const parsed = parseDocument(text, { filename: this.path });
    for (const w of parsed.warnings) this.ctx.logger.warn(`warning: ${w.message}`);
    return parsed.values;
  }

  private encode(current: string | null, next: Map<string, string>, changes: ChangeSet): string {
    // The lossless codec: keys not changed keep their exact JSON text and type.
    if (this.json)
      return encodeBundle(next, current === null ? undefined : this.decode(current), 2) + "\n";
    if (current === null) return formatDotenv(next);
    return applyChanges(parseDocument(current, { filename: this.path }).doc, changes);
  }

  async read(): Promise<RemoteSnapshot> {
    const text = await readOrNull(this.path);
    if (text === null)
      return { exists: false, values: new Map(), version: null, keyVersions: new Map() };
    return {
      exists: true,
      values: this.decode(text),
      version: contentVersion(text),
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
    await mkdir(dirname(this.path), { recursive: true });
    return withLock(this.path, async () => {
      const current = await readOrNull(this.path);
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
      if (current !== null) await this.history.record(current);
      await writeFileAtomic(this.path, text, {
        backupDir: join(this.ctx.cwd, ".envsync", "backups"),
      });
      return { version: contentVersion(text), writeCalls: 1 };
    });
  }

  async listVersions(): ReturnType<NonNullable<Store["listVersions"]>> {
    const current = await readOrNull(this.path);
    return this.history.list(current, (t) => this.decode(t).size, contentVersion);
  }

  async readVersion(id: string): Promise<RemoteSnapshot> {
    const current = await readOrNull(this.path);
    if (current !== null && contentVersion(current) === id) return this.read();
    const text = await this.history.read(id, contentVersion);
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
