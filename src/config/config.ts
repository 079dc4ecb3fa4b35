/**
 * `envsync.yaml`: found in the working folder or a parent (or `--config`);
 * parse-config.ts parses it with `yaml` and validates it with `zod`; an unknown key or
 * a wrong type is exit 2 naming the key's path.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { EnvsyncError } from "../errors.js";
import { parseConfig, type Config } from "./parse-config.js";
import { readPlainConfig } from "./plain-config.js";

export { parseConfig };
export type { Config, EnvironmentConfig } from "./parse-config.js";

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

/** Loads envsync.yaml from `explicit` (must exist) or by search from `cwd` (may be absent). */
export function loadConfig(cwd: string, explicit?: string): LoadedConfig | null {
  const path = explicit ? resolve(cwd, explicit) : findConfig(cwd);
  if (!path) return null;
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (cause) {
    throw new EnvsyncError("CONFIG", `Cannot read the config ${path}.`, {
      cause,
      hint: explicit ? "Check the --config path." : "Check the file's permissions.",
    });
  }
  // The plain envsync.yaml `init` writes needs neither `yaml` nor the schema (plain-config.ts).
  return { path, root: dirname(path), config: readPlainConfig(text) ?? parseConfig(text, path) };
}

/** The default config `envsync init` writes. */
export function initialConfig(remote: string, file = ".env"): string {
  return [
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
