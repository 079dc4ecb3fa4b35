/**
 * A fast path for the envsync.yaml that most working copies have (the one `envsync init`
 * writes, and ones like it): a few `key: value` lines, comments, environments with
 * `file`, `remote`, `on-conflict`, `prune`, `expand`. Reading it without the `yaml`
 * parser and the schema validator saves their load (about a tenth of a local command's
 * CPU; docs/DESIGN.md, "Start-up"). Anything outside this plain subset — another key, a flow
 * collection, an escape, a value YAML would read as a number or null, a tab — gives
 * null, and the caller parses with `yaml` and validates as always, so every message
 * stays the full parser's. A unit test checks that, wherever this gives a config, the
 * full parser gives the same one.
 */
import type { Config, EnvironmentConfig } from "./parse-config.js";

/** The values `on-conflict` takes (the schema in parse-config.ts uses this list too). */
export const ON_CONFLICT = ["remote", "local", "prompt", "fail"] as const;

type Tree = Map<string, string | Tree>;

const KEY = /^[A-Za-z0-9_-]+$/;
/** A plain scalar YAML 1.2 reads as a string (numbers, booleans, null and `.inf` are left out). */
const PLAIN = /^[A-Za-z0-9_./][A-Za-z0-9_./:@+=-]*$/;
const NOT_A_STRING = /^(?:[-+]?(?:[0-9]|\.[0-9]|\.inf|\.nan)|~$|null$|true$|false$)/i;

/** A scalar's text: `"…"` (no escapes), `'…'` (no doubled quotes) or plain; null if not that. */
function scalar(raw: string): { text: string; plain: boolean } | null {
  const value = raw.replace(/ +#.*$/, "");
  if (/^"[^"\\]*"$/.test(value) || /^'[^']*'$/.test(value))
    return { text: value.slice(1, -1), plain: false };
  return PLAIN.test(value) ? { text: value, plain: true } : null;
}

/** The plain subset as nested maps of strings; booleans are told apart by the caller. */
function tree(text: string): Tree | null {
  if (/[\t\r]/.test(text)) return null;
  const root: Tree = new Map();
  // Open mappings: indentation and map, outermost first.
  const stack: { indent: number; map: Tree }[] = [{ indent: 0, map: root }];
  let opened: Tree | null = null; // a key with no value: its children come next, deeper
  for (const line of text.split("\n")) {
    if (/^ *(#.*)?$/.test(line)) continue;
    const m = /^( *)([^ :#][^:]*?):(?: (.*)|)$/.exec(line);
    if (!m) return null;
    const indent = m[1]!.length;
    const key = m[2]!;
    const rest = (m[3] ?? "").replace(/^ +/, "");
    if (!KEY.test(key) || NOT_A_STRING.test(key)) return null;
    if (opened !== null) {
      if (indent <= stack[stack.length - 1]!.indent) return null; // an empty mapping: null in YAML
      stack.push({ indent, map: opened });
      opened = null;
    }
    while (stack.length > 1 && indent < stack[stack.length - 1]!.indent) stack.pop();
    const top = stack[stack.length - 1]!;
    if (indent !== top.indent) return null;
    if (top.map.has(key)) return null;
    if (rest === "" || rest.startsWith("#")) {
      if (stack.length >= 3) return null; // deeper than envsync.yaml goes
      opened = new Map();
      top.map.set(key, opened);
      continue;
    }
    const s = scalar(rest);
    if (s === null || (s.plain && NOT_A_STRING.test(s.text) && !/^(true|false)$/.test(s.text)))
      return null;
    // A plain true/false is a boolean: marked so the shape check can tell it from "true".
    top.map.set(key, s.plain && /^(true|false)$/.test(s.text) ? `\0${s.text}` : s.text);
  }
  return opened === null ? root : null;
}

function environment(node: string | Tree | undefined): EnvironmentConfig | null {
  if (!(node instanceof Map)) return null;
  const env: EnvironmentConfig = { remote: "" };
  for (const [key, value] of node) {
    if (value instanceof Map) return null;
    const bool = value === "\0true" ? true : value === "\0false" ? false : null;
    if (key === "prune" || key === "expand") {
      if (bool === null) return null;
      env[key] = bool;
    } else if (bool !== null || value === "") {
      return null;
    } else if (key === "file" || key === "remote") {
      env[key] = value;
    } else if (key === "on-conflict") {
      const c = ON_CONFLICT.find((o) => o === value);
      if (c === undefined) return null;
      env[key] = c;
    } else return null;
  }
  return env.remote === "" ? null : env;
}

/**
 * The config of a plain envsync.yaml, or null when the text is anything else (then
 * parse-config.ts reads it, and says what is wrong if something is).
 */
export function readPlainConfig(text: string): Config | null {
  const t = tree(text);
  if (t === null) return null;
  const environments: Record<string, EnvironmentConfig> = {};
  let defaultName: string | undefined;
  for (const [key, value] of t) {
    if (key === "default") {
      if (typeof value !== "string" || value === "" || value.startsWith("\0")) return null;
      defaultName = value;
    } else if (key === "environments") {
      if (!(value instanceof Map)) return null;
      for (const [name, node] of value) {
        const env = environment(node);
        if (env === null) return null;
        environments[name] = env;
      }
    } else return null;
  }
  if (!t.has("environments")) return null;
  if (defaultName !== undefined && !(defaultName in environments)) return null;
  return defaultName === undefined ? { environments } : { default: defaultName, environments };
}
