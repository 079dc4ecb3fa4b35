/**
 * `${VAR}` / `$VAR` expansion, applied only when asked (`--expand`): values are
 * transported literally otherwise. Modelled on dotenv-expand (v11); see docs/DOTENV.md.
 */

const BRACED = /^([A-Za-z0-9_.]+)(?:(:?-)([\s\S]*))?$/;
const BARE = /[A-Za-z_][A-Za-z0-9_]*/y;

/**
 * Expands references in `values`: `${NAME}`, `$NAME`, `${NAME:-default}` and
 * `${NAME-default}` (the default is used when NAME is unset or empty, as in
 * dotenv-expand), and `\$` for a literal `$`. A name is looked up in `env` first (when
 * set and non-empty), then among `values` (expanded in turn), else it is empty. A
 * reference cycle expands to the empty string. Keys keep their file values otherwise:
 * unlike dotenv-expand, a variable already in `env` does not replace the file's value.
 */
export function expandValues(
  values: ReadonlyMap<string, string>,
  env: Readonly<Record<string, string | undefined>>,
): Map<string, string> {
  const done = new Map<string, string>();
  const active = new Set<string>();

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
    const out = expandString(raw, lookup);
    active.delete(key);
    done.set(key, out);
    return out;
  };

  const result = new Map<string, string>();
  for (const key of values.keys()) result.set(key, resolve(key));
  return result;
}

function expandString(s: string, lookup: (name: string) => string): string {
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
          out += v !== "" || m[3] === undefined ? v : expandString(m[3], lookup);
          i = j;
          continue;
        }
      } else {
        BARE.lastIndex = i + 1;
        const m = BARE.exec(s);
        if (m !== null) {
          out += lookup(m[0]);
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
