/** Registers the commands of this folder (run, export, copy, history, rollback, doctor, adopt). */
import type { Command } from "commander";
import { registerAdopt } from "./adopt.js";
import { registerCopy } from "./copy.js";
import { registerDoctor } from "./doctor.js";
import { registerExport } from "./export.js";
import { registerHistory } from "./history.js";
import { registerRun } from "./run.js";
import type { CommandDeps } from "./types.js";

export type { CommandDeps, CliOptions } from "./types.js";
export { confirmer, promptRemote } from "./prompts.js";

/** Adds every command of this folder to `program`. */
export function registerCommands(program: Command, deps: CommandDeps): void {
  registerRun(program, deps);
  registerExport(program, deps);
  registerCopy(program, deps);
  registerHistory(program, deps);
  registerDoctor(program, deps);
  registerAdopt(program, deps);
}
