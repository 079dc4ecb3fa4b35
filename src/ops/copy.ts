/**
 * `envsync copy FROM TO`: every key of one remote into another (migrations between
 * clouds or layouts). Plan, then apply: both remotes are read, the plan lists each
 * key (add, update, unchanged, delete with `prune`), the target's limits and name
 * rules are checked before anything is written, deletions need confirmation, and
 * the write is guarded by the target version read (exit 5 if it moved). The base
 * state of working copies is not touched: the next `sync` merges as usual.
 */
import { loadConfig } from "../config/config.js";
import { resolveSettings } from "../config/settings.js";
import { EnvsyncError } from "../errors.js";
import { silentLogger } from "../logger.js";
import { openStore, resolveUri } from "../providers/registry.js";
import type { ChangeSet } from "../providers/types.js";
import { displayUri } from "../providers/uri.js";
import { applyPlan, withStore } from "./apply.js";
import { storeContextFor, type CommonOptions } from "./session.js";

/** What happens to one key of a copy. */
export type CopyAction = "add" | "update" | "unchanged" | "delete" | "keep";

/** One key's line in a copy plan (no values). */
export interface CopyEntry {
  readonly key: string;
  readonly action: CopyAction;
}

/** Phases reported to {@link CopyOptions.onProgress}. */
export type CopyPhase = "reading-source" | "reading-target" | "writing";

/**
 * Options of {@link copy}. Of the common options, copy uses the working folder (for
 * relative `file:` URIs), the config (retry settings only), logger, concurrency,
 * environment and network policy; the remote and file options do not apply.
 */
export interface CopyOptions extends Pick<
  CommonOptions,
  | "cwd"
  | "config"
  | "logger"
  | "concurrency"
  | "environ"
  | "storeContext"
  | "retries"
  | "timeoutMs"
  | "retryBudgetMs"
> {
  /** Source remote URI. */
  readonly from: string;
  /** Target remote URI. */
  readonly to: string;
  /** Delete target keys the source does not have. */
  readonly prune?: boolean;
  /** Plan only. */
  readonly dryRun?: boolean;
  /** Confirms target deletions without asking. */
  readonly yes?: boolean;
  /** Asked to confirm target deletions (a TTY prompt). Absent and no `yes`: exit 2. */
  readonly confirmDeletions?: (keys: readonly string[], remote: string) => Promise<boolean>;
  /** Permanently delete where the target soft-deletes (Azure purge). */
  readonly purge?: boolean;
  /** Progress: phase and key count (for a spinner). */
  readonly onProgress?: (phase: CopyPhase, count: number) => void;
}

/** What a copy did (or would do, with dryRun). */
export interface CopyResult {
  readonly from: string;
  readonly to: string;
  readonly dryRun: boolean;
  /** Whether the target was written. */
  readonly applied: boolean;
  /** Every key of either side, sorted. */
  readonly plan: readonly CopyEntry[];
  readonly counts: {
    readonly added: number;
    readonly updated: number;
    readonly unchanged: number;
    readonly deleted: number;
    /** Target-only keys left in place (no prune). */
    readonly kept: number;
  };
  /** The target's version after the copy (or as read). */
  readonly targetVersion: string | null;
}

/**
 * Copies every key of `from` into `to`.
 *
 * @throws EnvsyncError NOT_FOUND when the source does not exist; LIMIT/NAME (exit 2)
 * when the target cannot hold a key or value; NEEDS_CONFIRMATION (exit 2) for
 * unconfirmed deletions; REMOTE_CHANGED (exit 5) when the target moved meanwhile.
 */
export async function copy(opts: CopyOptions): Promise<CopyResult> {
  const from = resolveUri(opts.from);
  const to = resolveUri(opts.to);
  const fromDisplay = displayUri(from.uri);
  const toDisplay = displayUri(to.uri);
  const logger = opts.logger ?? silentLogger;
  const cwd = opts.cwd ?? process.cwd();
  const environ = opts.environ ?? process.env;
  const settings = resolveSettings({
    flags: opts,
    environ,
    config: loadConfig(cwd, opts.config),
  });
  const ctx = storeContextFor(settings, { cwd, environ, logger }, opts.storeContext);
  if (from.uri.raw.trim() === to.uri.raw.trim()) {
    throw new EnvsyncError("USAGE", `copy needs two different remotes (both are ${fromDisplay}).`, {
      hint: "Name the target remote as the second argument.",
    });
  }
  const progress = opts.onProgress ?? (() => {});
  progress("reading-source", 0);
  return withStore(
    () => openStore(from.uri, ctx),
    async (source) => {
      const src = await source.read();
      if (!src.exists) {
        throw new EnvsyncError("NOT_FOUND", `The source remote ${fromDisplay} does not exist.`, {
          hint: "Check the first URI; copy reads from it and writes to the second.",
        });
      }
      progress("reading-target", src.values.size);
      return withStore(
        () => openStore(to.uri, ctx),
        async (target) => {
          const dst = await target.read();
          logger.debug(
            `source: ${src.values.size} keys; target: ${dst.values.size} keys (version ${dst.version ?? "none"})`,
          );
          const { plan, changes } = copyPlan(src.values, dst.values, opts.prune ?? false);
          const count = (a: CopyAction): number => plan.filter((e) => e.action === a).length;
          const del = changes.delete;
          const ask = opts.confirmDeletions;
          // The target's rules are checked even on a dry run: a plan that cannot be applied says so.
          const done = await applyPlan(
            { store: target, read: dst, changes },
            {
              ...(opts.dryRun ? { dryRun: true } : {}),
              ...(opts.purge ? { writeOptions: { purge: true } } : {}),
              ...(ctx.hooks ? { hooks: ctx.hooks } : {}),
              ...(del.length > 0
                ? {
                    confirm: {
                      ...(opts.yes ? { yes: true } : {}),
                      ...(ask ? { ask: () => ask(del, toDisplay) } : {}),
                      unasked: `This copy would delete ${del.length} key(s) on ${toDisplay}: ${del.join(", ")}. Nothing was written.`,
                      unaskedHint:
                        "Confirm with --yes (or run at a terminal to be asked); see the plan with --dry-run.",
                      refused: "Deletion not confirmed. Nothing was written.",
                      refusedHint: "Run again and confirm, or copy without --prune.",
                    },
                  }
                : {}),
              onRemoteWrite: (n) => progress("writing", n),
            },
          );
          return {
            from: fromDisplay,
            to: toDisplay,
            dryRun: opts.dryRun ?? false,
            applied: done.remoteWritten,
            plan,
            counts: {
              added: count("add"),
              updated: count("update"),
              unchanged: count("unchanged"),
              deleted: count("delete"),
              kept: count("keep"),
            },
            targetVersion: done.version,
          };
        },
      );
    },
  );
}

/** The copy plan: every key of either side, sorted, and the target's changes. */
function copyPlan(
  src: ReadonlyMap<string, string>,
  dst: ReadonlyMap<string, string>,
  prune: boolean,
): { plan: CopyEntry[]; changes: ChangeSet } {
  const set = new Map<string, string>();
  const del: string[] = [];
  const plan: CopyEntry[] = [];
  const keys = [...new Set([...src.keys(), ...dst.keys()])].sort();
  for (const key of keys) {
    const s = src.get(key);
    const d = dst.get(key);
    if (s === undefined) {
      if (prune) {
        del.push(key);
        plan.push({ key, action: "delete" });
      } else plan.push({ key, action: "keep" });
    } else if (d === undefined) {
      set.set(key, s);
      plan.push({ key, action: "add" });
    } else if (d !== s) {
      set.set(key, s);
      plan.push({ key, action: "update" });
    } else plan.push({ key, action: "unchanged" });
  }
  return { plan, changes: { set, delete: del } };
}
