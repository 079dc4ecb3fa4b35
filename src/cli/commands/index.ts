/** Registers every command: each is one file of this folder. */
import type { Command } from "commander";
import { registerCheck } from "./check.js";
import { registerAdopt } from "./adopt.js";
import { registerCompare } from "./compare.js";
import { registerCompletion } from "./completion.js";
import { registerCopy } from "./copy.js";
import { registerDiff } from "./diff.js";
import { registerDoctor } from "./doctor.js";
import { registerExport } from "./export.js";
import { registerHistory } from "./history.js";
import { registerInit } from "./init.js";
import { registerRun } from "./run.js";
import { registerSync, registerSyncRoot } from "./sync.js";
import type { CommandDeps } from "./types.js";
import { WORKSPACE_COMMANDS, workspaceFlags } from "./workspace.js";

export type { CommandDeps, CliOptions } from "./types.js";
export { confirmer, promptRemote } from "./prompts.js";

/** Adds every command of this folder to `program`. */
export function registerCommands(program: Command, deps: CommandDeps): void {
  registerSyncRoot(program, deps);
  registerInit(program, deps);
  registerSync(program, deps);
  registerDiff(program, deps);
  registerCheck(program, deps);
  registerRun(program, deps);
  registerExport(program, deps);
  registerCopy(program, deps);
  registerHistory(program, deps);
  registerDoctor(program, deps);
  registerAdopt(program, deps);
  registerCompare(program, deps);
  registerCompletion(program, deps);
  addWorkspaceFlags(program);
}

/** Gives the commands that run over a workspace their `--all` and `--target` flags. */
function addWorkspaceFlags(program: Command): void {
  for (const c of program.commands) if (WORKSPACE_COMMANDS.has(c.name())) workspaceFlags(c);
}

/** Each command name and the function that registers it (with its siblings, if any). */
const BY_NAME: Record<string, (program: Command, deps: CommandDeps) => void> = {
  init: registerInit,
  sync: (p, d) => registerSync(p, d, ["sync"]),
  push: (p, d) => registerSync(p, d, ["push"]),
  pull: (p, d) => registerSync(p, d, ["pull"]),
  diff: registerDiff,
  check: registerCheck,
  run: registerRun,
  export: registerExport,
  copy: registerCopy,
  history: registerHistory,
  rollback: registerHistory,
  doctor: registerDoctor,
  adopt: registerAdopt,
  compare: registerCompare,
  completion: registerCompletion,
  __complete: registerCompletion,
};

/**
 * Adds only the command `name` to `program` (a run of one command builds one command's
 * options, not all of them); false when `name` is not a command of this folder.
 */
export function registerCommand(program: Command, deps: CommandDeps, name: string): boolean {
  const register = Object.hasOwn(BY_NAME, name) ? BY_NAME[name] : undefined;
  if (!register) return false;
  register(program, deps);
  addWorkspaceFlags(program);
  return true;
}
