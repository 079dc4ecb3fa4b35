/**
 * `compare`: which keys each of two or more remotes (environments of envsync.yaml, URIs,
 * or local dotenv files by path) has, and whether their values are equal — by a keyed digest (HMAC-SHA256 with a
 * key drawn for this run and then dropped), so no value and no unkeyed hash is kept past
 * the read or ever shown (docs/COMMANDS.md, "compare").
 */
import { createHmac, randomBytes } from "node:crypto";
import { statSync } from "node:fs";
import { resolve } from "node:path";
import { configForCwd, loadConfig } from "../config/config.js";
import { EnvsyncError } from "../errors.js";
import { schemes } from "../providers/registry.js";
import { readExistingRemote, resolveSession, type CommonOptions } from "./session.js";

/** One side of a comparison: its label and, per key, the keyed digest of its value. */
export interface DigestSide {
  readonly label: string;
  readonly digests: ReadonlyMap<string, string>;
}

/** How a key stands across the sides. */
export type KeyStatus = "equal" | "different" | "missing";

/** One key of a comparison. */
export interface CompareKey {
  readonly key: string;
  readonly status: KeyStatus;
  /**
   * Per side (in order), a value class: sides with the same number hold the same value;
   * null where the key is missing.
   */
  readonly classes: readonly (number | null)[];
  /** Labels of the sides that lack the key. */
  readonly missingIn: readonly string[];
}

/** The result of a comparison. */
export interface CompareResult {
  readonly sides: readonly string[];
  readonly keys: readonly CompareKey[];
  readonly counts: { readonly equal: number; readonly different: number; readonly missing: number };
  /** Every side holds every key, and each key the same value. */
  readonly identical: boolean;
  /** Every side holds every key (values may differ). */
  readonly sameKeys: boolean;
}

/** A digester: the keyed digest of a value under one random key, drawn when it is made. */
export function makeDigester(): (value: string) => string {
  const key = randomBytes(32);
  return (value) => createHmac("sha256", key).update(value, "utf8").digest("base64");
}

/** Compares sides by their digests: pure, table-tested. */
export function compareDigests(sides: readonly DigestSide[]): CompareResult {
  const all = new Set<string>();
  for (const s of sides) for (const k of s.digests.keys()) all.add(k);
  const keys: CompareKey[] = [...all]
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((key) => {
      const seen: string[] = [];
      const classes = sides.map((s) => {
        const d = s.digests.get(key);
        if (d === undefined) return null;
        const i = seen.indexOf(d);
        if (i >= 0) return i;
        seen.push(d);
        return seen.length - 1;
      });
      const missingIn = sides.filter((_, i) => classes[i] === null).map((s) => s.label);
      const status: KeyStatus =
        missingIn.length > 0 ? "missing" : seen.length > 1 ? "different" : "equal";
      return { key, status, classes, missingIn };
    });
  const count = (s: KeyStatus): number => keys.filter((k) => k.status === s).length;
  const counts = {
    equal: count("equal"),
    different: count("different"),
    missing: count("missing"),
  };
  return {
    sides: sides.map((s) => s.label),
    keys,
    counts,
    identical: counts.different === 0 && counts.missing === 0,
    sameKeys: counts.missing === 0,
  };
}

/** Options of {@link compare}. */
export interface CompareOptions extends CommonOptions {
  /**
   * The sides: environment names of envsync.yaml, remote URIs, or paths of local dotenv
   * files (relative to `cwd`; see {@link looksLikePath}), two or more. Empty: every
   * environment of the config.
   */
  readonly sides?: readonly string[];
}

/** True when `side` is a remote URI (its scheme is one envsync knows), not an environment name. */
export function isRemoteUri(side: string): boolean {
  const m = /^([a-z][a-z0-9+.-]*):/i.exec(side);
  return m !== null && Object.hasOwn(schemes, m[1]!.toLowerCase());
}

/**
 * Reads each side's remote and compares them by keyed digest. A side's values are
 * digested as soon as they are read; a remote that does not exist is exit 1.
 */
export async function compare(opts: CompareOptions = {}): Promise<CompareResult> {
  const { sides: given = [], env: _env, remote: _remote, file: _file, ...common } = opts;
  void _env;
  void _remote;
  void _file;
  const sides = given.length > 0 ? given : configEnvironments(common);
  if (sides.length < 2)
    throw new EnvsyncError("USAGE", "compare needs two or more environments or remotes.", {
      hint: "For example `envsync compare staging production`, or add environments to envsync.yaml.",
    });
  if (new Set(sides).size !== sides.length)
    throw new EnvsyncError("USAGE", `compare was given the same side twice (${sides.join(", ")}).`);
  const digest = makeDigester();
  const envs = new Set(configEnvironments(common));
  const cwd = resolve(common.cwd ?? process.cwd());
  const read = await Promise.all(
    sides.map(async (side): Promise<DigestSide> => {
      const kind = isRemoteUri(side)
        ? "remote"
        : !envs.has(side) && looksLikePath(side, cwd)
          ? "path"
          : "env";
      const session = resolveSession(
        kind === "env"
          ? { ...common, env: side }
          : { ...common, remote: kind === "path" ? `file:${resolve(cwd, side)}` : side },
      );
      const values = await readExistingRemote(
        session,
        kind === "path"
          ? "Check the path (relative to the current folder)."
          : "Create it with `envsync push`, or compare remotes that exist.",
      );
      const digests = new Map<string, string>();
      for (const [k, v] of values) digests.set(k, digest(v));
      return { label: kind === "remote" ? session.remoteDisplay : side, digests };
    }),
  );
  return compareDigests(read);
}

/**
 * True when a side that is neither a URI nor an environment of the config names a local
 * file: it holds a path separator, starts with `.`, or is a file in `cwd`. Such a side is
 * read as `file:` reads it (a dotenv file; a `.json` file as one JSON object).
 */
export function looksLikePath(side: string, cwd: string): boolean {
  if (/[/\\]/.test(side) || side.startsWith(".")) return true;
  try {
    return statSync(resolve(cwd, side)).isFile();
  } catch {
    return false;
  }
}

/** The environments of the config a compare without sides works on (none without a config). */
function configEnvironments(common: CommonOptions): string[] {
  const cwd = resolve(common.cwd ?? process.cwd());
  const config = common.loadedConfig ?? configForCwd(loadConfig(cwd, common.config), cwd);
  return Object.keys(config?.config.environments ?? {});
}
