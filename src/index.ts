/**
 * envsync as a library (docs/DESIGN.md, "Library"): the same operations the CLI runs, with typed
 * options and results.
 *
 * ```ts
 * import { sync, diff, parse } from "envsync";
 * const result = await sync({ remote: "file:../shared.env", file: ".env", onConflict: "fail" });
 * ```
 */
export { sync, push, pull, diff, plan } from "./ops/sync.js";
export type { SyncOptions, SyncResult, DiffResult, DiffEntry } from "./ops/sync.js";
export { init } from "./ops/init.js";
export type { InitOptions, InitResult, SchemaLocation } from "./ops/init.js";
export type { CommonOptions, SeedOptions } from "./ops/session.js";
export { run, remoteEnvironment, spawnWithEnv } from "./ops/run.js";
export type { RunOptions, RunResult, RunEnvOptions, RunEnvironment, ChildExit } from "./ops/run.js";
export { exportValues, esoRemoteRef } from "./ops/export.js";
export type { ExportOptions, ExportResult, ExportSource } from "./ops/export.js";
export {
  EXPORT_FORMATS,
  toDotenv,
  toJson,
  toYaml,
  toShell,
  toGithubEnv,
  toK8sSecret,
  toExternalSecret,
} from "./ops/export-formats.js";
export type { ExportFormat, EsoRemoteRef } from "./ops/export-formats.js";
export { copy } from "./ops/copy.js";
export type { CopyOptions, CopyResult, CopyEntry, CopyAction } from "./ops/copy.js";
export { history, rollback } from "./ops/history.js";
export type {
  HistoryResult,
  HistoryEntry,
  RollbackOptions,
  RollbackResult,
  RollbackPlan,
} from "./ops/history.js";
export { doctor, detectCredentials } from "./ops/doctor.js";
export type { DoctorOptions, DoctorResult, Finding, FindingStatus } from "./ops/doctor.js";
export { parse, parseDocument, applyChanges, formatDotenv } from "./dotenv/index.js";
export { merge, nextBase, planChanges } from "./core/merge.js";
export type { Plan, PlanEntry, Action, Mode, OnConflict } from "./core/merge.js";
export { EnvsyncError, ExitCode, isEnvsyncError } from "./errors.js";
export type { ErrorCode } from "./errors.js";
export { openStore, schemes } from "./providers/registry.js";
export type {
  Store,
  StoreContext,
  RemoteSnapshot,
  ChangeSet,
  VersionInfo,
} from "./providers/types.js";
export { createLogger } from "./logger.js";
export type { Logger } from "./logger.js";
export { compare, compareDigests } from "./ops/compare.js";
export type { CompareOptions, CompareResult, CompareKey, KeyStatus } from "./ops/compare.js";
export { listTargets, runTargets, worstExit } from "./ops/workspace.js";
export type { Target, TargetSelection, TargetRun, RowOutcome, RowError } from "./ops/workspace.js";
