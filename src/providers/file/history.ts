/**
 * The file store's own history (for `history` / `rollback`): before each write the
 * previous content is kept in `.envsync-history/<file>/` beside the remote file
 * (0700 folder, 0600 files, last 50 kept). It lives next to the remote because every
 * working copy sharing that remote should see the same history.
 */
import { chmod, mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { EnvsyncError } from "../../errors.js";
import type { VersionInfo } from "../types.js";

const KEEP = 50;

/** History folder of one file remote. */
export class FileHistory {
  readonly dir: string;
  constructor(private readonly path: string) {
    this.dir = join(dirname(path), ".envsync-history", basename(path));
  }

  /** Saves `content` as a past version. */
  async record(content: string): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const name = `${Date.now().toString().padStart(15, "0")}-${process.pid}-${Math.random().toString(36).slice(2, 6)}`;
    const p = join(this.dir, name);
    await writeFile(p, content, { mode: 0o600 });
    await chmod(p, 0o600);
    const names = (await readdir(this.dir)).sort();
    for (const old of names.slice(0, Math.max(0, names.length - KEEP)))
      await rm(join(this.dir, old), { force: true });
  }

  private async entries(): Promise<string[]> {
    try {
      return (await readdir(this.dir)).sort().reverse();
    } catch {
      return [];
    }
  }

  /** Versions newest first: the current content, then saved ones. */
  async list(
    current: string | null,
    countKeys: (text: string) => number,
    version: (text: string) => string,
  ): Promise<VersionInfo[]> {
    const out: VersionInfo[] = [];
    const saved = await this.entries();
    if (current !== null) {
      const st = await stat(this.path).catch(() => null);
      // The file's mtime comes from the kernel's coarse clock and may lag the moment
      // the previous content was saved (Date.now()); the current content is never older.
      const lastSaved = Number(saved[0]?.split("-")[0]);
      const ms = Math.max(st ? st.mtime.getTime() : 0, Number.isFinite(lastSaved) ? lastSaved : 0);
      out.push({
        id: version(current),
        createdAt: ms > 0 ? new Date(ms) : null,
        keyCount: safeCount(countKeys, current),
        current: true,
      });
    }
    for (const name of saved) {
      const text = await readFile(join(this.dir, name), "utf8");
      const ms = Number(name.split("-")[0]);
      out.push({
        id: version(text),
        createdAt: Number.isFinite(ms) ? new Date(ms) : null,
        keyCount: safeCount(countKeys, text),
        current: false,
      });
    }
    return out;
  }

  /** Content of a saved version by id. */
  async read(id: string, version: (text: string) => string): Promise<string> {
    for (const name of await this.entries()) {
      const text = await readFile(join(this.dir, name), "utf8");
      if (version(text) === id) return text;
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
