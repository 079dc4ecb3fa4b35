/**
 * Prompts for the commands of this folder (copy, rollback, init), with
 * `@inquirer/prompts` loaded lazily and drawn on stderr. A prompt is offered only
 * at an interactive terminal without `--json`; otherwise the library call gets no
 * callback and stops with exit 2 unless `--yes` was given.
 */
import { EnvsyncError } from "../../errors.js";
import type { Output } from "../output.js";
import type { Progress } from "../progress.js";
import { escapeControl } from "../safe-text.js";
import { writeStderr } from "../std-write.js";

/** Turns Ctrl-C inside a prompt into an interruption (exit 130) instead of a crash. */
async function asked<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof Error && (e.name === "ExitPromptError" || e.name === "AbortPromptError"))
      throw new EnvsyncError("INTERRUPTED", "Cancelled at the prompt. Nothing was written.");
    throw e;
  }
}

/**
 * A yes/no confirmation (default no) after `lines` on stderr, or undefined when no
 * prompt is possible (no TTY, `--json`). Pauses `progress` while asking.
 */
export function confirmer(
  out: Output,
  progress: Progress,
): ((lines: readonly string[], message: string) => Promise<boolean>) | undefined {
  if (!out.interactive || out.json) return undefined;
  return async (lines, message) => {
    progress.pause();
    const { confirm } = await import("@inquirer/prompts");
    if (lines.length) writeStderr(lines.join("\n") + "\n");
    // Inquirer draws the message itself: escaped here (safe-text.ts).
    return asked(
      confirm({ message: escapeControl(message), default: false }, { output: process.stderr }),
    );
  };
}

/**
 * Asks for the remote URI (init at a TTY without --remote), checking the scheme as
 * the user types; null when no prompt is possible.
 */
export async function promptRemote(out: Output): Promise<string | null> {
  if (!out.interactive || out.json) return null;
  const [{ input }, { resolveUri }] = await Promise.all([
    import("@inquirer/prompts"),
    import("../../providers/registry.js"),
  ]);
  const answer = await asked(
    input(
      {
        message:
          "Remote to sync with (e.g. file:../shared.env, aws-sm://myapp/dev?region=eu-west-1):",
        validate: (v) => {
          try {
            resolveUri(v.trim());
            return true;
          } catch (e) {
            return escapeControl(
              e instanceof EnvsyncError ? `${e.message} ${e.hint ?? ""}` : String(e),
            );
          }
        },
      },
      { output: process.stderr },
    ),
  );
  return answer.trim();
}
