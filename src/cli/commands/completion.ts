/**
 * `envsync completion bash|zsh|fish` (prints the script) and the hidden
 * `envsync __complete -- WORDS…` the scripts call (src/cli/completion.ts).
 */
import { Argument, Command } from "commander";
import { ExitCode } from "../../errors.js";
import { complete, completionScript, formatCompletion, SHELLS, type Shell } from "../completion.js";
import { writeStdout } from "../std-write.js";
import type { CommandDeps } from "./types.js";

/**
 * Environment names of the envsync.yaml found from the working folder (none on any
 * error): in a workspace target's folder that target's, at a workspace root every
 * target's.
 */
async function envNames(config: string | undefined): Promise<string[]> {
  try {
    const { configForCwd, loadConfig, targetConfig } = await import("../../config/config.js");
    const loaded = configForCwd(loadConfig(process.cwd(), config), process.cwd());
    if (!loaded) return [];
    const names = Object.keys(loaded.config.environments);
    if (names.length > 0 || !loaded.config.targets) return names;
    const all = Object.keys(loaded.config.targets).flatMap((t) =>
      Object.keys(targetConfig(loaded, t).config.environments),
    );
    return [...new Set(all)];
  } catch {
    return [];
  }
}

/** Registers `completion` and the hidden `__complete`. */
export function registerCompletion(program: Command, deps: CommandDeps): void {
  program
    .command("completion")
    .description("print the completion script of a shell: bash | zsh | fish")
    .addArgument(new Argument("<shell>", "the shell").choices(SHELLS))
    .action(
      deps.wrap((_o, cmd) => {
        writeStdout(completionScript(cmd.processedArgs[0] as Shell));
        return Promise.resolve(ExitCode.OK);
      }),
    );
  program
    .command("__complete", { hidden: true })
    .description("what may come next on a command line (used by the completion scripts)")
    .argument("[words...]", "the words after `envsync`, the last being completed")
    .helpOption(false)
    .action(
      deps.wrap(async (_o, cmd) => {
        const words = (cmd.processedArgs[0] as string[] | undefined) ?? [];
        // The whole program, built the way `envsync --help` sees it.
        const { registerCommands } = await import("./index.js");
        const full = new Command("envsync");
        registerCommands(full, deps);
        const at = words.findIndex((w) => w === "--config");
        const config = at >= 0 && at < words.length - 2 ? words[at + 1] : undefined;
        const names = await envNames(config);
        writeStdout(formatCompletion(complete(full, words.length > 0 ? words : [""], () => names)));
        return ExitCode.OK;
      }),
    );
}
