/**
 * Shell completion (`envsync completion bash|zsh|fish`), as cobra-based CLIs do it: the
 * scripts are small and ask the CLI itself, through the hidden `envsync __complete --
 * WORDS…`, what may come next. The answers come from the commander definitions of the
 * commands (names, flags, choices) and from envsync.yaml (environment names), so a
 * new command or flag completes without touching the scripts.
 *
 * Protocol: one candidate a line, `value<TAB>description` (the description may be
 * absent); a line `:files` asks the shell to offer file names too.
 */
import type { Command, Option } from "commander";

/** The shells `envsync completion` writes a script for. */
export const SHELLS = ["bash", "zsh", "fish"] as const;

/** One of {@link SHELLS}. */
export type Shell = (typeof SHELLS)[number];

/** One candidate, with what it is for. */
export interface Candidate {
  readonly value: string;
  readonly description?: string;
}

/** What may come next on the command line. */
export interface Completion {
  readonly candidates: readonly Candidate[];
  /** The shell should offer file names as well. */
  readonly files: boolean;
}

/** The options whose values are paths. */
const PATH_OPTIONS = new Set(["--file", "--env-path", "--config"]);

const NONE: Completion = { candidates: [], files: false };

function findOption(cmd: Command, flag: string): Option | undefined {
  return cmd.options.find((o) => o.long === flag || o.short === flag);
}

function takesValue(o: Option): boolean {
  return o.required || o.optional;
}

/** What may follow `opt`: environment names, its choices, or file names. */
function valuesOf(opt: Option, envNames: () => readonly string[], prefix = ""): Completion {
  const values = opt.long === "--env" ? envNames() : (opt.argChoices ?? []);
  if (values.length > 0)
    return { candidates: values.map((v) => ({ value: `${prefix}${v}` })), files: false };
  return { candidates: [], files: opt.long !== undefined && PATH_OPTIONS.has(opt.long) };
}

/**
 * What may come after `words` (the words typed after `envsync`; the last is the one
 * being completed, possibly empty). `envNames` lists envsync.yaml's environments.
 */
export function complete(
  program: Command,
  words: readonly string[],
  envNames: () => readonly string[],
): Completion {
  const cur = words.at(-1) ?? "";
  let cmd = program;
  let pending: Option | undefined;
  let operands = 0;
  for (const w of words.slice(0, -1)) {
    if (pending) {
      pending = undefined;
      continue;
    }
    // After `--` (run's command): the shell's own completion of commands and files.
    if (w === "--") return { candidates: [], files: true };
    if (w.startsWith("-") && w !== "-") {
      const opt = w.includes("=") ? undefined : findOption(cmd, w);
      if (opt && takesValue(opt)) pending = opt;
      continue;
    }
    const sub =
      cmd === program
        ? program.commands.find((c) => c.name() === w || c.aliases().includes(w))
        : undefined;
    if (sub) cmd = sub;
    else operands++;
  }
  if (pending) {
    const c = valuesOf(pending, envNames);
    return { ...c, candidates: c.candidates.filter((x) => x.value.startsWith(cur)) };
  }
  const eq = cur.indexOf("=");
  if (cur.startsWith("--") && eq > 0) {
    const opt = findOption(cmd, cur.slice(0, eq));
    if (!opt || !takesValue(opt)) return NONE;
    const c = valuesOf(opt, envNames, cur.slice(0, eq + 1));
    return { ...c, candidates: c.candidates.filter((x) => x.value.startsWith(cur)) };
  }
  if (cur.startsWith("-")) {
    const candidates = cmd.options
      .filter((o) => !o.hidden && o.long !== undefined)
      .map((o) => ({ value: o.long!, description: o.description }))
      .filter((c) => c.value.startsWith(cur));
    return { candidates, files: false };
  }
  if (cmd === program) {
    const candidates = program.commands
      .filter((c) => !c.name().startsWith("_"))
      .map((c) => ({ value: c.name(), description: c.description() }))
      .filter((c) => c.value.startsWith(cur));
    return { candidates, files: false };
  }
  // The command's operands: shells for `completion`, environments where an argument
  // names one, file names for the others.
  const arg = cmd.registeredArguments[operands] ?? cmd.registeredArguments.at(-1);
  if (!arg) return NONE;
  const choices = arg.argChoices ?? (/env/i.test(arg.name()) ? envNames() : undefined);
  if (choices)
    return {
      candidates: choices.filter((v) => v.startsWith(cur)).map((value) => ({ value })),
      files: false,
    };
  return { candidates: [], files: true };
}

/** The protocol's text for a {@link Completion}. */
export function formatCompletion(c: Completion): string {
  const lines = c.candidates.map((x) =>
    x.description ? `${x.value}\t${x.description.replace(/\s+/g, " ")}` : x.value,
  );
  if (c.files) lines.push(":files");
  return lines.length > 0 ? `${lines.join("\n")}\n` : "";
}

const BASH = `# envsync completion for bash. Load it in ~/.bashrc:
#   source <(envsync completion bash)
# or save it as ~/.local/share/bash-completion/completions/envsync
_envsync_complete() {
  local line files=0 i n=0 w IFS=$'\\n'
  local -a lines words=("")
  # bash splits --env=dev at the = (COMP_WORDBREAKS): join the pieces back into one word.
  for ((i = 1; i <= COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    if ((i > 1)) && [[ $w == "=" || \${words[n-1]} == *= && \${COMP_WORDS[i-1]} == "=" ]]; then
      words[n-1]+="$w"
    else
      words[n]="$w"
      n=$((n + 1))
    fi
  done
  # Readline replaces only the text after the last =: drop what comes before it.
  local raw="\${COMP_WORDS[COMP_CWORD]}" cur="\${words[\${#words[@]}-1]}"
  [[ $raw == "=" ]] && raw=""
  local strip="\${cur:0:\${#cur}-\${#raw}}"
  lines=($(envsync __complete -- "\${words[@]}" 2>/dev/null)) || return 0
  COMPREPLY=()
  for line in "\${lines[@]}"; do
    line="\${line%%$'\\t'*}"
    if [[ $line == ":files" ]]; then files=1; else COMPREPLY+=("\${line#"$strip"}"); fi
  done
  if [[ $files == 1 ]]; then
    compopt -o filenames 2>/dev/null
    COMPREPLY+=($(compgen -f -- "$raw"))
  fi
  return 0
}
complete -F _envsync_complete envsync
`;

const ZSH = `#compdef envsync
# envsync completion for zsh. Load it in ~/.zshrc (after compinit):
#   source <(envsync completion zsh)
# or save it as _envsync in a folder of $fpath.
_envsync() {
  local line files=0
  local -a lines cands
  lines=("\${(@f)$(envsync __complete -- "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  for line in "\${lines[@]}"; do
    [[ -z $line ]] && continue
    if [[ $line == ":files" ]]; then files=1; continue; fi
    if [[ $line == *$'\\t'* ]]; then
      cands+=("\${\${line%%$'\\t'*}//:/\\\\:}:\${line#*$'\\t'}")
    else
      cands+=("\${line//:/\\\\:}")
    fi
  done
  (( \${#cands} )) && _describe -t values envsync cands
  (( files )) && _files
  return 0
}
if [[ \${zsh_eval_context[-1]} == loadautofunc ]]; then
  _envsync "$@"
else
  compdef _envsync envsync
fi
`;

const FISH = `# envsync completion for fish. Load it:
#   envsync completion fish | source
# or save it as ~/.config/fish/completions/envsync.fish
function __envsync_complete
    set -l words (commandline -opc) (commandline -ct)
    set -e words[1]
    for line in (envsync __complete -- $words 2>/dev/null)
        if test "$line" = ":files"
            __fish_complete_path (commandline -ct)
        else
            echo $line
        end
    end
end
complete -c envsync -f -a '(__envsync_complete)'
`;

/** The completion script of `shell`. */
export function completionScript(shell: Shell): string {
  return { bash: BASH, zsh: ZSH, fish: FISH }[shell];
}
