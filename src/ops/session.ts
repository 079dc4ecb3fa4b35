/**
 * Resolves what an operation works on, in a fixed order with provenance (as
 * unjs/c12 does): flags, then the environment of envsync.yaml, then defaults.
 */
import { relative, resolve } from "node:path";
import { configForCwd, loadConfig, type LoadedConfig } from "../config/config.js";
import {
  NUMBER_SETTINGS,
  resolveSettings,
  type SettingSource,
  type Settings,
} from "../config/settings.js";
import { EnvsyncError } from "../errors.js";
import { silentLogger, type Logger } from "../logger.js";
import type { OnConflict } from "../core/merge.js";
import { openStore, resolveUri, schemes } from "../providers/registry.js";
import { withRemoteNotices } from "./remote-notices.js";
import type { SeedFlags, Store, StoreContext } from "../providers/types.js";
import { displayUri, type RemoteUri } from "../providers/uri.js";
import { BaseStore } from "../state/base-state.js";
import { withStore } from "./apply.js";

/** Seed flags (the Python sketch's CLI), mapped to a bundle remote. */
export type SeedOptions = SeedFlags;

/** Options every operation accepts. */
export interface CommonOptions {
  /** Working folder (default process.cwd()). */
  readonly cwd?: string;
  /** Environment name of envsync.yaml. */
  readonly env?: string;
  /** Local dotenv file (default from config, else `.env`). */
  readonly file?: string;
  /** Remote URI (overrides config). */
  readonly remote?: string;
  /** Config path (default: envsync.yaml found from cwd upward). */
  readonly config?: string;
  /** An already loaded config (a workspace target's); replaces `config` and the search. */
  readonly loadedConfig?: LoadedConfig;
  /** Seed flags. */
  readonly seed?: SeedOptions;
  /** Diagnostics sink (default: silent). */
  readonly logger?: Logger;
  /** Parallel calls for per-key stores (default 16). */
  readonly concurrency?: number;
  /** Extra store context (tests: SDK client options). */
  readonly storeContext?: Partial<StoreContext>;
  /** Environment variables (default process.env). */
  readonly environ?: Readonly<Record<string, string | undefined>>;
  /** Retries of a transient store error after the first attempt (default 3). */
  readonly retries?: number;
  /** Timeout of one store request, ms (default 30000). */
  readonly timeoutMs?: number;
  /** Time budget for all retries of one call, ms (default 20000). */
  readonly retryBudgetMs?: number;
}

/** Defaults of the network policy (docs/RELIABILITY.md). */
export const NETWORK_DEFAULTS = {
  retries: NUMBER_SETTINGS.retries.default,
  timeoutMs: NUMBER_SETTINGS.timeoutMs.default,
  retryBudgetMs: NUMBER_SETTINGS.retryBudgetMs.default,
} as const;

/**
 * Retry and timeout settings from the settings resolver: flags, environment
 * (ENVSYNC_RETRIES, ENVSYNC_TIMEOUT_MS, ENVSYNC_RETRY_BUDGET_MS), envsync.yaml
 * (`retries`, `timeout`, `retry-budget`), defaults. A value out of range is exit 2.
 */
export function networkPolicy(
  opts: Pick<CommonOptions, "retries" | "timeoutMs" | "retryBudgetMs">,
  config: LoadedConfig | null,
  environ: Readonly<Record<string, string | undefined>>,
): { retries: number; timeoutMs: number; retryBudgetMs: number } {
  const s = resolveSettings({ flags: opts, environ, config });
  return {
    retries: s.retries.value,
    timeoutMs: s.timeoutMs.value,
    retryBudgetMs: s.retryBudgetMs.value,
  };
}

/** The store context the settings describe (retries, timeouts, concurrency), plus the caller's extras. */
export function storeContextFor(
  settings: Settings,
  base: { cwd: string; environ: Readonly<Record<string, string | undefined>>; logger: Logger },
  extra: Partial<StoreContext> | undefined,
): StoreContext {
  return {
    cwd: base.cwd,
    env: base.environ,
    logger: base.logger,
    concurrency: settings.concurrency.value,
    retry: {
      maxAttempts: settings.retries.value + 1,
      totalTimeoutMs: settings.retryBudgetMs.value,
    },
    requestTimeoutMs: settings.timeoutMs.value,
    ...extra,
  };
}

/** Where a setting came from. */
export type Source = SettingSource;

/** Per-operation settings a session also resolves (sync, push, pull, export). */
export interface SessionFlags {
  readonly onConflict?: OnConflict;
  readonly prune?: boolean;
  readonly expand?: boolean;
}

/** What an operation works on. */
export interface Session {
  readonly root: string;
  readonly config: LoadedConfig | null;
  readonly envName: string | null;
  readonly filePath: string;
  /** The file relative to the root (the base's identity). */
  readonly fileLabel: string;
  /** The example file of envsync.yaml's `example:` (absolute), or null when none is named. */
  readonly examplePath: string | null;
  readonly remote: string;
  /** {@link remote} parsed once, passed down instead of the raw string. */
  readonly uri: RemoteUri;
  readonly remoteDisplay: string;
  /** Every setting with where it came from (flag > env > envsync.yaml > default). */
  readonly settings: Settings;
  readonly sources: Readonly<Record<"file" | "remote", Source>>;
  readonly logger: Logger;
  readonly base: BaseStore;
  readonly storeContext: StoreContext;
  /** Opens the remote's store (loads its provider lazily). */
  openStore(): Promise<Store>;
}

/** The cloud the seed flags mean when `--cloud` is not given (as in the original sketch). */
const DEFAULT_SEED_CLOUD = "aws";

/**
 * Builds the bundle URI the seed flags describe, or null when none is given. The
 * provider whose seed hook answers to `--cloud` builds it.
 */
export function seedRemote(seed: SeedOptions | undefined): string | null {
  if (!seed?.cloud && !seed?.secretName) return null;
  const need = (v: string | undefined, flag: string): string => {
    if (!v)
      throw new EnvsyncError("USAGE", `--cloud ${seed.cloud ?? "?"} needs ${flag}.`, {
        hint: `Add ${flag}, or use --remote URI.`,
      });
    return v;
  };
  need(seed.secretName, "--secret-name");
  const cloud = seed.cloud ?? DEFAULT_SEED_CLOUD;
  const seeds = Object.values(schemes).flatMap((e) => (e.hooks.seed ? [e.hooks.seed] : []));
  const hook = seeds.find((s) => s.cloud === cloud);
  if (!hook) {
    const names = seeds.map((s) => s.cloud);
    throw new EnvsyncError(
      "USAGE",
      `--cloud must be ${names.slice(0, -1).join(", ")} or ${names[names.length - 1]} (got "${seed.cloud}").`,
      { hint: "Or give the remote as a URI with --remote." },
    );
  }
  return hook.toUri(seed, need);
}

/** Resolves flags + config into a session. Throws exit 2 when no remote is known. */
export function resolveSession(opts: CommonOptions & SessionFlags): Session {
  const cwd = resolve(opts.cwd ?? process.cwd());
  const config = opts.loadedConfig ?? configForCwd(loadConfig(cwd, opts.config), cwd);
  const root = config?.root ?? cwd;
  const envs = config?.config.environments ?? {};
  if (opts.env && config && !(opts.env in envs)) {
    throw new EnvsyncError("CONFIG", `No environment "${opts.env}" in ${config.path}.`, {
      hint: `Environments: ${Object.keys(envs).join(", ") || "(none)"}.`,
    });
  }
  if (opts.env && !config) {
    throw new EnvsyncError(
      "CONFIG",
      `--env ${opts.env} needs an envsync.yaml, and none was found.`,
      {
        hint: "Run `envsync init`, or give --remote URI instead.",
      },
    );
  }
  const environ = opts.environ ?? process.env;
  const settings = resolveSettings({
    flags: { ...opts, file: opts.file || undefined, env: opts.env || undefined },
    seedRemote: seedRemote(opts.seed),
    environ,
    config,
  });
  const remote = settings.remote.value;
  if (!remote && config?.config.targets && Object.keys(envs).length === 0) {
    throw new EnvsyncError(
      "USAGE",
      `${config.path} is a workspace (targets: ${Object.keys(config.config.targets).join(", ")}); this folder is in none of them.`,
      { hint: "Add --all or --target NAME, or run from a target's folder." },
    );
  }
  if (!remote) {
    throw new EnvsyncError(
      "USAGE",
      "No remote: there is no envsync.yaml here and no --remote was given.",
      {
        hint: "Start with `envsync init --remote file:../shared.env` (or a cloud URI), or pass --remote file:PATH.",
      },
    );
  }
  const { uri } = resolveUri(remote); // validates the scheme early (exit 2)
  // A file from the config is relative to the config's folder; a flag is relative to cwd.
  const filePath = resolve(settings.file.source === "flag" ? cwd : root, settings.file.value);
  const examplePath =
    settings.example.value === null ? null : resolve(root, settings.example.value);
  if (examplePath === filePath) {
    // The example is written with blank values: it must never be the file with the secrets.
    throw new EnvsyncError(
      "CONFIG",
      `example: names the local file itself (${settings.file.value}).`,
      {
        hint: "Name the committed example file, e.g. example: .env.example.",
      },
    );
  }
  const logger = opts.logger ?? silentLogger;
  const storeContext = storeContextFor(settings, { cwd: root, environ, logger }, opts.storeContext);
  return {
    root,
    config,
    envName: settings.environment.value,
    filePath,
    fileLabel: relative(root, filePath) || filePath,
    examplePath,
    remote,
    uri,
    remoteDisplay: displayUri(uri),
    settings,
    sources: { file: settings.file.source, remote: settings.remote.source },
    logger,
    base: new BaseStore(root, { note: (m) => logger.warn(m) }),
    storeContext,
    openStore: () => openStore(uri, storeContext),
  };
}

/**
 * Reads the remote's values for commands that need it to exist (run, export): opens
 * the store, reads, closes. A missing remote is NOT_FOUND (exit 1) with `hint`.
 */
export async function readExistingRemote(
  session: Session,
  hint: string,
): Promise<ReadonlyMap<string, string>> {
  return withStore(
    () => session.openStore(),
    async (store) => {
      // The same view as pull and diff: entries read with unmanaged=read included.
      const first = await store.read();
      const read = await withRemoteNotices(session, store, first);
      for (const n of read.notices) session.logger.debug(`note: ${n.message}`);
      const snap = read.snapshot;
      if (!snap.exists) {
        throw new EnvsyncError(
          "NOT_FOUND",
          `The remote ${session.remoteDisplay} does not exist yet.`,
          { hint },
        );
      }
      // Keys .env cannot hold stay in what export and run get, as before.
      return read.notices.length === 0 ? first.values : new Map([...first.values, ...snap.values]);
    },
  );
}
