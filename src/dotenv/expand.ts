/**
 * `${VAR}` / `$VAR` expansion, applied only when asked (`--expand`): values are
 * transported literally otherwise. Modelled on dotenv-expand (v11); see docs/DOTENV.md.
 */

import { EnvsyncError } from "../errors.js";

/** The deepest chain of references (and nested defaults) one value may follow. */
export const MAX_EXPAND_DEPTH = 1000;
/** How many characters expansion may add to the file's values, all keys together (16 MiB). */
export const MAX_EXPAND_GROWTH = 16 * 1024 * 1024;

const BRACED = /^([A-Za-z0-9_.]+)(?:(:?-)([\s\S]*))?$/;
const BARE = /[A-Za-z_][A-Za-z0-9_]*/y;

/**
 * Expands references in `values`: `${NAME}`, `$NAME`, `${NAME:-default}` and
 * `${NAME-default}` (the default is used when NAME is unset or empty, as in
 * dotenv-expand), and `\$` for a literal `$`. A name is looked up in `env` first (when
 * set and non-empty), then among `values` (expanded in turn), else it is empty. A
 * reference cycle expands to the empty string. Keys keep their file values otherwise:
 * unlike dotenv-expand, a variable already in `env` does not replace the file's value.
 *
 * Bounded whatever the input (exit 2 naming `label` and the key otherwise): a value may
 * follow at most {@link MAX_EXPAND_DEPTH} nested references or defaults, and expansion
 * may add at most {@link MAX_EXPAND_GROWTH} characters to the values.
 */
export function expandValues(
  values: ReadonlyMap<string, string>,
  env: Readonly<Record<string, string | undefined>>,
  label = ".env",
): Map<string, string> {
  const done = new Map<string, string>();
  const active = new Set<string>();
  let depth = 0;
  let current = "";
  let budget = MAX_EXPAND_GROWTH;
  for (const v of values.values()) budget += v.length;

  const refuse = (what: string): never => {
    throw new EnvsyncError("PARSE", `${label}: expanding ${current} ${what}.`, {
      hint: "Shorten the chain of ${VAR} references in that value, or run without --expand (values are then sent as written).",
    });
  };
  const limits: Limits = {
    enter: () => {
      if (++depth > MAX_EXPAND_DEPTH)
        refuse(`follows more than ${MAX_EXPAND_DEPTH} nested references or defaults`);
    },
    leave: () => {
      depth--;
    },
    grew: (length) => {
      if (length > budget)
        refuse(
          `makes more than ${budget} characters (expansion may add at most ${MAX_EXPAND_GROWTH})`,
        );
    },
  };

  const lookup = (name: string): string => {
    const fromEnv = Object.prototype.hasOwnProperty.call(env, name) ? env[name] : undefined;
    if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
    return resolve(name);
  };

  const resolve = (key: string): string => {
    const cached = done.get(key);
    if (cached !== undefined) return cached;
    const raw = values.get(key);
    if (raw === undefined || active.has(key)) return "";
    active.add(key);
    limits.enter();
    const out = expandString(raw, lookup, limits);
    limits.leave();
    active.delete(key);
    done.set(key, out);
    return out;
  };

  const result = new Map<string, string>();
  let total = 0;
  for (const key of values.keys()) {
    current = key;
    const v = resolve(key);
    total += v.length;
    limits.grew(total);
    result.set(key, v);
  }
  return result;
}

/** The bounds of one expansion (see {@link expandValues}). */
interface Limits {
  /** One level deeper (a reference or a default); throws past the depth limit. */
  enter(): void;
  leave(): void;
  /** A value reached `length` characters; throws past the size budget. */
  grew(length: number): void;
}

function expandString(s: string, lookup: (name: string) => string, limits: Limits): string {
  let out = "";
  let i = 0;
  const n = s.length;
  while (i < n) {
    const c = s[i];
    if (c === "\\" && s[i + 1] === "$") {
      out += "$";
      i += 2;
      continue;
    }
    if (c === "$") {
      if (s[i + 1] === "{") {
        let depth = 1;
        let j = i + 2;
        for (; j < n && depth > 0; j++) {
          if (s[j] === "{") depth++;
          else if (s[j] === "}") depth--;
        }
        const m = depth === 0 ? BRACED.exec(s.slice(i + 2, j - 1)) : null;
        if (m !== null) {
          const v = lookup(m[1]!);
          if (v !== "" || m[3] === undefined) out += v;
          else {
            limits.enter();
            out += expandString(m[3], lookup, limits);
            limits.leave();
          }
          limits.grew(out.length);
          i = j;
          continue;
        }
      } else {
        BARE.lastIndex = i + 1;
        const m = BARE.exec(s);
        if (m !== null) {
          out += lookup(m[0]);
          limits.grew(out.length);
          i += 1 + m[0].length;
          continue;
        }
      }
    }
    out += c;
    i++;
  }
  return out;
}
