/** Registers every command: each is one file of this folder. */
import type { Command } from "commander";
import { registerCheck } from "./check.js";
import { registerAdopt } from "./adopt.js";
import { registerCopy } from "./copy.js";
import { registerDiff } from "./diff.js";
import { registerDoctor } from "./doctor.js";
import { registerExport } from "./export.js";
import { registerHistory } from "./history.js";
import { registerInit } from "./init.js";
import { registerRun } from "./run.js";
import { registerSync, registerSyncRoot } from "./sync.js";
import type { CommandDeps } from "./types.js";

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
}
