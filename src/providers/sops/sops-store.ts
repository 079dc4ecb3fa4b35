/**
 * The `sops:PATH` store: a SOPS-encrypted file (age recipients), dotenv, JSON or YAML
 * by extension, read and written so that `sops -d` agrees. Reads find the age identity
 * where SOPS does, decrypt the data key, decrypt every value and verify the MAC (a
 * tampered file is exit 1 naming it; nothing is written). Writes re-encrypt only the
 * changed values with the file's own data key, splice them in (every other byte stays
 * as it was, so a git diff shows which keys changed), keep the recipients and rules in
 * the metadata, and update `lastmodified` and the MAC. New files follow `.sops.yaml`.
 * The write replaces the file atomically under a lock after checking its content hash
 * (exit 5 when it moved); backups are the encrypted bytes. Nothing decrypted is ever
 * written to disk.
 */
import { randomBytes } from "node:crypto";
import { basename, resolve } from "node:path";
import { EnvsyncError } from "../../errors.js";
import { EncryptedFileStore } from "../shared/encrypted-file.js";
import type { ChangeSet, ProviderModule, Store, StoreContext } from "../types.js";
import type { RemoteUri } from "../uri.js";
import { decryptDataKey, encryptDataKey, findIdentities } from "./age-keys.js";
import { recipientOfSync } from "./hooks.js";
import {
  aadOf,
  decryptToken,
  encryptValue,
  goFloat,
  looksEncrypted,
  Mac,
  normalizeLastModified,
  nowLastModified,
  parseEnc,
} from "./cipher.js";
import { creationRule, goRegExp, type CryptRules } from "./config.js";
import {
  flattenMeta,
  formatOf,
  parseSops,
  yamlKey,
  type Leaf,
  type MetaSlot,
  type SopsDoc,
  type SopsFormat,
} from "./formats.js";

/** The SOPS version envsync's new files follow (their `version` metadata). */
export const SOPS_FORMAT_VERSION = "3.11.0";

const DOTENV_KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** The metadata envsync needs from a file. */
interface Meta {
  readonly age: readonly { readonly recipient: string; readonly enc: string }[];
  readonly lastmodified: string;
  readonly mac: string;
  readonly rules: CryptRules;
  readonly macOnlyEncrypted: boolean;
}

/** A file opened with its data key: values, and the MAC of its current content. */
interface Opened {
  readonly doc: SopsDoc;
  readonly meta: Meta;
  readonly dataKey: Uint8Array;
  readonly values: Map<string, string>;
  readonly complex: readonly string[];
  readonly mac: string;
}

/** SOPS's `shouldBeEncrypted` (getsops/sops `sops.go`). */
export function shouldEncrypt(
  rules: CryptRules,
  path: readonly string[],
  stack: readonly (readonly string[])[],
  isComment: boolean,
): boolean {
  let encrypted = true;
  if (rules.unencrypted_suffix) {
    if (path.some((p) => p.endsWith(rules.unencrypted_suffix!))) encrypted = false;
  }
  if (rules.encrypted_suffix) {
    encrypted = path.some((p) => p.endsWith(rules.encrypted_suffix!));
  }
  if (rules.unencrypted_regex) {
    const re = goRegExp(rules.unencrypted_regex);
    if (path.some((p) => re.test(p))) encrypted = false;
  }
  if (rules.encrypted_regex) {
    const re = goRegExp(rules.encrypted_regex);
    encrypted = path.some((p) => re.test(p));
  }
  if (rules.unencrypted_comment_regex) {
    const re = goRegExp(rules.unencrypted_comment_regex);
    if (stack.some((cs) => cs.some((c) => re.test(c)))) encrypted = false;
  }
  if (rules.encrypted_comment_regex) {
    const re = goRegExp(rules.encrypted_comment_regex);
    encrypted = false;
    const last = stack.length - 1;
    outer: for (let i = 0; i < stack.length; i++) {
      const cs = stack[i]!;
      for (let j = 0; j < cs.length; j++) {
        if (isComment && i === last && j === cs.length - 1) continue;
        if (re.test(cs[j]!)) {
          encrypted = true;
          break outer;
        }
      }
    }
  }
  return encrypted;
}

/** The bytes SOPS's `ToBytes` gives for an unencrypted leaf. */
function leafBytes(leaf: Leaf): string {
  const v = leaf.value;
  if (v.kind === "string") return v.text;
  if (v.kind === "bool") return v.bool ? "True" : "False";
  return v.int ? String(Math.trunc(v.num)) : goFloat(v.num);
}

/** A leaf's value as envsync shows it (what `sops -d` prints for it). */
function leafValue(leaf: Leaf): string {
  const v = leaf.value;
  if (v.kind === "string") return v.text;
  if (v.kind === "bool") return v.bool ? "true" : "false";
  return v.int ? String(Math.trunc(v.num)) : goFloat(v.num);
}

function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

class SopsStore extends EncryptedFileStore implements Store {
  readonly scheme = "sops";
  readonly rules: Store["rules"];
  /** What the last read saw (for validate, which runs between read and write). */
  private seen: { complex: readonly string[]; rules: CryptRules } = { complex: [], rules: {} };

  constructor(
    path: string,
    readonly format: SopsFormat,
    ctx: StoreContext,
    raw: string,
  ) {
    super(path, raw, ctx);
    this.rules = {
      maxValueBytes: Number.POSITIVE_INFINITY,
      nameRule:
        format === "dotenv"
          ? "dotenv keys: [A-Za-z_][A-Za-z0-9_.-]*, not starting with sops_"
          : "any key but sops",
    };
  }

  private fail(
    line: number,
    what: string,
    hint: string,
    code: "PARSE" | "PROVIDER" | "AUTH" = "PARSE",
  ): EnvsyncError {
    return new EnvsyncError(code, `${this.display}:${line}: ${what}`, {
      location: { file: this.display, line },
      hint: `${hint} Nothing was written.`,
    });
  }

  private metaOf(doc: SopsDoc): Meta {
    const m = doc.meta;
    if (m === null) {
      throw this.fail(
        doc.metaLine,
        "no SOPS metadata (it is not a SOPS-encrypted file, or the metadata was cut off).",
        `Encrypt it with \`sops -e -i\`, or restore it from git.`,
      );
    }
    const groups = Array.isArray(m.key_groups) ? (m.key_groups as Record<string, unknown>[]) : [];
    if (groups.length > 1) {
      throw this.fail(
        doc.metaLine,
        `the file's data key is split over ${groups.length} key groups (Shamir), which envsync does not open.`,
        "Use `sops` for this file, or re-encrypt it to one group of age recipients.",
        "PROVIDER",
      );
    }
    const rawAge = [
      ...(Array.isArray(m.age) ? (m.age as unknown[]) : []),
      ...(Array.isArray(groups[0]?.age) ? (groups[0].age as unknown[]) : []),
    ] as Record<string, unknown>[];
    const age = rawAge
      .map((a) => ({ recipient: str(a?.recipient) ?? "", enc: str(a?.enc) ?? "" }))
      .filter((a) => a.recipient !== "" && a.enc !== "");
    const lastmodified = str(m.lastmodified);
    const mac = str(m.mac);
    if (lastmodified === undefined || mac === undefined) {
      throw this.fail(
        doc.metaLine,
        `the SOPS metadata has no ${lastmodified === undefined ? "lastmodified" : "mac"}.`,
        "The file is truncated or was edited by hand; restore it from git.",
      );
    }
    const rules: Record<string, unknown> = {};
    for (const k of [
      "unencrypted_suffix",
      "encrypted_suffix",
      "unencrypted_regex",
      "encrypted_regex",
      "unencrypted_comment_regex",
      "encrypted_comment_regex",
    ] as const) {
      const v = str(m[k]);
      if (v !== undefined && v !== "") rules[k] = v;
    }
    const pathRules = [
      "unencrypted_suffix",
      "encrypted_suffix",
      "unencrypted_regex",
      "encrypted_regex",
    ].filter((k) => k in rules);
    if (pathRules.length > 1) {
      throw this.fail(
        doc.metaLine,
        `the SOPS metadata sets ${pathRules.join(" and ")}; SOPS allows one.`,
        "Restore the file from git.",
      );
    }
    if (pathRules.length === 0) rules.unencrypted_suffix = "_unencrypted";
    const macOnlyEncrypted = m.mac_only_encrypted === true || m.mac_only_encrypted === "true";
    return { age, lastmodified, mac, rules: rules, macOnlyEncrypted };
  }

  /** Decrypts the file's data key with the age identities SOPS would use. */
  private async dataKeyOf(doc: SopsDoc, meta: Meta): Promise<Uint8Array> {
    if (meta.age.length === 0) {
      throw this.fail(
        doc.metaLine,
        "the file has no age recipient (envsync opens SOPS files with age keys only).",
        "Add an age recipient with `sops updatekeys` (after adding it to .sops.yaml), or use `sops` for this file.",
        "AUTH",
      );
    }
    const ids = await findIdentities(this.ctx.env);
    if (ids.keys.length === 0) {
      throw new EnvsyncError("AUTH", `No age key to decrypt ${this.display}.`, {
        hint: `Looked in ${ids.looked.join(", ")}. Set SOPS_AGE_KEY_FILE to your age key file (or SOPS_AGE_KEY). Nothing was written.`,
      });
    }
    const mine = new Set(ids.keys.map((k) => recipientOfSync(k) ?? ""));
    for (const entry of meta.age) {
      if (!mine.has(entry.recipient.trim())) continue;
      const key = await decryptDataKey(entry.enc, ids.keys);
      if (key !== null && key.length === 32) return key;
      throw this.fail(
        doc.metaLine,
        `the data key for ${entry.recipient} does not decrypt with your age key (the sops metadata was damaged).`,
        "Restore the file from git.",
        "PROVIDER",
      );
    }
    throw this.fail(
      doc.metaLine,
      `none of your age keys (${ids.sources.join(", ")}) is a recipient of this file (recipients: ${meta.age.map((a) => a.recipient).join(", ")}).`,
      "Ask someone who can decrypt it to add your recipient (`sops updatekeys`), or point SOPS_AGE_KEY_FILE at the right key.",
      "AUTH",
    );
  }

  /**
   * Decrypts every value with `dataKey` and computes the MAC; with `verify`, checks it
   * against the stored one (exit 1 on a mismatch).
   */
  private decrypt(doc: SopsDoc, meta: Meta, dataKey: Uint8Array, verify: boolean): Opened {
    const commentRules =
      meta.rules.unencrypted_comment_regex !== undefined ||
      meta.rules.encrypted_comment_regex !== undefined;
    const mac = new Mac(meta.macOnlyEncrypted);
    const plain: (string | null)[] = [];
    for (const leaf of doc.leaves) {
      const encrypted = commentRules
        ? leaf.value.kind === "string" && looksEncrypted(leaf.value.text)
        : shouldEncrypt(meta.rules, leaf.path, leaf.stack, leaf.isComment);
      if (leaf.isComment) {
        plain.push(null); // comments are decrypted by sops -d, never part of the MAC or of envsync's values
        continue;
      }
      let bytes: Buffer | string;
      let shown: string;
      if (!encrypted) {
        bytes = leafBytes(leaf);
        shown = leafValue(leaf);
      } else {
        if (leaf.value.kind !== "string") {
          throw this.fail(
            leaf.line,
            `the value of ${leaf.path.join(".")} is not encrypted although the file's rules say it is.`,
            "Re-encrypt the file with `sops`, or restore it from git.",
          );
        }
        let text = leaf.value.text;
        if (text.endsWith("\r")) text = text.slice(0, -1);
        if (text === "") {
          bytes = "";
          shown = "";
        } else {
          const token = parseEnc(text);
          if (token === null) {
            throw this.fail(
              leaf.line,
              `the value of ${leaf.path.join(".")} is not a well-formed ENC[AES256_GCM,…] token.`,
              "The file is truncated or was edited by hand; restore it from git.",
            );
          }
          const out = decryptToken(token, dataKey, aadOf(leaf.path));
          if (out === null) {
            throw this.fail(
              leaf.line,
              `the value of ${leaf.path.join(".")} does not decrypt with the file's data key (tampered, or copied from another key or file).`,
              "Restore the file from git; SOPS refuses it too.",
              "PROVIDER",
            );
          }
          bytes = out;
          const text2 = out.toString("utf8");
          shown = token.type === "bool" ? text2.toLowerCase() : text2;
        }
      }
      if (!meta.macOnlyEncrypted || encrypted) mac.add(bytes);
      plain.push(shown);
    }
    const digest = mac.digest();
    if (verify) this.verifyMac(doc, meta, dataKey, digest);
    const values = new Map<string, string>();
    const complex: string[] = [];
    for (const [key, e] of doc.top) {
      if (e.complex || e.leaf === null) complex.push(key);
      else values.set(key, plain[e.leaf] ?? "");
    }
    return { doc, meta, dataKey, values, complex, mac: digest };
  }

  private verifyMac(doc: SopsDoc, meta: Meta, dataKey: Uint8Array, digest: string): void {
    const line = doc.metaLine;
    const lastmodified = normalizeLastModified(meta.lastmodified);
    if (lastmodified === null) {
      throw this.fail(
        line,
        "the SOPS metadata's lastmodified is not a time.",
        "Restore the file from git.",
      );
    }
    const token = parseEnc(meta.mac);
    if (token === null) {
      throw this.fail(
        line,
        "the SOPS metadata's mac is not a well-formed ENC[…] token.",
        "Restore the file from git.",
      );
    }
    const stored = decryptToken(token, dataKey, lastmodified);
    if (stored === null || stored.toString("utf8") !== digest) {
      throw new EnvsyncError(
        "PROVIDER",
        `${this.display}: MAC mismatch: the file was changed without its key (tampered, or edited by hand outside \`sops\`).`,
        {
          location: { file: this.display, line },
          hint: "Restore the file from git (`sops -d` refuses it too). Nothing was written.",
        },
      );
    }
  }

  private async open(text: string): Promise<Opened> {
    const doc = parseSops(text, this.display, this.format);
    const meta = this.metaOf(doc);
    const dataKey = await this.dataKeyOf(doc, meta);
    const opened = this.decrypt(doc, meta, dataKey, true);
    this.seen = { complex: opened.complex, rules: meta.rules };
    for (const k of opened.complex) {
      this.ctx.logger.warn(
        `warning: ${this.display}: ${k} holds a map or a list; envsync leaves it as it is.`,
      );
    }
    return opened;
  }

  protected async decode(text: string): Promise<Map<string, string>> {
    return (await this.open(text)).values;
  }

  validate(next: ReadonlyMap<string, string>, changes: ChangeSet): void {
    for (const key of changes.set.keys()) {
      const bad =
        this.format === "dotenv"
          ? !DOTENV_KEY.test(key) || key.startsWith("sops_")
          : key === "" || key === "sops";
      if (bad) {
        throw new EnvsyncError(
          "NAME",
          `${this.display} cannot hold the key ${JSON.stringify(key)}.`,
          {
            hint: `${this.rules.nameRule}. Nothing was written.`,
          },
        );
      }
      if (this.seen.complex.includes(key)) {
        throw new EnvsyncError(
          "NAME",
          `${this.display}: ${key} holds a map or a list; envsync does not replace it with a value.`,
          {
            hint: "Rename the key, or edit it with `sops`. Nothing was written.",
          },
        );
      }
      const value = changes.set.get(key)!;
      if (
        this.format === "dotenv" &&
        value.includes("\\n") &&
        !shouldEncrypt(this.seen.rules, [key], [], false)
      ) {
        throw new EnvsyncError(
          "LIMIT",
          `${this.display}: the unencrypted value of ${key} holds the text \\n, which SOPS dotenv files read as a line break.`,
          {
            hint: "Encrypt that key (drop the unencrypted suffix), or store the value without \\n. Nothing was written.",
          },
        );
      }
    }
    void next;
  }

  /**
   * A value token for `key` in this file: encrypted unless the rules leave it plain
   * (`encrypt` overrides the rules' answer). Keys left plain are noted for the warning.
   */
  private token(
    key: string,
    value: string,
    rules: CryptRules,
    dataKey: Uint8Array,
    stack: readonly (readonly string[])[],
    encrypt?: boolean,
  ): string {
    this.plainRules = rules;
    if (encrypt ?? shouldEncrypt(rules, [key], stack, false)) {
      const enc = encryptValue(value, dataKey, aadOf([key]));
      if (this.format === "json") return JSON.stringify(enc);
      if (this.format === "yaml") return enc === "" ? '""' : enc;
      return enc;
    }
    this.leftPlain.push(key);
    if (this.format === "dotenv") return value.replaceAll("\n", "\\n");
    return JSON.stringify(value);
  }

  /** Keys the last write stored unencrypted because of the file's rules, and those rules. */
  private leftPlain: string[] = [];
  private plainRules: CryptRules = {};

  /** Says which keys a rule left unencrypted (names only), as sops would store them. */
  private warnPlain(): void {
    const rules = this.plainRules;
    if (this.leftPlain.length === 0) return;
    const which = Object.entries(rules)
      .filter(([k, v]) => k !== "mac_only_encrypted" && typeof v === "string")
      .map(([k, v]) => `${k} ${String(v)}`)
      .join(", ");
    this.ctx.logger.warn(
      `${this.display}: ${[...new Set(this.leftPlain)].sort().join(", ")} stored unencrypted: the file's SOPS rule (${which}) leaves ${this.leftPlain.length === 1 ? "it" : "them"} in plain text, as sops does.`,
    );
  }

  protected encode(current: string | null, changes: ChangeSet): Promise<string> {
    this.leftPlain = [];
    return current === null ? this.create(changes) : this.update(current, changes);
  }

  protected override afterWrite(): void {
    this.warnPlain();
  }

  /** The new text of an existing file: changed tokens spliced in, then lastmodified and the MAC. */
  private async update(current: string, changes: ChangeSet): Promise<string> {
    const opened = await this.open(current);
    const { doc, meta, dataKey } = opened;
    this.validate(new Map(), changes);
    const edits: { start: number; end: number; text: string }[] = [];
    let inserted = "";
    const trailingComments = this.format === "dotenv" ? commentsBefore(doc) : [];
    const commentRules =
      meta.rules.unencrypted_comment_regex !== undefined ||
      meta.rules.encrypted_comment_regex !== undefined;
    for (const [key, value] of changes.set) {
      const e = doc.top.get(key);
      if (e === undefined) {
        inserted += doc.entryText(
          key,
          this.token(key, value, meta.rules, dataKey, [trailingComments]),
        );
        continue;
      }
      if (opened.values.get(key) === value) continue;
      const leaf = e.leaf === null ? undefined : doc.leaves[e.leaf];
      // YAML and JSON leaves carry no comment stack: under comment rules an existing key
      // keeps the state sops gave it (the comment that decided it is still above it).
      const keep =
        commentRules && this.format !== "dotenv"
          ? leaf?.value.kind === "string" && looksEncrypted(leaf.value.text)
          : undefined;
      let tok = this.token(key, value, meta.rules, dataKey, leaf?.stack ?? [], keep);
      if (doc.text.slice(e.valueRange[0], e.valueRange[1]).endsWith("\n")) tok += "\n";
      edits.push({ start: e.valueRange[0], end: e.valueRange[1], text: tok });
    }
    for (const key of changes.delete) {
      if (changes.set.has(key)) continue;
      for (const e of doc.allDefinitions.get(key) ?? [])
        edits.push({ start: e.deleteRange[0], end: e.deleteRange[1], text: "" });
    }
    if (inserted !== "") edits.push({ start: doc.insertAt, end: doc.insertAt, text: inserted });
    if (edits.length === 0) return current;
    const data = splice(doc.text, edits);
    return this.seal(data, meta, dataKey);
  }

  /** Recomputes the MAC over `text`'s values and writes it with a new lastmodified. */
  private seal(text: string, meta: Meta, dataKey: Uint8Array): string {
    const doc = parseSops(text, this.display, this.format);
    const opened = this.decrypt(doc, meta, dataKey, false);
    const lastmodified = nowLastModified();
    const mac = encryptValue(opened.mac, dataKey, lastmodified);
    const { lastmodified: lm, mac: mc } = doc.slots;
    if (lm === undefined || mc === undefined) {
      throw this.fail(
        doc.metaLine,
        "the SOPS metadata has no lastmodified or mac to update.",
        "Restore the file from git.",
      );
    }
    const out = splice(text, [
      slotEdit(lm, lastmodified, this.format, false),
      slotEdit(mc, mac, this.format, true),
    ]);
    // Never write a file that does not open: read it back with the same key, MAC checked.
    const check = parseSops(out, this.display, this.format);
    this.decrypt(check, this.metaOf(check), dataKey, true);
    return out;
  }

  /** A whole new file for the values in `changes`, encrypted as `.sops.yaml` says. */
  private async create(changes: ChangeSet): Promise<string> {
    const rule = await creationRule(this.path, this.ctx.env);
    const rules: Record<string, unknown> = { ...rule.rules };
    delete rules.mac_only_encrypted;
    if (
      !["unencrypted_suffix", "encrypted_suffix", "unencrypted_regex", "encrypted_regex"].some(
        (k) => k in rules,
      )
    ) {
      rules.unencrypted_suffix = "_unencrypted";
    }
    const crypt = rules as CryptRules;
    const dataKey = randomBytes(32);
    const age: { recipient: string; enc: string }[] = [];
    for (const recipient of rule.recipients) {
      try {
        age.push({ recipient, enc: await encryptDataKey(dataKey, recipient) });
      } catch (cause) {
        throw new EnvsyncError("CONFIG", `${rule.source}: ${recipient} is not an age recipient.`, {
          cause,
          hint: "age recipients look like age1… (age-keygen -y keys.txt prints yours). Nothing was written.",
        });
      }
    }
    const lastmodified = nowLastModified();
    const body = [...changes.set].map(
      ([k, v]) => [k, this.token(k, v, crypt, dataKey, [])] as const,
    );
    const meta: Record<string, unknown> = { age, lastmodified, mac: "" };
    Object.assign(meta, rules);
    if (rule.rules.mac_only_encrypted) meta.mac_only_encrypted = true;
    meta.version = SOPS_FORMAT_VERSION;
    const draft = emitNew(this.format, body, meta);
    const metaFull: Meta = {
      age,
      lastmodified,
      mac: "",
      rules: crypt,
      macOnlyEncrypted: rule.rules.mac_only_encrypted === true,
    };
    return this.seal(draft, metaFull, dataKey);
  }
}

/** Comments right before the metadata of a dotenv file (the stack a key appended there sees). */
function commentsBefore(doc: SopsDoc): string[] {
  const out: string[] = [];
  for (const leaf of doc.leaves) {
    if (leaf.isComment) out.push((leaf.value as { text: string }).text);
    else out.length = 0;
  }
  return out;
}

function splice(
  text: string,
  edits: readonly { start: number; end: number; text: string }[],
): string {
  const sorted = [...edits].sort((a, b) => b.start - a.start || b.end - a.end);
  let out = text;
  for (const e of sorted) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

function slotEdit(
  slot: MetaSlot,
  value: string,
  format: SopsFormat,
  plainInYaml: boolean,
): { start: number; end: number; text: string } {
  let text = value;
  if (format === "json" || (slot.quote === "double" && !plainInYaml)) text = JSON.stringify(value);
  else if (slot.quote === "single" && !plainInYaml) text = `'${value}'`;
  return { start: slot.range[0], end: slot.range[1], text };
}

/** A YAML scalar for metadata: plain when safe, else double-quoted. */
function yamlScalar(value: string): string {
  return /^[A-Za-z_][A-Za-z0-9_.-]*$/.test(value) &&
    !/^(y|yes|n|no|true|false|on|off|null)$/i.test(value)
    ? value
    : JSON.stringify(value);
}

/** A new file in SOPS's own layout for `format` (the MAC is filled in by `seal`). */
function emitNew(
  format: SopsFormat,
  body: readonly (readonly [string, string])[],
  meta: Record<string, unknown>,
): string {
  if (format === "dotenv") return body.map(([k, t]) => `${k}=${t}\n`).join("") + flattenMeta(meta);
  if (format === "json") {
    const metaJson = JSON.stringify(meta, null, "\t").replaceAll("\n", "\n\t");
    const lines = body.map(([k, t]) => `\t${JSON.stringify(k)}: ${t},\n`).join("");
    return `{\n${lines}\t"sops": ${metaJson}\n}\n`;
  }
  let out = body.map(([k, t]) => `${yamlKey(k)}: ${t}\n`).join("");
  out += "sops:\n    age:\n";
  for (const a of meta.age as { recipient: string; enc: string }[]) {
    out += `        - recipient: ${a.recipient}\n          enc: |\n`;
    for (const l of a.enc.replace(/\n$/, "").split("\n")) out += `            ${l}\n`;
  }
  out += `    lastmodified: "${String(meta.lastmodified)}"\n    mac: ""\n`;
  for (const [k, v] of Object.entries(meta)) {
    if (k === "age" || k === "lastmodified" || k === "mac" || k === "version") continue;
    out += `    ${k}: ${typeof v === "boolean" ? String(v) : yamlScalar(String(v))}\n`;
  }
  out += `    version: ${String(meta.version)}\n`;
  return out;
}

/** Builds a sops store; the path resolves against the working copy, the format by extension. */
export const createStore: ProviderModule["createStore"] = (uri: RemoteUri, ctx: StoreContext) => {
  const path = resolve(ctx.cwd, uri.target);
  const format = formatOf(path);
  if (basename(path) === "" || format === null) {
    throw new EnvsyncError("URI", `sops:${uri.target} is not a .env, .json, .yaml or .yml file.`, {
      hint: "envsync reads SOPS dotenv, JSON and YAML files, chosen by extension (e.g. sops:secrets.enc.env).",
    });
  }
  return new SopsStore(path, format, ctx, uri.raw);
};
