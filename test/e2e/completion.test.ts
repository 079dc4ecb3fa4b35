/**
 * `envsync completion bash|zsh|fish`, checked by the real shells (zsh and fish are
 * installed on first use by test/harness/tools/shells.ts) against the built CLI on
 * PATH: commands (the same list as `envsync --help`), flags, flag choices, environment
 * names from envsync.yaml, file names where a path is expected.
 *
 * bash runs the script's function as `complete -F` would, with COMP_WORDS/COMP_CWORD
 * set; fish answers `complete -C`, its own completion engine; zsh runs the script's
 * `_envsync` with `words`/`CURRENT` set, with `_describe` and `_files` (which only work
 * inside a completion widget) replaced by functions that print what they were given.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { requireShell } from "../harness/tools/shells.js";
import { binShellLine, runCli, tempDir } from "./helpers.js";

let dir: string;
let env: Record<string, string>;
let commands: string[];

beforeAll(async () => {
  dir = tempDir("envsync-completion-");
  const bin = join(dir, "bin");
  mkdirSync(bin);
  writeFileSync(join(bin, "envsync"), `#!/bin/sh\nexec ${binShellLine([])} "$@"\n`);
  chmodSync(join(bin, "envsync"), 0o755);
  writeFileSync(
    join(dir, "envsync.yaml"),
    'default: dev\nenvironments:\n  dev:\n    remote: "file:dev.env"\n  staging:\n    remote: "file:staging.env"\n  prod-eu:\n    remote: "file:prod.env"\n',
  );
  writeFileSync(join(dir, "dev.env"), "A=1\n");
  env = { ...(process.env as Record<string, string>), PATH: `${bin}:${process.env.PATH ?? ""}` };
  // The commands `envsync --help` lists: what completion must offer, no more, no less.
  const help = await runCli(["--help"], { cwd: dir });
  commands = [...help.stdout.matchAll(/^ {2}([a-z][a-z-]*)\b/gm)]
    .map((m) => m[1]!)
    .filter((c) => c !== "help");
  expect(commands).toContain("completion");
  expect(commands).toContain("sync");
});

function shell(path: string, args: string[]): string {
  const r = spawnSync(path, args, { cwd: dir, env, encoding: "utf8", timeout: 120_000 });
  expect(r.status, `${path} ${args.join(" ")}\n${r.stderr}`).toBe(0);
  return r.stdout;
}

/** The cases every shell answers: the words after `envsync` (last: being typed), and what must come. */
const CASES: { words: string[]; want: string[]; exact?: boolean }[] = [
  { words: ["sy"], want: ["sync"], exact: true },
  { words: ["sync", "--on-c"], want: ["--on-conflict"], exact: true },
  {
    words: ["sync", "--on-conflict", ""],
    want: ["remote", "local", "prompt", "fail"],
    exact: true,
  },
  { words: ["check", "-e", ""], want: ["dev", "staging", "prod-eu"], exact: true },
  { words: ["diff", "--env", "st"], want: ["staging"], exact: true },
  { words: ["diff", "--env=st"], want: ["--env=staging"], exact: true },
  {
    words: ["check", "--env="],
    want: ["--env=dev", "--env=staging", "--env=prod-eu"],
    exact: true,
  },
  { words: ["sync", "--on-conflict=f"], want: ["--on-conflict=fail"], exact: true },
  { words: ["completion", ""], want: ["bash", "zsh", "fish"], exact: true },
  { words: ["run", "--wa"], want: ["--watch", "--watch-interval", "--watch-signal"], exact: true },
  { words: ["pull", "-f", "dev"], want: ["dev.env"] },
];

const sorted = (a: readonly string[]): string[] => [...a].sort();

function checkCase(got: string[], c: (typeof CASES)[number]): void {
  if (c.exact) expect(sorted(got), c.words.join(" ")).toEqual(sorted(c.want));
  else for (const w of c.want) expect(got, c.words.join(" ")).toContain(w);
}

describe("envsync completion (real shells)", () => {
  it("bash", async () => {
    const bash = await requireShell("bash");
    const q = (w: string): string => `'${w}'`;
    const calls = [[""], ...CASES.map((c) => c.words)]
      .map((words) => `comp envsync ${words.map(q).join(" ")}`)
      .join("\n");
    const out = shell(bash, [
      "--norc",
      "--noprofile",
      "-c",
      `source <(envsync completion bash)
complete -p envsync
comp() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=(); _envsync_complete; printf '%s\\n' "\${COMPREPLY[@]}"; echo '=='; }
${calls}`,
    ]);
    const [registration, ...rest] = out.split("\n");
    expect(registration).toBe("complete -F _envsync_complete envsync");
    const answers = rest
      .join("\n")
      .split("==\n")
      .map((b) => b.split("\n").filter(Boolean));
    expect(sorted(answers[0]!)).toEqual(sorted(commands));
    CASES.forEach((c, i) => checkCase(answers[i + 1]!, c));
  });

  it("bash splits --env=VALUE at the = (COMP_WORDBREAKS): the value completes, without --env= in front", async () => {
    const bash = await requireShell("bash");
    const q = (w: string): string => `'${w}'`;
    // The words as bash hands them to a completion function for `envsync …--env=st`.
    const split: { words: string[]; want: string[] }[] = [
      { words: ["diff", "--env", "=", "st"], want: ["staging"] },
      { words: ["check", "--env", "="], want: ["dev", "staging", "prod-eu"] },
      { words: ["sync", "--on-conflict", "=", "f"], want: ["fail"] },
      { words: ["pull", "--file", "=", "dev"], want: ["dev.env"] },
      {
        words: ["sync", "--env", "=", "st", "--on-conflict", "="],
        want: ["remote", "local", "prompt", "fail"],
      },
    ];
    const out = shell(bash, [
      "--norc",
      "--noprofile",
      "-c",
      `source <(envsync completion bash)
comp() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=(); _envsync_complete; printf '%s\\n' "\${COMPREPLY[@]}"; echo '=='; }
${split.map((c) => `comp envsync ${c.words.map(q).join(" ")}`).join("\n")}`,
    ]);
    const answers = out.split("==\n").map((b) => b.split("\n").filter(Boolean));
    split.forEach((c, i) => expect(sorted(answers[i]!), c.words.join(" ")).toEqual(sorted(c.want)));
  });

  it("bash at a real readline prompt (a terminal from script(1)): --env=<TAB> and --env <TAB> complete the line", async () => {
    const bash = await requireShell("bash");
    // Lines typed at an interactive bash; TAB completes, Enter runs the completed line,
    // which a shell function (not the CLI) prints. Readline reads the keys in order, and a
    // completion runs to its end before the next key is read: no waiting on time.
    const typed = [
      "source <(envsync completion bash)",
      `envsync() { if [[ $1 == __complete ]]; then command envsync "$@"; else printf 'LINE:%s:END\\n' "$*"; fi; }`,
      "envsync diff --env=st\t",
      "envsync diff --env st\t",
      "envsync check --env=pro\t",
      "envsync sync --on-conflict=fa\t",
      "envsync pull --file=dev.e\t",
      "exit",
      "",
    ].join("\n");
    const r = spawnSync("script", ["-qfec", `${bash} --norc --noprofile -i`, "/dev/null"], {
      cwd: dir,
      env: { ...env, TERM: "dumb" },
      input: typed,
      encoding: "utf8",
      timeout: 120_000,
    });
    expect(r.error, "script(1) (util-linux) runs bash in a terminal").toBeUndefined();
    expect(
      [...r.stdout.matchAll(/^LINE:(.*):END\r?$/gm)].map((m) => m[1]),
      r.stdout,
    ).toEqual([
      "diff --env=staging",
      "diff --env staging",
      "check --env=prod-eu",
      "sync --on-conflict=fail",
      "pull --file=dev.env",
    ]);
  });

  it("zsh", async () => {
    const zsh = await requireShell("zsh");
    const q = (w: string): string => `'${w}'`;
    const calls = [[""], ...CASES.map((c) => c.words)]
      .map((words) => `comp envsync ${words.map(q).join(" ")}`)
      .join("\n");
    const out = shell(zsh, [
      "-f",
      "-c",
      `autoload -Uz compinit && compinit -u -D
source <(envsync completion zsh)
print -r -- "registered: $_comps[envsync]"
_describe() { local name=$4; print -rl -- "\${(@P)name}"; }
_files() { print -r -- ":files:"; ls -1; }
comp() { local -a words; words=("$@"); local CURRENT=$#; _envsync; print -r -- '=='; }
${calls}`,
    ]);
    const [registration, ...rest] = out.split("\n");
    expect(registration).toBe("registered: _envsync");
    const answers = rest
      .join("\n")
      .split("==\n")
      .map((b) =>
        b
          .split("\n")
          .filter((l) => l !== "" && l !== ":files:")
          .map((l) => l.replace(/(?<!\\):.*$/, "").replace(/\\:/g, ":")),
      );
    expect(sorted(answers[0]!)).toEqual(sorted(commands));
    CASES.forEach((c, i) => checkCase(answers[i + 1]!, c));
  });

  it("fish", async () => {
    const fish = await requireShell("fish");
    const calls = [[""], ...CASES.map((c) => c.words)]
      .map((words) => `complete -C'envsync ${words.join(" ")}'; echo '=='`)
      .join("\n");
    const out = shell(fish, ["--no-config", "-c", `envsync completion fish | source\n${calls}`]);
    const answers = out.split("==\n").map((b) =>
      b
        .split("\n")
        .filter(Boolean)
        .map((l) => l.split("\t")[0]!),
    );
    expect(sorted(answers[0]!)).toEqual(sorted(commands));
    CASES.forEach((c, i) => checkCase(answers[i + 1]!, c));
  });

  it("environment names in a workspace: the target's in its folder, every target's at the root", async () => {
    const ws = join(dir, "ws");
    mkdirSync(join(ws, "apps", "api"), { recursive: true });
    writeFileSync(
      join(ws, "envsync.yaml"),
      'targets:\n  api:\n    dir: apps/api\n    environments:\n      dev: { remote: "file:a.env" }\n      qa: { remote: "file:b.env" }\n  web:\n    dir: apps/web\n    environments:\n      dev: { remote: "file:c.env" }\n      prod: { remote: "file:d.env" }\n',
    );
    const names = async (cwd: string): Promise<string[]> =>
      sorted(
        (await runCli(["__complete", "--", "check", "--env", ""], { cwd })).stdout
          .split("\n")
          .filter(Boolean),
      );
    expect(await names(join(ws, "apps", "api"))).toEqual(["dev", "qa"]);
    expect(await names(ws)).toEqual(["dev", "prod", "qa"]);
  });

  it("an unknown shell is a usage error (exit 2)", async () => {
    const r = await runCli(["completion", "tcsh"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bash, zsh, fish/);
  });
});
