/** `envsync run [--no-override] -- CMD ARGS`: commander registration and rendering. */
import type { Command } from "commander";
import { EnvsyncError } from "../../errors.js";
import { WATCH_FLAGS, watchAction, whileChildRuns } from "./run-watch.js";
import type { CommandDeps } from "./types.js";
import { targetScope } from "./workspace.js";

/** Registers `run`. */
export function registerRun(program: Command, deps: CommandDeps): void {
  deps
    .shared(
      program
        .command("run")
        .description(
          "run a command with the remote's values in its environment; nothing written to disk",
        )
        .argument("[command...]", "the command and its arguments, after --")
        .usage("[options] -- <command> [args...]"),
    )
    .option("--no-override", "keep variables already set in the environment")
    .option(...WATCH_FLAGS.watch)
    .option(...WATCH_FLAGS.interval)
    .option(...WATCH_FLAGS.grace)
    .option(...WATCH_FLAGS.signal)
    .action(
      deps.wrap(async (o, cmd) => {
        const d = await targetScope(deps, o, "run");
        const out = d.out();
        const argv = (cmd.processedArgs[0] as string[] | undefined) ?? [];
        const [command, ...args] = argv;
        if (command === undefined) {
          throw new EnvsyncError("USAGE", "run needs a command to start.", {
            hint: "Put it after --, e.g. envsync run -- npm start",
          });
        }
        if (o.watch || WATCH_FLAGS.given(o).length > 0)
          return watchAction(d, o, out, command, args);
        const { remoteEnvironment, spawnWithEnv } = await import("../../ops/run.js");
        const e = await remoteEnvironment({
          ...d.common(o),
          logger: out.logger,
          override: o.override !== false,
        });
        out.logger.info(
          `envsync: ${e.applied.length} key(s) from ${e.remote}${e.kept.length ? ` (${e.kept.length} already set, kept)` : ""}`,
        );
        const exit = await whileChildRuns(() =>
          spawnWithEnv(command, args, e.env, {
            // With --json the result object is the only thing on stdout: the child's goes to stderr.
            stdio: out.json ? ["inherit", 2, "inherit"] : "inherit",
          }),
        );
        if (out.json)
          out.result({
            ok: exit.code === 0,
            command: "run",
            remote: e.remote,
            exitCode: exit.code,
            signal: exit.signal,
            applied: e.applied,
            kept: e.kept,
          });
        return exit.code;
      }),
    );
}
