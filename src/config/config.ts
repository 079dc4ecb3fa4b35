/**
 * `envsync.yaml` (docs/DESIGN.md, "Configuration"): found in the working folder or a parent (or `--config`),
 * parsed with `yaml`, validated with `zod`; an unknown key or a wrong type is exit 2
 * naming the key's path.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { LineCounter, parseDocument as parseYaml } from "yaml";
// zod/mini: the same validator with a tree-shakable API; the classic one adds ~750 KB
// to every command's start-up. Messages come from the English locale, loaded alone.
import * as z from "zod/mini";
import { en } from "zod/v4/locales";
import { EnvsyncError } from "../errors.js";
import { NUMBER_SETTINGS, type NumberSpec } from "./settings.js";

z.config(en());

const nonEmpty = (): z.ZodMiniString => z.string().check(z.minLength(1));
const ranged = (spec: NumberSpec): z.ZodMiniNumber =>
  z.number().check(z.int(), z.gte(spec.min), ...(spec.max === undefined ? [] : [z.lte(spec.max)]));

const onConflict = z.enum(["remote", "local", "prompt", "fail"]);

const environmentSchema = z.strictObject({
  file: z.optional(nonEmpty()),
  remote: nonEmpty(),
  "on-conflict": z.optional(onConflict),
  prune: z.optional(z.boolean()),
  expand: z.optional(z.boolean()),
});

const configSchema = z.strictObject({
  default: z.optional(nonEmpty()),
  // The same ranges as the flags and variables (settings.ts).
  concurrency: z.optional(ranged(NUMBER_SETTINGS.concurrency)),
  /** Retries of a transient store error (docs/RELIABILITY.md). */
  retries: z.optional(ranged(NUMBER_SETTINGS.retries)),
  /** Timeout of one store request, ms. */
  timeout: z.optional(ranged(NUMBER_SETTINGS.timeoutMs)),
  /** Time budget for the retries of one call, ms. */
  "retry-budget": z.optional(ranged(NUMBER_SETTINGS.retryBudgetMs)),
  environments: z.record(nonEmpty(), environmentSchema),
});

/** One environment of envsync.yaml. */
export type EnvironmentConfig = z.infer<typeof environmentSchema>;
/** The whole envsync.yaml. */
export type Config = z.infer<typeof configSchema>;

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

/** Parses and validates config text; errors name `file:line` and the key path. */
export function parseConfig(text: string, path: string): Config {
  const lineCounter = new LineCounter();
  const doc = parseYaml(text, { lineCounter, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const pos = e.linePos?.[0];
    throw new EnvsyncError(
      "CONFIG",
      `${path}${pos ? `:${pos.line}:${pos.col}` : ""}: invalid YAML (${e.code}).`,
      {
        hint: "Fix the YAML syntax; see the README's config example.",
        ...(pos ? { location: { file: path, line: pos.line, column: pos.col } } : {}),
      },
    );
  }
  const data: unknown = doc.toJS();
  const result = configSchema.safeParse(data ?? {});
  if (!result.success) {
    const issue = result.error.issues[0]!;
    let keyPath = issue.path.map(String).join(".");
    let what = issue.message;
    if (issue.code === "unrecognized_keys") {
      keyPath = [...issue.path.map(String), issue.keys[0] ?? ""].filter(Boolean).join(".");
      what = "unknown key";
    }
    const node = doc.getIn(keyPath ? keyPath.split(".") : [], true) as
      { range?: [number, number, number] } | undefined;
    const at = node?.range ? lineCounter.linePos(node.range[0]) : undefined;
    throw new EnvsyncError(
      "CONFIG",
      `${path}${at ? `:${at.line}` : ""}: ${keyPath || "(top level)"}: ${what}.`,
      {
        hint: "Allowed keys: default, concurrency, retries, timeout, retry-budget, environments.NAME.{file, remote, on-conflict, prune, expand}.",
        ...(at ? { location: { file: path, line: at.line } } : {}),
      },
    );
  }
  const cfg = result.data;
  if (cfg.default !== undefined && !(cfg.default in cfg.environments)) {
    throw new EnvsyncError(
      "CONFIG",
      `${path}: default: "${cfg.default}" is not one of the environments.`,
      {
        hint: `Environments: ${Object.keys(cfg.environments).join(", ") || "(none)"}.`,
      },
    );
  }
  return cfg;
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
  return { path, root: dirname(path), config: parseConfig(text, path) };
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
