/**
 * The `dotenvx:PATH` store: a dotenvx-encrypted `.env` file (values `encrypted:BASE64`,
 * public key in the file, private key in `.env.keys` or the environment). Reads
 * decrypt with the private key; plain values are read as written. Writes encrypt new
 * and changed values with the file's public key only (as `dotenvx set` does), splice
 * them into the file so every untouched line stays byte-identical, and replace the
 * file atomically under a lock after checking its content hash (exit 5 when it moved).
 * Backups are the file's encrypted bytes; nothing decrypted is ever written to disk.
 */
import { basename, resolve } from "node:path";
import { EnvsyncError } from "../../errors.js";
import { parseDocument } from "../../dotenv/index.js";
import { model, type Entry } from "../../dotenv/parser.js";
import { writeFileAtomic } from "../../state/atomic-write.js";
import { readOrNull } from "../shared/local-file.js";
import { EncryptedFileStore } from "../shared/encrypted-file.js";
import { checkNames } from "../rules.js";
import type {
  ChangeSet,
  ProviderModule,
  RemoteSnapshot,
  Store,
  StoreContext,
  WriteResult,
} from "../types.js";
import type { RemoteUri } from "../uri.js";
import { decryptOne, startDecryption, type Decryption } from "./decrypt.js";
import type * as Ecies from "./keys.js";
import {
  ENCRYPTED_PREFIX,
  findPrivateKeys,
  isKeyMaterial,
  keyNames,
  keysFilePath,
  type KeyNames,
  type PrivateKeys,
} from "./names.js";

const DOTENV_KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** A parsed dotenvx file: its entries, key names and public key. */
interface Parsed {
  readonly text: string;
  readonly entries: readonly Entry[];
  readonly eol: string;
  readonly names: KeyNames;
  /** The public key in the file, or null when it has none yet. */
  readonly publicKey: string | null;
  /** Key → the entry that wins (the last definition), key material excluded. */
  readonly winners: ReadonlyMap<string, Entry>;
}

/** The text of a dotenvx value token: double quotes as dotenvx writes, single when `$` would expand. */
function token(cipher: string, plain: string): string {
  return plain.includes("$") ? `'${cipher}'` : `"${cipher}"`;
}

class DotenvxStore extends EncryptedFileStore implements Store {
  readonly scheme = "dotenvx";
  readonly rules: Store["rules"] = {
    maxValueBytes: Number.POSITIVE_INFINITY,
    nameRule: "dotenv keys: [A-Za-z_][A-Za-z0-9_.-]*, not DOTENV_PUBLIC_KEY*/DOTENV_PRIVATE_KEY*",
  };

  constructor(path: string, ctx: StoreContext, raw: string) {
    super(path, raw, ctx);
  }

  private parse(text: string): Parsed {
    const { doc, warnings } = parseDocument(text, { filename: this.display });
    for (const w of warnings) this.ctx.logger.warn(`warning: ${w.message}`);
    const m = model(doc);
    const names = keyNames(
      this.path,
      m.entries.map((e) => e.key),
    );
    let publicKey: string | null = null;
    const winners = new Map<string, Entry>();
    for (const e of m.entries) {
      if (e.key === names.publicKeyName) publicKey = e.value.trim();
      if (isKeyMaterial(e.key)) continue;
      winners.delete(e.key); // keeps file order of the winning definitions
      winners.set(e.key, e);
    }
    if (publicKey !== null && !/^0[23][0-9a-fA-F]{64}$/.test(publicKey)) {
      const line = m.entries.find((e) => e.key === names.publicKeyName)?.line ?? 1;
      throw new EnvsyncError(
        "PARSE",
        `${this.display}:${line}: ${names.publicKeyName} is not a dotenvx public key.`,
        {
          location: { file: this.display, line },
          hint: "It should be 66 hex digits (a compressed secp256k1 key), as `dotenvx encrypt` writes it. Nothing was written.",
        },
      );
    }
    return { text, entries: m.entries, eol: m.eol, names, publicKey, winners };
  }

  private async privateKeys(p: Parsed, needed: boolean): Promise<PrivateKeys | null> {
    const found = await findPrivateKeys(this.path, p.names, this.ctx.env);
    if (found === null && needed) {
      throw new EnvsyncError(
        "AUTH",
        `No private key to decrypt ${this.display}: ${p.names.privateKeyName} is neither in the environment nor in ${keysFilePath(this.path)}.`,
        {
          hint: `Set ${p.names.privateKeyName} (for example from your CI's secrets), or put .env.keys beside the file. Nothing was written.`,
        },
      );
    }
    return found;
  }

  private async decryptAll(
    p: Parsed,
    keys: PrivateKeys | null,
    decryption: Decryption,
  ): Promise<Map<string, string>> {
    const values = new Map<string, string>();
    const sealed = [...p.winners].filter(([, e]) => e.value.startsWith(ENCRYPTED_PREFIX));
    const opened = await decryption.decrypt(
      keys?.keys ?? [],
      sealed.map(([, e]) => e.value),
    );
    const results = new Map(sealed.map(([key], i) => [key, opened[i]!]));
    for (const [key, e] of p.winners) {
      const r = results.get(key);
      if (r === undefined) {
        values.set(key, e.value);
        continue;
      }
      if ("value" in r) {
        values.set(key, r.value);
        continue;
      }
      const where = `${this.display}:${e.line}`;
      if (r.failure === "malformed") {
        throw new EnvsyncError("PARSE", `${where}: the encrypted value of ${key} is malformed.`, {
          location: { file: this.display, line: e.line },
          hint: "The `encrypted:` value is not dotenvx ciphertext (truncated or edited?). Restore it from git or set it again with `dotenvx set`. Nothing was written.",
        });
      }
      throw new EnvsyncError(
        "AUTH",
        `${where}: ${keys?.source ?? "the private key"} cannot decrypt ${key} (wrong private key for this file).`,
        {
          location: { file: this.display, line: e.line },
          hint: `Use the ${p.names.privateKeyName} that belongs to ${p.names.publicKeyName} in the file. Nothing was written.`,
        },
      );
    }
    return values;
  }

  protected async decode(text: string): Promise<Map<string, string>> {
    // A large file's workers start before the parse, which their start-up overlaps.
    let sealed = 0;
    for (
      let at = text.indexOf(ENCRYPTED_PREFIX);
      at !== -1;
      at = text.indexOf(ENCRYPTED_PREFIX, at + 1)
    )
      sealed++;
    const decryption = startDecryption(sealed);
    try {
      const p = this.parse(text);
      const encrypted = [...p.winners.values()].some((e) => e.value.startsWith(ENCRYPTED_PREFIX));
      return await this.decryptAll(p, await this.privateKeys(p, encrypted), decryption);
    } finally {
      decryption.close();
    }
  }

  validate(next: ReadonlyMap<string, string>): void {
    const keys = [...next.keys()];
    const material = keys.find(isKeyMaterial);
    if (material !== undefined) {
      throw new EnvsyncError(
        "NAME",
        `${this.display} cannot hold the key ${material}: DOTENV_PUBLIC_KEY* and DOTENV_PRIVATE_KEY* are dotenvx key material.`,
        {
          hint: "Rename the key; envsync never writes dotenvx keys as values. Nothing was written.",
        },
      );
    }
    checkNames(
      keys.map((key) => ({ key, name: key })),
      DOTENV_KEY,
      Number.MAX_SAFE_INTEGER,
      "letters, digits, _ . - and not starting with a digit",
      this.display,
    );
  }

  override write(changes: ChangeSet, expected: RemoteSnapshot): Promise<WriteResult> {
    this.validate(changes.set);
    return super.write(changes, expected);
  }

  /** eciesjs, loaded by the first write: reads decrypt without it (./decrypt.ts). */
  private ecies: typeof Ecies | null = null;

  private seal(publicKey: string, value: string): string {
    return this.ecies!.encryptValue(publicKey, value);
  }

  protected async encode(current: string | null, changes: ChangeSet): Promise<string> {
    this.ecies ??= await import("./keys.js");
    const p = current === null ? null : this.parse(current);
    const publicKey = p?.publicKey ?? (await this.ensureKeypair(p));
    return p === null || p.publicKey === null
      ? this.fresh(p, publicKey, changes)
      : this.splice(p, publicKey, changes);
  }

  /**
   * The public key for a file that has none yet: from a private key already in the
   * environment or `.env.keys`, else a new keypair whose private key is added to
   * `.env.keys` (0600, never backed up) before the file names its public key.
   */
  private async ensureKeypair(p: Parsed | null): Promise<string> {
    const names = p?.names ?? keyNames(this.path, []);
    const existing = await findPrivateKeys(this.path, names, this.ctx.env);
    const first = existing?.keys[0];
    if (first !== undefined) {
      const { PrivateKey } = await import("eciesjs");
      try {
        return PrivateKey.fromHex(first).publicKey.toHex(true);
      } catch (cause) {
        throw new EnvsyncError(
          "AUTH",
          `${names.privateKeyName} (${existing!.source}) is not a valid private key.`,
          {
            cause,
            hint: "It should be 64 hex digits, as `dotenvx encrypt` writes it. Nothing was written.",
          },
        );
      }
    }
    const pair = this.ecies!.newKeypair();
    const keysPath = keysFilePath(this.path);
    const before = await readOrNull(keysPath, keysPath);
    const header =
      "#/------------------!DOTENV_PRIVATE_KEYS!-------------------/\n" +
      "#/ private decryption keys. DO NOT commit to source control /\n" +
      "#/----------------------------------------------------------/\n";
    let text = before ?? header;
    if (text !== "" && !text.endsWith("\n")) text += "\n";
    text += `\n# ${basename(this.path)}\n${names.privateKeyName}=${pair.privateKey}\n`;
    await writeFileAtomic(keysPath, text, { mode: 0o600 });
    this.ctx.logger.info(
      `Created a dotenvx keypair for ${this.display}: the private key ${names.privateKeyName} is in ${keysPath} (keep it out of git).`,
    );
    return pair.publicKey;
  }

  /** A whole new file (or a plain `.env` getting its public key): header, public key, entries. */
  private fresh(p: Parsed | null, publicKey: string, changes: ChangeSet): string {
    const names = p?.names ?? keyNames(this.path, []);
    const head =
      `#/-------------------[DOTENV_PUBLIC_KEY]--------------------/\n` +
      `#/            public-key encryption for .env files          /\n` +
      `#/----------------------------------------------------------/\n` +
      `${names.publicKeyName}="${publicKey}"\n\n`;
    if (p === null) {
      let body = `# ${basename(this.path)}\n`;
      for (const [key, value] of changes.set) {
        body += `${key}=${token(this.seal(publicKey, value), value)}\n`;
      }
      return head + body;
    }
    // An existing plain file: its lines stay, the public key goes on top, then the changes.
    const withKey: Parsed = {
      ...p,
      text: head + p.text,
      publicKey,
      entries: shift(p.entries, head.length),
    };
    const winners = new Map<string, Entry>();
    for (const e of withKey.entries) if (!isKeyMaterial(e.key)) winners.set(e.key, e);
    return this.spliceSync({ ...withKey, winners }, publicKey, changes, null);
  }

  private async splice(p: Parsed, publicKey: string, changes: ChangeSet): Promise<string> {
    // With the private key at hand, a value set to what it already is stays byte-identical.
    const keys = await findPrivateKeys(this.path, p.names, this.ctx.env);
    return this.spliceSync(p, publicKey, changes, keys);
  }

  private spliceSync(
    p: Parsed,
    publicKey: string,
    changes: ChangeSet,
    keys: PrivateKeys | null,
  ): string {
    const deletes = new Set(changes.delete.filter((k) => !changes.set.has(k)));
    const edits: { start: number; end: number; text: string }[] = [];
    for (const e of p.entries) {
      if (deletes.has(e.key)) edits.push({ start: e.start, end: e.next, text: "" });
    }
    const appended: string[] = [];
    for (const [key, value] of changes.set) {
      const e = p.winners.get(key);
      if (e === undefined) {
        appended.push(`${key}=${token(this.seal(publicKey, value), value)}`);
        continue;
      }
      const same = e.value.startsWith(ENCRYPTED_PREFIX)
        ? sameValue(keys, e.value, value)
        : e.value === value;
      if (same) continue;
      edits.push({
        start: e.valueStart,
        end: e.valueEnd,
        text: token(this.seal(publicKey, value), value),
      });
    }
    edits.sort((a, b) => a.start - b.start);
    let out = "";
    let cursor = 0;
    for (const ed of edits) {
      out += p.text.slice(cursor, ed.start) + ed.text;
      cursor = ed.end;
    }
    out += p.text.slice(cursor);
    if (appended.length > 0) {
      if (out.length > 0 && !out.endsWith("\n") && !out.endsWith("\r")) out += p.eol;
      out += appended.map((l) => l + p.eol).join("");
    }
    return out;
  }
}

function sameValue(keys: PrivateKeys | null, cipher: string, value: string): boolean {
  if (keys === null) return false;
  const r = decryptOne(keys.keys, cipher);
  return "value" in r && r.value === value;
}

function shift(entries: readonly Entry[], by: number): Entry[] {
  return entries.map((e) => ({
    ...e,
    line: e.line,
    start: e.start + by,
    valueStart: e.valueStart + by,
    valueEnd: e.valueEnd + by,
    end: e.end + by,
    next: e.next + by,
  }));
}

/** Builds a dotenvx store; the path resolves against the working copy. */
export const createStore: ProviderModule["createStore"] = (uri: RemoteUri, ctx: StoreContext) => {
  const path = resolve(ctx.cwd, uri.target);
  if (basename(path) === "")
    throw new EnvsyncError("URI", `dotenvx:${uri.target} is a folder.`, {
      hint: "Name the encrypted file, e.g. dotenvx:.env.production.",
    });
  return new DotenvxStore(path, ctx, uri.raw);
};
