/**
 * Parsing and validation of `envsync.yaml` text: YAML with `yaml`, the schema with
 * `zod`. Kept apart from config.ts so the CLI bundle loads both libraries only when a
 * config file exists (scripts/bundle.mjs builds this module as a lazily loaded chunk).
 */
import { LineCounter, parseDocument as parseYaml } from "yaml";
// zod/mini: the same validator with a tree-shakable API; the classic one adds ~750 KB
// to every command's start-up. Messages come from the English locale, loaded alone.
import * as z from "zod/mini";
import { en } from "zod/v4/locales";
import { EnvsyncError } from "../errors.js";
import { ON_CONFLICT } from "./plain-config.js";
import { NUMBER_SETTINGS, type NumberSpec } from "./settings.js";

z.config(en());

const nonEmpty = (): z.ZodMiniString => z.string().check(z.minLength(1));
const ranged = (spec: NumberSpec): z.ZodMiniNumber =>
  z.number().check(z.int(), z.gte(spec.min), ...(spec.max === undefined ? [] : [z.lte(spec.max)]));

const onConflict = z.enum(ON_CONFLICT);

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

// The types are spelled out, not inferred from the schemas: the published declarations
// must not name zod, which is bundled and not a dependency (docs/DESIGN.md, "Packaging").
// `schemaMatches` below fails to compile when a schema and its type drift apart.
/** One environment of envsync.yaml. */
export interface EnvironmentConfig {
  file?: string | undefined;
  remote: string;
  "on-conflict"?: "remote" | "local" | "prompt" | "fail" | undefined;
  prune?: boolean | undefined;
  expand?: boolean | undefined;
}
/** The whole envsync.yaml. */
export interface Config {
  default?: string | undefined;
  concurrency?: number | undefined;
  retries?: number | undefined;
  timeout?: number | undefined;
  "retry-budget"?: number | undefined;
  environments: Record<string, EnvironmentConfig>;
}
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemaMatches: [
  Same<z.infer<typeof environmentSchema>, EnvironmentConfig>,
  Same<z.infer<typeof configSchema>, Config>,
] = [true, true];
void schemaMatches;

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
