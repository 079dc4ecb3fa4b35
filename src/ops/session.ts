/**
 * Resolves what an operation works on, in a fixed order with provenance (as
 * unjs/c12 does): flags, then the environment of envsync.yaml, then defaults.
 */
import { relative, resolve } from "node:path";
import { loadConfig, type LoadedConfig } from "../config/config.js";
import { EnvsyncError } from "../errors.js";
import { silentLogger, type Logger } from "../logger.js";
import type { OnConflict } from "../core/merge.js";
import { openStore, resolveUri } from "../providers/registry.js";
import type { Store, StoreContext } from "../providers/types.js";
import { displayUri } from "../providers/uri.js";
import { BaseStore } from "../state/base-state.js";
import { withStore } from "./apply.js";

/** Seed flags (the Python sketch's CLI), mapped to a bundle remote. */
export interface SeedOptions {
  readonly cloud?: string;
  readonly secretName?: string;
  readonly region?: string;
  readonly projectId?: string;
  readonly vaultUrl?: string;
}

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
export const NETWORK_DEFAULTS = { retries: 3, timeoutMs: 30_000, retryBudgetMs: 20_000 } as const;

const NETWORK_ENV = {
  retries: "ENVSYNC_RETRIES",
  timeoutMs: "ENVSYNC_TIMEOUT_MS",
  retryBudgetMs: "ENVSYNC_RETRY_BUDGET_MS",
} as const;

/**
 * Retry and timeout settings, in the order flags, environment
 * (ENVSYNC_RETRIES, ENVSYNC_TIMEOUT_MS, ENVSYNC_RETRY_BUDGET_MS), envsync.yaml
 * (`retries`, `timeout`, `retry-budget`), defaults. A malformed variable is exit 2.
 */
export function networkPolicy(
  opts: Pick<CommonOptions, "retries" | "timeoutMs" | "retryBudgetMs">,
  config: LoadedConfig | null,
  environ: Readonly<Record<string, string | undefined>>,
): { retries: number; timeoutMs: number; retryBudgetMs: number } {
  const fromEnv = (name: keyof typeof NETWORK_ENV, min: number): number | undefined => {
    const raw = environ[NETWORK_ENV[name]];
    if (raw === undefined || raw === "") return undefined;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) {
      throw new EnvsyncError(
        "USAGE",
        `${NETWORK_ENV[name]} must be a whole number of at least ${min} (got "${raw}").`,
        { hint: `Unset it, or set it to e.g. ${NETWORK_DEFAULTS[name]}.` },
      );
    }
    return n;
  };
  const cfg = config?.config;
  return {
    retries: opts.retries ?? fromEnv("retries", 0) ?? cfg?.retries ?? NETWORK_DEFAULTS.retries,
    timeoutMs:
      opts.timeoutMs ?? fromEnv("timeoutMs", 1) ?? cfg?.timeout ?? NETWORK_DEFAULTS.timeoutMs,
    retryBudgetMs:
      opts.retryBudgetMs ??
      fromEnv("retryBudgetMs", 0) ??
      cfg?.["retry-budget"] ??
      NETWORK_DEFAULTS.retryBudgetMs,
  };
}

/** Where a setting came from. */
export type Source = "flag" | "seed-flag" | "config" | "default";

/** What an operation works on. */
export interface Session {
  readonly root: string;
  readonly config: LoadedConfig | null;
  readonly envName: string | null;
  readonly filePath: string;
  /** The file relative to the root (the base's identity). */
  readonly fileLabel: string;
  readonly remote: string;
  readonly remoteDisplay: string;
  readonly onConflict: OnConflict | undefined;
  readonly prune: boolean | undefined;
  readonly expand: boolean | undefined;
  readonly sources: Readonly<Record<"file" | "remote", Source>>;
  readonly logger: Logger;
  readonly base: BaseStore;
  readonly storeContext: StoreContext;
  /** Opens the remote's store (loads its provider lazily). */
  openStore(): Promise<Store>;
}

/** Builds the bundle URI the seed flags describe, or null when none is given. */
export function seedRemote(seed: SeedOptions | undefined): string | null {
  if (!seed?.cloud && !seed?.secretName) return null;
  const need = (v: string | undefined, flag: string): string => {
    if (!v)
      throw new EnvsyncError("USAGE", `--cloud ${seed.cloud ?? "?"} needs ${flag}.`, {
        hint: `Add ${flag}, or use --remote URI.`,
      });
    return v;
  };
  const name = need(seed.secretName, "--secret-name");
  switch (seed.cloud ?? "aws") {
    case "aws": {
      const q = seed.region ? `?region=${encodeURIComponent(seed.region)}` : "";
      return `aws-sm://${name}${q}`;
    }
    case "gcp":
      return `gcp-sm://${need(seed.projectId, "--project-id")}/${name}`;
    case "azure":
      return `azure-kv://${need(seed.vaultUrl, "--vault-url").replace(/\/+$/, "")}/${name}`;
    default:
      throw new EnvsyncError("USAGE", `--cloud must be aws, gcp or azure (got "${seed.cloud}").`, {
        hint: "Or give the remote as a URI with --remote.",
      });
  }
}

/** Resolves flags + config into a session. Throws exit 2 when no remote is known. */
export function resolveSession(opts: CommonOptions): Session {
  const cwd = resolve(opts.cwd ?? process.cwd());
  const config = loadConfig(cwd, opts.config);
  const root = config?.root ?? cwd;
  const envs = config?.config.environments ?? {};
  const envName =
    opts.env ??
    config?.config.default ??
    (Object.keys(envs).length === 1 ? Object.keys(envs)[0]! : null);
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
  const envCfg = envName ? envs[envName] : undefined;
  const seeded = seedRemote(opts.seed);
  const remote = opts.remote ?? seeded ?? envCfg?.remote;
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
  const fileFlag = opts.file;
  // A file from the config is relative to the config's folder; a flag is relative to cwd.
  const filePath = fileFlag ? resolve(cwd, fileFlag) : resolve(root, envCfg?.file ?? ".env");
  const logger = opts.logger ?? silentLogger;
  const environ = opts.environ ?? process.env;
  const net = networkPolicy(opts, config, environ);
  const storeContext: StoreContext = {
    cwd: root,
    env: environ,
    logger,
    concurrency: opts.concurrency ?? config?.config.concurrency ?? 16,
    retry: { maxAttempts: net.retries + 1, totalTimeoutMs: net.retryBudgetMs },
    requestTimeoutMs: net.timeoutMs,
    ...opts.storeContext,
  };
  return {
    root,
    config,
    envName,
    filePath,
    fileLabel: relative(root, filePath) || filePath,
    remote,
    remoteDisplay: displayUri(uri),
    onConflict: envCfg?.["on-conflict"],
    prune: envCfg?.prune,
    expand: envCfg?.expand,
    sources: {
      file: fileFlag ? "flag" : envCfg?.file ? "config" : "default",
      remote: opts.remote ? "flag" : seeded ? "seed-flag" : "config",
    },
    logger,
    base: new BaseStore(root, { note: (m) => logger.warn(m) }),
    storeContext,
    openStore: () => openStore(remote, storeContext),
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
      const snap = await store.read();
      if (!snap.exists) {
        throw new EnvsyncError(
          "NOT_FOUND",
          `The remote ${session.remoteDisplay} does not exist yet.`,
          { hint },
        );
      }
      return snap.values;
    },
  );
}
