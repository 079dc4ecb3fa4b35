/**
 * The envsync executable (bundled by scripts/bundle.mjs into dist/cli/bin.js, which
 * loads the rest from dist/cli/core.cjs with its code cache). `--version` and `--help` (of the
 * bare command or of one command) are answered before anything else is loaded; everything else goes through `main`, and this is the only place that ends
 * the process with a code.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { requireWithCodeCache } from "./code-cache.js";
import { writeStderr, writeStdout } from "./std-write.js";
import type { main as Main } from "./main.js";

/**
 * No debugger door (docs/RELIABILITY.md, "No inspector"): SIGUSR1 makes Node open its
 * inspector on 127.0.0.1:9229, through which any local process could read every value
 * this one holds. A listener of our own replaces Node's handler (Node 20 to 24 alike; the
 * `--disable-sigusr1` flag exists only from Node 22.14). It stays for the life of the
 * process: removing it would leave the default action, which ends the process.
 */
process.on("SIGUSR1", () => {
  writeStderr(
    "envsync: ignoring SIGUSR1 (the Node.js inspector stays closed in a process that holds secrets)\n",
  );
});

const argv = process.argv.slice(2);

/**
 * The help `envsync --help` or `envsync NAME --help` prints, from dist/cli/help.json
 * (written by the build from the core's own commander definitions, see `helpTexts`
 * in main.ts); undefined for any other argv, or without that file (commander answers).
 */
function builtHelp(args: readonly string[]): string | undefined {
  const isHelp = (a: string | undefined): boolean => a === "--help" || a === "-h";
  const name =
    args.length === 1 && isHelp(args[0])
      ? ""
      : args.length === 2 && isHelp(args[1]) && !args[0]!.startsWith("-")
        ? args[0]!
        : undefined;
  if (name === undefined) return undefined;
  try {
    const texts = JSON.parse(readFileSync(new URL("help.json", import.meta.url), "utf8")) as Record<
      string,
      string
    >;
    return Object.hasOwn(texts, name) ? texts[name] : undefined;
  } catch {
    return undefined;
  }
}

/**
 * True when nothing would keep the process alive after `main` has settled: no ref'd
 * handle, timer or request (an unfinished write to a pipe is a request) and no
 * `beforeExit` listener. Node would then end at once anyway, but only after running
 * the V8 tasks it still holds (typically an idle-time scavenge of a heap that is about
 * to be dropped: ≈ 1.5 ms of a no-op `sync`); ending here skips that work. `exit`
 * listeners (lock and temp-file clean-up, the code cache) run either way.
 */
function nothingPending(): boolean {
  return process.getActiveResourcesInfo().length === 0 && process.listenerCount("beforeExit") === 0;
}

/**
 * The build's last training run (scripts/bundle.mjs) runs several commands in one
 * process, so that the core's code cache (written at exit, see code-cache.ts) holds the
 * bytecode of each of them: `ENVSYNC_BUILD_TRAIN_THEN` is a JSON list of further argv,
 * run in order after the first, read only with `ENVSYNC_BUILD_WRITE_CODE_CACHE=1`.
 */
function trainingThen(): string[][] {
  const then = process.env.ENVSYNC_BUILD_TRAIN_THEN;
  if (process.env.ENVSYNC_BUILD_WRITE_CODE_CACHE !== "1" || !then) return [];
  return JSON.parse(then) as string[][];
}

const help = builtHelp(argv);
if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V")) {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  writeStdout(`${pkg.version}\n`);
} else if (help !== undefined) {
  writeStdout(help);
} else {
  process.on("SIGINT", () => {
    process.stderr.write("\ninterrupted: nothing more will be written\n");
    process.exit(130);
  });
  const { main } = requireWithCodeCache(fileURLToPath(new URL("core.cjs", import.meta.url))) as {
    main: typeof Main;
  };
  const runAll = async (): Promise<number> => {
    let code = await main(argv);
    for (const more of trainingThen()) code = Math.max(code, await main(more));
    return code;
  };
  // Not awaited at the top level: the bundle is CommonJS.
  void runAll().then((code) => {
    process.exitCode = code;
    if (nothingPending()) process.exit(code);
  });
}
