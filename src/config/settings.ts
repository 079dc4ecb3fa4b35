/**
 * The one settings resolver (as unjs/c12 layers config and keeps provenance): every
 * setting an operation uses comes from, in this order, a flag (or library option),
 * an environment variable, envsync.yaml, or the default, and is returned with where
 * it came from, so `doctor` can say it. Flags, variables and YAML accept the same
 * ranges (docs/DESIGN.md, "Settings").
 */
import { EnvsyncError } from "../errors.js";
import type { LoadedConfig } from "./config.js";

/** Where a setting's value came from. */
export type SettingSource = "flag" | "seed-flag" | "env" | "config" | "default";

/** A resolved setting: its value and where it came from. */
export interface Setting<T> {
  readonly value: T;
  readonly source: SettingSource;
  /** The flag, variable or YAML key that gave it (e.g. `--retries`, `ENVSYNC_RETRIES`). */
  readonly origin: string;
}

/** A whole-number setting: its names in each layer, its range and default. */
export interface NumberSpec {
  readonly flag: string;
  readonly env?: string;
  /** Top-level key of envsync.yaml. */
  readonly yaml: "concurrency" | "retries" | "timeout" | "retry-budget";
  readonly min: number;
  readonly max?: number;
  readonly default: number;
  /** Unit shown after the value (doctor). */
  readonly unit?: string;
}

/** The whole-number settings. config.ts validates envsync.yaml with the same ranges. */
export const NUMBER_SETTINGS = {
  concurrency: { flag: "--concurrency", yaml: "concurrency", min: 1, max: 256, default: 16 },
  retries: {
    flag: "--retries",
    env: "ENVSYNC_RETRIES",
    yaml: "retries",
    min: 0,
    max: 20,
    default: 3,
  },
  timeoutMs: {
    flag: "--timeout",
    env: "ENVSYNC_TIMEOUT_MS",
    yaml: "timeout",
    min: 1,
    max: 3_600_000,
    default: 30_000,
    unit: "ms",
  },
  retryBudgetMs: {
    flag: "--retry-budget",
    env: "ENVSYNC_RETRY_BUDGET_MS",
    yaml: "retry-budget",
    min: 0,
    max: 3_600_000,
    default: 20_000,
    unit: "ms",
  },
} as const satisfies Record<string, NumberSpec>;

/** Names of the whole-number settings. */
export type NumberSetting = keyof typeof NUMBER_SETTINGS;

/** The conflict policies. */
export type ConflictPolicy = "remote" | "local" | "prompt" | "fail";

/** What the caller knows: flags (library options), the seed remote, the environment, the config. */
export interface SettingsInput {
  readonly flags: {
    readonly env?: string | undefined;
    readonly file?: string | undefined;
    readonly remote?: string | undefined;
    readonly onConflict?: ConflictPolicy | undefined;
    readonly prune?: boolean | undefined;
    readonly expand?: boolean | undefined;
  } & { readonly [K in NumberSetting]?: number | undefined };
  /** The remote the seed flags build (`--cloud …`), or null. */
  readonly seedRemote?: string | null;
  readonly environ: Readonly<Record<string, string | undefined>>;
  readonly config: LoadedConfig | null;
}

/** Every setting, resolved. */
export interface Settings {
  /** The environment of envsync.yaml (null: none). */
  readonly environment: Setting<string | null>;
  /** The local file as written (a flag is relative to the working folder, the config's to its folder). */
  readonly file: Setting<string>;
  /** The remote URI (null: none known). */
  readonly remote: Setting<string | null>;
  readonly onConflict: Setting<ConflictPolicy>;
  readonly prune: Setting<boolean>;
  readonly expand: Setting<boolean>;
  /** The example file as written in envsync.yaml, relative to its folder (null: none). */
  readonly example: Setting<string | null>;
  readonly concurrency: Setting<number>;
  readonly retries: Setting<number>;
  readonly timeoutMs: Setting<number>;
  readonly retryBudgetMs: Setting<number>;
}

/** The range of a number setting in words. */
export function rangeText(spec: NumberSpec): string {
  return spec.max === undefined ? `at least ${spec.min}` : `from ${spec.min} to ${spec.max}`;
}

/** Checks a number against its setting's range; exit 2 naming `origin` otherwise. */
export function checkNumber(spec: NumberSpec, value: number, origin: string, raw?: string): number {
  if (
    !Number.isInteger(value) ||
    value < spec.min ||
    (spec.max !== undefined && value > spec.max)
  ) {
    throw new EnvsyncError(
      "USAGE",
      `${origin} must be a whole number ${rangeText(spec)}${raw !== undefined ? ` (got "${raw}")` : ""}.`,
      {
        hint: `For example ${spec.flag} ${spec.default}; see docs/RELIABILITY.md for the retry and timeout settings.`,
      },
    );
  }
  return value;
}

function numberSetting(name: NumberSetting, input: SettingsInput): Setting<number> {
  const spec: NumberSpec = NUMBER_SETTINGS[name];
  const flag = input.flags[name];
  if (flag !== undefined)
    return { value: checkNumber(spec, flag, spec.flag), source: "flag", origin: spec.flag };
  const raw = spec.env ? input.environ[spec.env] : undefined;
  if (spec.env && raw !== undefined && raw !== "") {
    const n = raw.trim() === "" ? NaN : Number(raw);
    return { value: checkNumber(spec, n, spec.env, raw), source: "env", origin: spec.env };
  }
  const fromYaml = input.config?.config[spec.yaml];
  if (fromYaml !== undefined)
    return {
      value: checkNumber(spec, fromYaml, `${input.config!.path}: ${spec.yaml}`),
      source: "config",
      origin: `envsync.yaml: ${spec.yaml}`,
    };
  return { value: spec.default, source: "default", origin: "default" };
}

/**
 * Resolves every setting: flag > environment variable > envsync.yaml > default.
 * The environment of envsync.yaml is `flags.env`, else the config's `default`, else
 * its only environment. Throws exit 2 for a value out of range wherever it came from.
 */
export function resolveSettings(input: SettingsInput): Settings {
  const { flags, config } = input;
  const envs = config?.config.environments ?? {};
  const names = Object.keys(envs);
  const environment: Setting<string | null> =
    flags.env !== undefined
      ? { value: flags.env, source: "flag", origin: "--env" }
      : config?.config.default !== undefined
        ? { value: config.config.default, source: "config", origin: "envsync.yaml: default" }
        : names.length === 1
          ? { value: names[0]!, source: "config", origin: "envsync.yaml: environments" }
          : { value: null, source: "default", origin: "default" };
  const envCfg = environment.value !== null ? envs[environment.value] : undefined;
  const at = (key: string): string =>
    `envsync.yaml: environments.${environment.value ?? ""}.${key}`;
  const pick = <T>(
    flag: T | undefined,
    flagName: string,
    yaml: T | undefined,
    key: string,
    fallback: T,
  ): Setting<T> =>
    flag !== undefined
      ? { value: flag, source: "flag", origin: flagName }
      : yaml !== undefined
        ? { value: yaml, source: "config", origin: at(key) }
        : { value: fallback, source: "default", origin: "default" };
  const remote: Setting<string | null> =
    flags.remote !== undefined
      ? { value: flags.remote, source: "flag", origin: "--remote" }
      : input.seedRemote
        ? { value: input.seedRemote, source: "seed-flag", origin: "--cloud/--secret-name" }
        : envCfg?.remote !== undefined
          ? { value: envCfg.remote, source: "config", origin: at("remote") }
          : { value: null, source: "default", origin: "default" };
  return {
    environment,
    file: pick(flags.file, "--file", envCfg?.file, "file", ".env"),
    remote,
    onConflict: pick<ConflictPolicy>(
      flags.onConflict,
      "--on-conflict",
      envCfg?.["on-conflict"],
      "on-conflict",
      "remote",
    ),
    prune: pick(flags.prune, "--prune", envCfg?.prune, "prune", false),
    expand: pick(flags.expand, "--expand", envCfg?.expand, "expand", false),
    example: pick<string | null>(undefined, "", envCfg?.example, "example", null),
    concurrency: numberSetting("concurrency", input),
    retries: numberSetting("retries", input),
    timeoutMs: numberSetting("timeoutMs", input),
    retryBudgetMs: numberSetting("retryBudgetMs", input),
  };
}

/** One line per setting for `doctor`: `retries 3 (default)`, `timeout 500 ms (ENVSYNC_TIMEOUT_MS)`. */
export function describeSettings(s: Settings): string {
  const show = (name: string, v: Setting<unknown>, unit = ""): string =>
    `${name} ${String(v.value)}${unit ? ` ${unit}` : ""} (${v.source === "default" ? "default" : v.origin})`;
  return [
    show("file", s.file),
    show("on-conflict", s.onConflict),
    show("prune", s.prune),
    show("expand", s.expand),
    show("concurrency", s.concurrency),
    show("retries", s.retries),
    show("timeout", s.timeoutMs, "ms"),
    show("retry-budget", s.retryBudgetMs, "ms"),
  ].join(", ");
}
