/**
 * `envsync.yaml`: found in the working folder or a parent (or `--config`);
 * parse-config.ts parses it with `yaml` and validates it with `zod`; an unknown key or
 * a wrong type is exit 2 naming the key's path.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve, sep } from "node:path";
import { EnvsyncError } from "../errors.js";
import { decodeUtf8 } from "../state/read-regular.js";
import { parseConfig, type Config } from "./parse-config.js";
import { readPlainConfig } from "./plain-config.js";

export { parseConfig };
export type { Config, EnvironmentConfig, TargetConfig } from "./parse-config.js";

/** The config file's name. */
export const CONFIG_FILE = "envsync.yaml";

/** A loaded config and where it came from. */
export interface LoadedConfig {
  readonly path: string;
  /** The working copy root: the config's folder. */
  readonly root: string;
  readonly config: Config;
}

/** Finds envsync.yaml in `cwd` or a parent; null when there is none. */
export function findConfig(cwd: string): string | null {
  let dir = resolve(cwd);
  for (;;) {
    const p = join(dir, CONFIG_FILE);
    if (existsSync(p)) return p;
    const up = dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

/**
 * The largest envsync.yaml read (1 MiB): a real one is a few hundred bytes; a larger one
 * is refused before it is parsed, so parsing time stays bounded whatever the input.
 */
export const MAX_CONFIG_BYTES = 1024 * 1024;

/** Loads envsync.yaml from `explicit` (must exist) or by search from `cwd` (may be absent). */
export function loadConfig(cwd: string, explicit?: string): LoadedConfig | null {
  const path = explicit ? resolve(cwd, explicit) : findConfig(cwd);
  if (!path) return null;
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (cause) {
    throw new EnvsyncError("CONFIG", `Cannot read the config ${path}.`, {
      cause,
      hint: explicit ? "Check the --config path." : "Check the file's permissions.",
    });
  }
  if (bytes.length > MAX_CONFIG_BYTES)
    throw new EnvsyncError(
      "CONFIG",
      `${path} is ${bytes.length} bytes; an envsync.yaml may be at most ${MAX_CONFIG_BYTES} bytes.`,
      { hint: "Keep only settings and environments in envsync.yaml (values live in .env files)." },
    );
  const text = decodeUtf8(bytes, path);
  // The plain envsync.yaml `init` writes needs neither `yaml` nor the schema (plain-config.ts).
  return { path, root: dirname(path), config: readPlainConfig(text) ?? parseConfig(text, path) };
}

/** Where the build writes the JSON Schema of envsync.yaml, relative to the package root. */
export const SCHEMA_FILE = "dist/envsync.schema.json";

/**
 * The default config `envsync init` writes. With `schema` (a path or URL of
 * envsync.schema.json), a first line tells the YAML language server (VS Code's YAML
 * extension and other editors) to complete and check the file against it.
 */
export function initialConfig(remote: string, file = ".env", schema?: string): string {
  return [
    ...(schema === undefined ? [] : [`# yaml-language-server: $schema=${schema}`]),
    "# envsync configuration: see the README for every option.",
    "default: dev",
    "environments:",
    "  dev:",
    `    file: ${file}`,
    `    remote: ${JSON.stringify(remote)}`,
    "    # on-conflict: remote   # remote | local | prompt | fail",
    "",
  ].join("\n");
}

/**
 * The config a command run from `cwd` works with when `loaded` is a workspace (it names
 * `targets`): the target whose folder holds `cwd` (the deepest one), seen as an app's own
 * envsync.yaml rooted at its folder; otherwise `loaded` itself.
 */
export function configForCwd(loaded: LoadedConfig | null, cwd: string): LoadedConfig | null {
  const targets = loaded?.config.targets;
  if (!loaded || !targets) return loaded;
  const here = resolve(cwd);
  let best: LoadedConfig | null = null;
  for (const name of Object.keys(targets)) {
    const t = targetConfig(loaded, name);
    const inside = here === t.root || here.startsWith(t.root + sep);
    if (inside && (!best || t.root.length > best.root.length)) best = t;
  }
  return best ?? loaded;
}

/**
 * The target `name` of a workspace config as a config of its own: rooted at the target's
 * folder (its base and lock live there), with the target's environments and the
 * workspace's top-level settings (concurrency, retries, timeouts).
 */
export function targetConfig(loaded: LoadedConfig, name: string): LoadedConfig {
  const { targets, environments: _envs, default: _default, ...settings } = loaded.config;
  void _envs;
  void _default;
  const t = targets?.[name];
  if (!t) throw new EnvsyncError("CONFIG", `No target "${name}" in ${loaded.path}.`);
  return {
    path: loaded.path,
    root: resolve(loaded.root, t.dir),
    config: {
      ...settings,
      ...(t.default !== undefined ? { default: t.default } : {}),
      environments: t.environments,
    },
  };
}
