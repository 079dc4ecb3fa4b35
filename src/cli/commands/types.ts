/**
 * What `main.ts` hands each command module: the shared options, the mapping of
 * those options to library options, the action wrapper (options merge, output,
 * exit code) and the current output. Command modules register their commander
 * definitions eagerly and import their library operation lazily, inside the action.
 */
import type { Command } from "commander";
import type { CommonOptions } from "../../ops/session.js";
import type { Output } from "../output.js";

/** Options every command may see (shared flags; the rest are command-specific). */
export interface CliOptions {
  readonly json?: boolean;
  readonly quiet?: boolean;
  readonly verbose?: boolean;
  readonly color?: boolean;
  readonly yes?: boolean;
  readonly expand?: boolean;
  readonly dryRun?: boolean;
  readonly prune?: boolean;
  readonly purge?: boolean;
  readonly [key: string]: unknown;
}

/** What a command module needs from `main.ts`. */
export interface CommandDeps {
  /** Adds the options every command shares (docs/COMMANDS.md, "Options every command takes"). */
  shared(cmd: Command): Command;
  /** Maps shared options to the library's common options (validates --concurrency). */
  common(o: CliOptions): CommonOptions;
  /** Wraps an action: merged options in, exit code out; errors reach `report`. */
  wrap(fn: (o: CliOptions, cmd: Command) => Promise<number>): (...args: unknown[]) => Promise<void>;
  /** The output of the current run (valid inside an action). */
  out(): Output;
}
