/**
 * The one write path of envsync. Every command that changes a remote (sync, push,
 * pull, copy, rollback) first reads and plans, then hands the plan to
 * {@link applyPlan}, which runs the same steps in the same order
 * (docs/DESIGN.md, "The write path"):
 *
 * 1. validate: the store's limits and name rules for the state the plan produces,
 *    plus the caller's own checks (the dotenv key rule for a local file);
 * 2. stop on a dry run;
 * 3. confirm (deletions, or a whole rollback): `--yes`, else the prompt, else exit 2;
 * 4. the `beforeWrite` hook (tests hold the run here);
 * 5. the guarded remote write (exit 5 when the remote moved since it was read);
 * 6. the follow-up writes (the local file);
 * 7. record the base.
 *
 * Stores are opened with {@link withStore}, which closes them in `finally` whatever
 * happens between the read and the write.
 */
import { EnvsyncError } from "../errors.js";
import type {
  ChangeSet,
  RemoteSnapshot,
  Store,
  StoreHooks,
  WriteOptions,
} from "../providers/types.js";

/** Opens a store, hands it to `use`, and closes it in `finally`. */
export async function withStore<T>(
  open: () => Promise<Store>,
  use: (store: Store) => Promise<T>,
): Promise<T> {
  const store = await open();
  try {
    return await use(store);
  } finally {
    await store.close?.();
  }
}

/** A confirmation the plan needs before anything is written. */
export interface Confirmation {
  /** Confirmed in advance (`--yes`). */
  readonly yes?: boolean;
  /** Asks (a TTY prompt); absent: no one to ask. */
  readonly ask?: () => Promise<boolean>;
  /** Error message when there is no one to ask (exit 2). Ends with "Nothing was written." */
  readonly unasked: string;
  /** Hint for {@link unasked}. */
  readonly unaskedHint: string;
  /** Error message when the answer is no (exit 2). */
  readonly refused: string;
  /** Hint for {@link refused}. */
  readonly refusedHint: string;
}

/** A planned change of one remote. */
export interface RemotePlan {
  /** The store, open (see {@link withStore}). */
  readonly store: Store;
  /** The remote as read: the write is guarded by its version(s). */
  readonly read: RemoteSnapshot;
  /** Keys to set and delete on the remote. */
  readonly changes: ChangeSet;
}

/** How to apply a {@link RemotePlan}. */
export interface ApplySteps {
  /** Plan only: validate, then stop. */
  readonly dryRun?: boolean;
  /** Asked after validation, before the hook (omit when nothing needs confirming). */
  readonly confirm?: Confirmation;
  /** Test hooks from the store context. */
  readonly hooks?: StoreHooks;
  /** Options of the remote write (`purge`). */
  readonly writeOptions?: WriteOptions;
  /** More checks before anything is written (throw exit 2 to stop). */
  readonly validate?: () => void;
  /** Called right before the remote write, with the number of keys it touches. */
  readonly onRemoteWrite?: (count: number) => void;
  /**
   * Writes that follow a successful remote write (the local file). When given, the
   * steps run even if the remote is untouched.
   */
  readonly after?: () => Promise<void>;
  /**
   * Records the base, last, with the remote's version after the write. When given,
   * the steps run even if nothing else is written.
   */
  readonly record?: (remoteVersion: string | null) => Promise<void>;
}

/** What {@link applyPlan} did. */
export interface Applied {
  /** Whether the remote was written. */
  readonly remoteWritten: boolean;
  /** The remote's version after the write (or as read). */
  readonly version: string | null;
  /** Remote write API calls made. */
  readonly writeCalls: number;
}

/** Whether a change set changes anything. */
export function touches(changes: ChangeSet): boolean {
  return changes.set.size + changes.delete.length > 0;
}

/** The remote's values after `changes`. */
export function applied(
  values: ReadonlyMap<string, string>,
  changes: ChangeSet,
): Map<string, string> {
  const next = new Map(values);
  for (const k of changes.delete) next.delete(k);
  for (const [k, v] of changes.set) next.set(k, v);
  return next;
}

async function confirmed(c: Confirmation): Promise<void> {
  if (c.yes) return;
  const ok = c.ask ? await c.ask() : null;
  if (ok === null) throw new EnvsyncError("NEEDS_CONFIRMATION", c.unasked, { hint: c.unaskedHint });
  if (!ok) throw new EnvsyncError("NEEDS_CONFIRMATION", c.refused, { hint: c.refusedHint });
}

/**
 * Applies a plan: validate → (dry run stops) → confirm → hook → guarded remote write
 * → follow-up writes → record the base. Throws before anything is written for a rule
 * violation or a missing confirmation (exit 2); REMOTE_CHANGED (exit 5) from the store
 * when the remote moved since `plan.read`.
 */
export async function applyPlan(plan: RemotePlan, steps: ApplySteps = {}): Promise<Applied> {
  const { store, read, changes } = plan;
  const remoteTouched = touches(changes);
  if (remoteTouched) store.validate(applied(read.values, changes), changes);
  steps.validate?.();
  const untouched: Applied = { remoteWritten: false, version: read.version, writeCalls: 0 };
  if (steps.dryRun) return untouched;
  if (!remoteTouched && !steps.after && !steps.record) return untouched;
  if (steps.confirm) await confirmed(steps.confirm);
  await steps.hooks?.beforeWrite?.();
  let result = untouched;
  if (remoteTouched) {
    steps.onRemoteWrite?.(changes.set.size + changes.delete.length);
    const w = await store.write(changes, read, steps.writeOptions ?? {});
    result = { remoteWritten: true, version: w.version, writeCalls: w.writeCalls ?? 0 };
  }
  await steps.after?.();
  await steps.record?.(result.version);
  return result;
}
