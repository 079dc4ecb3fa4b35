/**
 * argv → options → library call → rendering. Every failure becomes an exit code
 * here (typed errors carry theirs); `bin.ts` ends the process with it.
 */
import { Command, CommanderError, Option } from "commander";
import { EnvsyncError, ExitCode, fromSystemError, isEnvsyncError } from "../errors.js";
import { redactText, safeErrorText } from "../redact.js";
import type { OnConflict, PlanEntry } from "../core/merge.js";
import { diff, pull, push, sync, type SyncOptions } from "../ops/sync.js";
import { init } from "../ops/init.js";
import type { CommonOptions } from "../ops/session.js";
import { createOutput, type Output } from "./output.js";
import { promptRemote, registerCommands, type CliOptions } from "./commands/index.js";
import { createProgress, pausePrompts, syncProgress } from "./progress.js";
import { renderDiff, renderSync } from "./render.js";
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

const DIRECTIONS = {
  bidirectional: "sync",
  "local-to-cloud": "push",
  "cloud-to-local": "pull",
} as const;

/** The `--cloud` values some provider's seed hook answers to. */
function seedClouds(): string[] {
  return Object.values(schemes).flatMap((e) => (e.hooks.seed ? [e.hooks.seed.cloud] : []));
}

/** Adds the options every command shares (SPEC §4), including the seed flags. */
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

function syncFlags(cmd: Command): Command {
  return cmd
    .option("--dry-run", "print the plan, change nothing")
    .option("--prune", "delete keys missing from the source (push/pull)")
    .addOption(
      new Option("--on-conflict <policy>", "conflict policy").choices([
        "remote",
        "local",
        "prompt",
        "fail",
      ]),
    )
    .option("--purge", "delete permanently where the store soft-deletes (Azure)");
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

/** Prompts (lazily loaded) for deletions and conflicts, at a TTY only. */
function interactions(out: Output): Pick<SyncOptions, "confirmDeletions" | "decideConflict"> {
  if (!out.interactive || out.json) return {};
  return {
    confirmDeletions: async (keys, remote) => {
      const { confirm } = await import("@inquirer/prompts");
      process.stderr.write(
        `These keys will be deleted on ${remote}:\n${keys.map((k) => `  - ${k}`).join("\n")}\n`,
      );
      return confirm(
        { message: `Delete ${keys.length} key(s) on the remote?`, default: false },
        { output: process.stderr },
      );
    },
    decideConflict: async (e: PlanEntry) => {
      const { select } = await import("@inquirer/prompts");
      const answer = await select(
        {
          message: `Conflict on ${e.key}: ${e.reason}. Keep which side?`,
          choices: [
            { name: "remote value", value: "remote" as const },
            { name: "local value", value: "local" as const },
            { name: "neither (stop, write nothing)", value: "none" as const },
          ],
        },
        { output: process.stderr },
      );
      return answer === "none" ? null : answer;
    },
  };
}

async function runSync(
  mode: "sync" | "push" | "pull",
  o: RawOptions,
  out: Output,
): Promise<number> {
  const progress = createProgress(out);
  const opts: SyncOptions = {
    ...common(o, () => out),
    logger: out.logger,
    ...(o.onConflict !== undefined ? { onConflict: o.onConflict } : {}),
    ...(o.prune !== undefined ? { prune: o.prune } : {}),
    ...(o.dryRun !== undefined ? { dryRun: o.dryRun } : {}),
    ...(o.yes !== undefined ? { yes: o.yes } : {}),
    ...(o.expand !== undefined ? { expand: o.expand } : {}),
    ...(o.purge !== undefined ? { purge: o.purge } : {}),
    ...pausePrompts(progress, interactions(out)),
    onProgress: syncProgress(progress),
  };
  const fn = mode === "sync" ? sync : mode === "push" ? push : pull;
  let r;
  try {
    r = await fn(opts);
  } finally {
    progress.stop();
  }
  renderSync(out, r);
  return ExitCode.OK;
}

function modeFromDirection(
  direction: string | undefined,
  fallback: "sync" | "push" | "pull",
): "sync" | "push" | "pull" {
  if (direction === undefined) return fallback;
  const m = DIRECTIONS[direction as keyof typeof DIRECTIONS];
  if (!m) {
    throw new EnvsyncError(
      "USAGE",
      `--direction must be bidirectional, local-to-cloud or cloud-to-local (got "${direction}").`,
      {
        hint: "Or use the commands sync, push, pull.",
      },
    );
  }
  return m;
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
  process.stderr.write(`${out.c.red(`error [${e.code}]`)} ${message}\n`);
  if (hint) process.stderr.write(`  ${out.c.dim("hint:")} ${hint}\n`);
  if (out.verbose) {
    let cause: unknown = e.cause ?? (e === err ? undefined : err);
    while (cause instanceof Error) {
      process.stderr.write(`  caused by: ${safeErrorText(cause)}\n`);
      cause = cause.cause;
    }
    if (!e.cause) process.stderr.write(`${safeErrorText(e)}\n`);
  }
  return e.exitCode;
}

/** Runs the CLI on `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  let out = createOutput({});
  let code: number = ExitCode.OK;
  const program = new Command("envsync")
    .description("Keep .env files in agreement with cloud secret stores (three-way sync).")
    .version(await version(), "-V, --version")
    .exitOverride()
    .configureOutput({
      writeErr: (s) => process.stderr.write(s),
      writeOut: (s) => process.stdout.write(s),
    })
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
      out = createOutput(o);
      code = await fn(o, cmd);
    };

  shared(syncFlags(program)).action(
    wrap(async (o) => {
      if (!o.cloud && !o.secretName && !o.remote && o.direction === undefined) {
        program.outputHelp({ error: true });
        return ExitCode.USAGE;
      }
      return runSync(modeFromDirection(o.direction, "sync"), o, out);
    }),
  );

  shared(
    program
      .command("init")
      .description("create envsync.yaml; git-ignore .env, .env.* and .envsync/"),
  )
    .option("--force", "replace an existing envsync.yaml")
    .action(
      wrap(async (o) => {
        const c = common(o, () => out);
        const remote =
          o.remote ??
          (await import("../ops/session.js")).seedRemote(c.seed) ??
          (await promptRemote(out));
        if (!remote) {
          throw new EnvsyncError("USAGE", "init needs the remote to sync with.", {
            hint: "For example: envsync init --remote file:../team-secrets.env, or --remote aws-sm://myapp/dev?region=eu-west-1",
          });
        }
        const r = await init({
          remote,
          ...(c.file ? { file: c.file } : {}),
          ...(o.force ? { force: true } : {}),
        });
        if (out.json) out.result({ ok: true, command: "init", ...r });
        else {
          out.line(`wrote ${r.config}`);
          if (r.ignoredAdded.length)
            out.line(`added to ${r.gitignore}: ${r.ignoredAdded.join(" ")}`);
          out.line("next: envsync diff, then envsync sync");
        }
        return ExitCode.OK;
      }),
    );

  for (const mode of ["sync", "push", "pull"] as const) {
    const desc = {
      sync: "three-way merge of the local file and the remote",
      push: "make the remote take the local values",
      pull: "make the local file take the remote's values",
    }[mode];
    const cmd = shared(syncFlags(program.command(mode).description(desc)));
    if (mode === "sync")
      cmd.addOption(
        new Option(
          "--direction <direction>",
          "seed flag: bidirectional | local-to-cloud | cloud-to-local",
        ),
      );
    cmd.action(
      wrap((o) => runSync(mode === "sync" ? modeFromDirection(o.direction, "sync") : mode, o, out)),
    );
  }

  shared(
    program
      .command("diff")
      .description("local vs remote (and vs base): added, removed, changed, conflicts"),
  )
    .option("--show-values", "print the values that differ")
    .option("--exit-code", "exit 3 when there are differences")
    .action(
      wrap(async (o) => {
        const d = await diff({
          ...common(o, () => out),
          logger: out.logger,
          ...(o.expand ? { expand: true } : {}),
          ...(o.showValues ? { showValues: true } : {}),
        });
        renderDiff(out, d, o.showValues ?? false);
        return o.exitCode && !d.inAgreement ? ExitCode.DIFFERENCES : ExitCode.OK;
      }),
    );

  shared(
    program.command("check").description("CI gate: exit 0 when local and remote agree, 3 when not"),
  ).action(
    wrap(async (o) => {
      const d = await diff({
        ...common(o, () => out),
        logger: out.logger,
        ...(o.expand ? { expand: true } : {}),
      });
      if (out.json)
        out.result({
          ok: true,
          command: "check",
          inAgreement: d.inAgreement,
          differing: d.entries.map((e) => ({ key: e.key, status: e.status })),
          notices: d.notices,
        });
      else if (d.inAgreement) out.line(`in agreement: ${d.file} ⇄ ${d.remote} (${d.inSync} keys)`);
      else if (d.entries.length === 0) {
        process.stderr.write(
          `not in agreement: ${d.notices
            .filter((n) => n.code === "UNMANAGED")
            .map((n) => n.message)
            .join(" ")}\n`,
        );
      } else {
        process.stderr.write(
          `not in agreement: ${d.entries.length} key(s) differ: ${d.entries.map((e) => e.key).join(", ")}\n`,
        );
        process.stderr.write("  hint: run `envsync diff` to see how, `envsync sync` to fix\n");
      }
      return d.inAgreement ? ExitCode.OK : ExitCode.DIFFERENCES;
    }),
  );

  registerCommands(program, {
    shared,
    common: (o: CliOptions) => common(o, () => out),
    wrap: (fn) => wrap((o, cmd) => fn(o as CliOptions, cmd)),
    out: () => out,
  });

  try {
    await program.parseAsync(argv, { from: "user" });
    return code;
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
    return report(err, out);
  }
}

async function version(): Promise<string> {
  const { readFile } = await import("node:fs/promises");
  const pkg = JSON.parse(
    await readFile(new URL("../../package.json", import.meta.url), "utf8"),
  ) as { version: string };
  return pkg.version;
}
