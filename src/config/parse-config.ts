/**
 * Parsing and validation of `envsync.yaml` text: YAML with `yaml`, the schema with
 * `zod`. Kept apart from config.ts so the CLI bundle loads both libraries only when a
 * config file exists (scripts/bundle.mjs builds this module as a lazily loaded chunk).
 */
import { isScalar, LineCounter, parseDocument as parseYaml, visit, type Document } from "yaml";
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
  example: z.optional(nonEmpty()),
});

const targetSchema = z.strictObject({
  dir: nonEmpty(),
  default: z.optional(nonEmpty()),
  environments: z.record(nonEmpty(), environmentSchema),
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
  environments: z._default(z.record(nonEmpty(), environmentSchema), {}),
  /** A workspace: several apps, each with its folder and environments (docs/COMMANDS.md, "Workspaces"). */
  targets: z.optional(z.record(nonEmpty(), targetSchema)),
});

/**
 * The schema of envsync.yaml, for the build's JSON Schema (src/config/json-schema.ts).
 * Typed opaquely: the published declarations must not name zod (see below).
 */
export const CONFIG_SCHEMA: unknown = configSchema;

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
  /** The committed example file (`.env.example`) sync/pull keep in step and check enforces. */
  example?: string | undefined;
}
/** One target of a workspace envsync.yaml: an app's folder and its environments. */
export interface TargetConfig {
  /** The app's folder, relative to the envsync.yaml that names it. */
  dir: string;
  default?: string | undefined;
  environments: Record<string, EnvironmentConfig>;
}
/** The whole envsync.yaml. */
export interface Config {
  default?: string | undefined;
  concurrency?: number | undefined;
  retries?: number | undefined;
  timeout?: number | undefined;
  "retry-budget"?: number | undefined;
  environments: Record<string, EnvironmentConfig>;
  targets?: Record<string, TargetConfig> | undefined;
}
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemaMatches: [
  Same<z.infer<typeof environmentSchema>, EnvironmentConfig>,
  Same<z.infer<typeof targetSchema>, TargetConfig>,
  Same<z.infer<typeof configSchema>, Config>,
] = [true, true, true];
void schemaMatches;

/** What a YAML error in envsync.yaml says: exit 2 naming `file:line:column`. */
function yamlError(path: string, what: string, pos?: { line: number; col: number }): EnvsyncError {
  return new EnvsyncError("CONFIG", `${path}${pos ? `:${pos.line}:${pos.col}` : ""}: ${what}.`, {
    hint: "Fix the YAML syntax; see the README's config example.",
    ...(pos ? { location: { file: path, line: pos.line, column: pos.col } } : {}),
  });
}

/**
 * Refuses a key that occurs twice in one mapping. Done here in one pass rather than with
 * the parser's `uniqueKeys`, which compares each key with every earlier one (quadratic
 * in the number of keys).
 */
function checkUniqueKeys(doc: Document, lineCounter: LineCounter, path: string): void {
  visit(doc, {
    Map(_, map) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        const id = `${typeof pair.key.value}:${String(pair.key.value)}`;
        if (seen.has(id)) {
          const at = pair.key.range ? lineCounter.linePos(pair.key.range[0]) : undefined;
          throw yamlError(path, `duplicate key ${JSON.stringify(String(pair.key.value))}`, at);
        }
        seen.add(id);
      }
    },
  });
}

/**
 * Characters YAML does not allow in a stream (outside its printable set): C0 but tab, LF
 * and CR, DEL, and C1 but NEL.
 */
const CONTROL = /(?![\t\n\r\x85])\p{Cc}/u;

/** Parses and validates config text; errors name `file:line` and the key path. */
export function parseConfig(text: string, path: string): Config {
  const lineCounter = new LineCounter();
  const bad = CONTROL.exec(text);
  if (bad) {
    const before = text.slice(0, bad.index);
    const line = before.split("\n").length;
    const col = bad.index - before.lastIndexOf("\n");
    throw yamlError(
      path,
      `a control character (U+${(bad[0].codePointAt(0) ?? 0).toString(16).padStart(4, "0")}) where YAML allows none`,
      { line, col },
    );
  }
  let doc: Document;
  let data: unknown;
  try {
    doc = parseYaml(text, { lineCounter, uniqueKeys: false });
    const e = doc.errors[0] ?? doc.warnings[0];
    if (e) throw yamlError(path, `invalid YAML (${e.code})`, e.linePos?.[0]);
    checkUniqueKeys(doc, lineCounter, path);
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    if (e instanceof EnvsyncError) throw e;
    // The parser's own refusals (an alias expanding too far, an undefined alias) and a
    // document nested deeper than the stack can walk.
    const why =
      e instanceof RangeError
        ? "nested too deeply"
        : e instanceof Error
          ? e.message.replace(/\.$/, "")
          : String(e);
    throw yamlError(path, `invalid YAML (${why})`);
  }
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
        hint: "Allowed keys: default, concurrency, retries, timeout, retry-budget, environments.NAME.{file, remote, on-conflict, prune, expand, example}, targets.NAME.{dir, default, environments}.",
        ...(at ? { location: { file: path, line: at.line } } : {}),
      },
    );
  }
  const cfg = result.data;
  // A config names its environments, its targets (a workspace), or both.
  if (data === null || typeof data !== "object" || !("environments" in data || "targets" in data))
    throw new EnvsyncError(
      "CONFIG",
      `${path}: (top level): environments: required (or targets, for a workspace).`,
      {
        hint: "Name at least one environment (environments.NAME.remote), or the apps of a workspace (targets.NAME.{dir, environments}); `envsync init` writes a starting config.",
      },
    );
  if (cfg.default !== undefined && !(cfg.default in cfg.environments)) {
    throw new EnvsyncError(
      "CONFIG",
      `${path}: default: "${cfg.default}" is not one of the environments.`,
      {
        hint: `Environments: ${Object.keys(cfg.environments).join(", ") || "(none)"}.`,
      },
    );
  }
  for (const [name, t] of Object.entries(cfg.targets ?? {})) {
    if (t.default !== undefined && !(t.default in t.environments))
      throw new EnvsyncError(
        "CONFIG",
        `${path}: targets.${name}.default: "${t.default}" is not one of its environments.`,
        { hint: `Environments: ${Object.keys(t.environments).join(", ") || "(none)"}.` },
      );
  }
  return cfg;
}
