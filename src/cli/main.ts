/**
 * argv → options → library call → rendering. Every failure becomes an exit code
 * here (typed errors carry theirs); `bin.ts` ends the process with it.
 */
import { Command, CommanderError, Option } from "commander";
import { EnvsyncError, ExitCode, fromSystemError, isEnvsyncError } from "../errors.js";
import type { OnConflict } from "../core/merge.js";
import { redactText, safeErrorText } from "../redact.js";
import type { CommonOptions } from "../ops/session.js";
import { createOutput, type Output } from "./output.js";
import { packageInfo } from "./package-info.js";
import { writeStderr, writeStdout } from "./std-write.js";
import { registerCommand, registerCommands, type CliOptions } from "./commands/index.js";
import { testHooks } from "../test-hooks.js";
import { checkNumber, NUMBER_SETTINGS, type NumberSetting } from "../config/settings.js";
import { schemes } from "../providers/registry.js";

/** Options as commander hands them over (shared + command-specific). */
interface RawOptions {
  env?: string;
  file?: string;
  envPath?: string;
  remote?: string;
  config?: string;
  json?: boolean;
  quiet?: boolean;
  verbose?: boolean;
  color?: boolean;
  yes?: boolean;
  cloud?: string;
  secretName?: string;
  region?: string;
  projectId?: string;
  vaultUrl?: string;
  direction?: string;
  expand?: boolean;
  concurrency?: string;
  retries?: string;
  timeout?: string;
  retryBudget?: string;
  prune?: boolean;
  dryRun?: boolean;
  onConflict?: OnConflict;
  purge?: boolean;
  showValues?: boolean;
  exitCode?: boolean;
  force?: boolean;
}

/** The `--cloud` values some provider's seed hook answers to. */
function seedClouds(): string[] {
  return Object.values(schemes).flatMap((e) => (e.hooks.seed ? [e.hooks.seed.cloud] : []));
}

/** Adds the options every command shares (docs/COMMANDS.md, "Options every command takes"), including the seed flags. */
function shared(cmd: Command): Command {
  return cmd
    .option("-e, --env <name>", "environment of envsync.yaml")
    .option("-f, --file <path>", "local dotenv file (default .env)")
    .option(
      "-r, --remote <uri>",
      `remote URI (${Object.values(schemes)
        .map((e) => /^[^:]+:(\/\/)?/.exec(e.hooks.example)?.[0] ?? e.hooks.example)
        .join(", ")})`,
    )
    .option("--config <path>", "config file (default: envsync.yaml here or above)")
    .option("--json", "machine-readable result on stdout, nothing else there")
    .option("-q, --quiet", "print only errors")
    .option("-v, --verbose", "more detail on stderr (never values), stack traces")
    .option("--no-color", "no colours (also NO_COLOR)")
    .option("-y, --yes", "confirm remote deletions without asking")
    .option("--expand", "expand ${VAR} references in local values")
    .option("--concurrency <n>", "parallel calls for per-key remotes (default 16)")
    .option("--retries <n>", "retries of a transient store error (default 3)")
    .option("--timeout <ms>", "timeout of one store request in ms (default 30000)")
    .option("--retry-budget <ms>", "time budget for the retries of one call in ms (default 20000)")
    .addOption(new Option("--env-path <path>", "seed flag: same as --file").hideHelp())
    .addOption(
      new Option(
        "--cloud <cloud>",
        `seed flag: ${seedClouds().join(" | ")} (bundle remote)`,
      ).choices(seedClouds()),
    )
    .addOption(new Option("--secret-name <name>", "seed flag: secret holding the bundle"))
    .addOption(new Option("--region <region>", "seed flag: AWS region"))
    .addOption(new Option("--project-id <id>", "seed flag: Google Cloud project"))
    .addOption(new Option("--vault-url <url>", "seed flag: Azure Key Vault URL"));
}

/** Maps the shared flags to library options; `out` gives the logger test hooks speak through. */
function common(o: RawOptions, out: () => Output): CommonOptions {
  const hooks = testHooks(process.env, () => out().logger);
  // The settings resolver's own ranges, checked here too so every command (init
  // included) refuses a bad value the same way.
  const whole = (raw: string | undefined, name: NumberSetting): number | undefined => {
    if (raw === undefined) return undefined;
    const spec = NUMBER_SETTINGS[name];
    return checkNumber(spec, raw.trim() === "" ? NaN : Number(raw), spec.flag, raw);
  };
  const concurrency = whole(o.concurrency, "concurrency");
  const retries = whole(o.retries, "retries");
  const timeoutMs = whole(o.timeout, "timeoutMs");
  const retryBudgetMs = whole(o.retryBudget, "retryBudgetMs");
  const file = o.file ?? o.envPath;
  return {
    ...(hooks ? { storeContext: { hooks } } : {}),
    ...(retries !== undefined ? { retries } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(retryBudgetMs !== undefined ? { retryBudgetMs } : {}),
    ...(o.env !== undefined ? { env: o.env } : {}),
    ...(file !== undefined ? { file } : {}),
    ...(o.remote !== undefined ? { remote: o.remote } : {}),
    ...(o.config !== undefined ? { config: o.config } : {}),
    ...(concurrency !== undefined ? { concurrency } : {}),
    seed: {
      ...(o.cloud !== undefined ? { cloud: o.cloud } : {}),
      ...(o.secretName !== undefined ? { secretName: o.secretName } : {}),
      ...(o.region !== undefined ? { region: o.region } : {}),
      ...(o.projectId !== undefined ? { projectId: o.projectId } : {}),
      ...(o.vaultUrl !== undefined ? { vaultUrl: o.vaultUrl } : {}),
    },
  };
}

/** Renders an error on stderr (and as JSON on stdout with --json); returns its exit code. */
function report(err: unknown, out: Output): number {
  const e = isEnvsyncError(err)
    ? err
    : (fromSystemError(err) ??
      new EnvsyncError(
        "PROVIDER",
        `Unexpected error: ${err instanceof SyntaxError ? "malformed data" : err instanceof Error ? err.message : String(err)}`,
        {
          cause: err,
          hint: "Run again with --verbose for details; if it persists, report it.",
        },
      ));
  // URL credentials never reach the output, whatever built the message.
  const message = redactText(e.message);
  const hint = e.hint === undefined ? undefined : redactText(e.hint);
  if (out.json)
    out.result({
      ok: false,
      error: { code: e.code, exitCode: e.exitCode, message, hint: hint ?? null },
    });
  writeStderr(`${out.c.red(`error [${e.code}]`)} ${message}\n`);
  if (hint) writeStderr(`  ${out.c.dim("hint:")} ${hint}\n`);
  if (out.verbose) {
    let cause: unknown = e.cause ?? (e === err ? undefined : err);
    while (cause instanceof Error) {
      writeStderr(`  caused by: ${safeErrorText(cause)}\n`);
      cause = cause.cause;
    }
    if (!e.cause) writeStderr(`${safeErrorText(e)}\n`);
  }
  return e.exitCode;
}

/** What an action leaves for {@link main}: the output it used and its exit code. */
interface RunState {
  out: Output;
  code: number;
}

/**
 * The commander program. With `only` naming a command, only that command is built (a
 * run of `envsync diff …` parses diff's options and nothing else); otherwise every
 * command, the bare command's options and `--version` are.
 */
function buildProgram(state: RunState, only?: string): Command {
  const program = new Command("envsync")
    .description("Keep .env files in agreement with cloud secret stores (three-way sync).")
    .exitOverride()
    .configureOutput({
      // Through the same writers as every other line, so the order of the texts is kept.
      writeErr: writeStderr,
      writeOut: writeStdout,
    })
    // One width whatever the terminal: the help bin.js prints without loading this
    // module (dist/cli/help.json, written by the build from helpTexts) is the same text.
    .configureHelp({ helpWidth: HELP_WIDTH })
    .showSuggestionAfterError(true);
  program.addOption(
    new Option(
      "--direction <direction>",
      "seed flag: bidirectional | local-to-cloud | cloud-to-local",
    ),
  );

  const wrap =
    (fn: (o: RawOptions, cmd: Command) => Promise<number>) =>
    async (...args: unknown[]): Promise<void> => {
      const cmd = args[args.length - 1] as Command;
      const o: RawOptions = { ...program.opts(), ...cmd.opts() };
      state.out = createOutput(o);
      state.code = await fn(o, cmd);
    };

  const deps = {
    shared,
    common: (o: CliOptions) => common(o, () => state.out),
    wrap: (fn: (o: CliOptions, cmd: Command) => Promise<number>) =>
      wrap((o, cmd) => fn(o as CliOptions, cmd)),
    out: () => state.out,
  };
  if (only === undefined || !registerCommand(program, deps, only)) {
    program.version(packageInfo().version, "-V, --version");
    registerCommands(program, deps);
  }
  return program;
}

/** Width of help texts, in columns. */
const HELP_WIDTH = 80;

/**
 * The help of the bare command (key "") and of each command (key: its name), as
 * `envsync --help` and `envsync NAME --help` print them. The build writes them to
 * dist/cli/help.json, which bin.js prints without loading the core.
 */
export function helpTexts(): Record<string, string> {
  const program = buildProgram({ out: createOutput({}), code: ExitCode.OK });
  return {
    "": program.helpInformation(),
    // Not the hidden `__complete` of the completion scripts: it has no help of its own.
    ...Object.fromEntries(
      program.commands
        .filter((c) => !c.name().startsWith("__"))
        .map((c) => [c.name(), c.helpInformation()]),
    ),
  };
}

/** Runs the CLI on `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const state: RunState = { out: createOutput({}), code: ExitCode.OK };
  // A command named first is built alone; anything else (options first, `help`, a typo
  // commander suggests a fix for) gets the whole program.
  const program = buildProgram(state, argv[0]);
  try {
    await program.parseAsync(argv, { from: "user" });
    return state.code;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (
        err.code === "commander.helpDisplayed" ||
        err.code === "commander.version" ||
        err.code === "commander.help"
      )
        return ExitCode.OK;
      // commander already printed its message on stderr; --json still gets its one object.
      if (argv.includes("--json"))
        createOutput({ json: true }).result({
          ok: false,
          error: { code: "USAGE", exitCode: ExitCode.USAGE, message: err.message, hint: null },
        });
      return ExitCode.USAGE;
    }
    return report(err, state.out);
  }
}
