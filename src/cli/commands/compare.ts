/**
 * `envsync compare [A B ...]`: keys missing or different between environments or remotes,
 * by keyed digest, never values (src/ops/compare.ts). Without sides: every environment of
 * envsync.yaml as a matrix; with `--all`/`--target`: that matrix for each target. Exit 3
 * when they differ (`--keys-only`: only when a key is missing somewhere).
 */
import type { Command } from "commander";
import { ExitCode } from "../../errors.js";
import type { CompareResult } from "../../ops/compare.js";
import type { Output } from "../output.js";
import type { CliOptions, CommandDeps } from "./types.js";
import { runWorkspace, wantsWorkspace } from "./workspace.js";

/** Exit code of a comparison: 3 when the sides differ (in keys alone with `keysOnly`). */
export function compareExit(r: CompareResult, keysOnly: boolean): number {
  return (keysOnly ? r.sameKeys : r.identical) ? ExitCode.OK : ExitCode.DIFFERENCES;
}

/** The --json form of a comparison. */
export function compareJson(r: CompareResult): unknown {
  return {
    sides: r.sides,
    identical: r.identical,
    sameKeys: r.sameKeys,
    counts: r.counts,
    keys: r.keys.map((k) => ({
      key: k.key,
      status: k.status,
      missingIn: k.missingIn,
      // Same number = same value (compared by keyed digest); null = missing.
      classes: Object.fromEntries(r.sides.map((s, i) => [s, k.classes[i] ?? null])),
    })),
  };
}

/** One line of a comparison's counts. */
function countsText(r: CompareResult): string {
  const c = r.counts;
  return `${r.keys.length} keys: ${c.equal} equal, ${c.different} different, ${c.missing} missing somewhere`;
}

/**
 * The matrix: a row per key, a column per side; in a cell, a letter names the value (the
 * same letter in two columns: the same value), `-` a missing key.
 */
export function renderCompare(out: Output, r: CompareResult, title: string): void {
  out.line(out.c.bold(`compare ${r.sides.join(" ⇄ ")}${title ? ` (${title})` : ""}`));
  const letter = (n: number | null): string =>
    n === null ? "-" : n < 26 ? String.fromCharCode(97 + n) : `v${n}`;
  const status = (k: CompareResult["keys"][number]): string =>
    k.status !== "missing"
      ? k.status
      : r.sides.length === 2
        ? `only in ${r.sides.find((s) => !k.missingIn.includes(s)) ?? "?"}`
        : `missing in ${k.missingIn.join(", ")}`;
  const head = ["KEY", ...r.sides, "STATUS"];
  const cells = r.keys.map((k) => [k.key, ...k.classes.map(letter), status(k)]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: readonly string[]): string =>
    "  " + c.map((v, i) => (i === c.length - 1 ? v : v.padEnd(widths[i]!))).join("  ");
  out.line(line(head));
  for (const [i, c] of cells.entries()) {
    const st = r.keys[i]!.status;
    const text = line(c);
    out.line(st === "equal" ? text : st === "missing" ? out.c.yellow(text) : out.c.cyan(text));
  }
  out.line(
    `${countsText(r)}; values compared by keyed digest, never shown (same letter = same value)`,
  );
}

/** Registers `compare`. */
export function registerCompare(program: Command, deps: CommandDeps): void {
  deps
    .shared(
      program
        .command("compare")
        .argument("[sides...]", "environments of envsync.yaml or remote URIs (default: all)")
        .description("keys missing or different between environments or remotes (never values)"),
    )
    .option("--keys-only", "exit 3 only when a key is missing somewhere, not when values differ")
    .action(
      deps.wrap(async (o: CliOptions, cmd: Command) => {
        const { compare } = await import("../../ops/compare.js");
        const out = deps.out();
        const keysOnly = o.keysOnly === true;
        const sides = cmd.args;
        if (wantsWorkspace(o)) {
          const shown: { title: string; r: CompareResult }[] = [];
          return runWorkspace(
            deps,
            o,
            async (opts, t) => {
              const envs = Object.keys(t.config.config.environments);
              if (sides.length === 0 && envs.length < 2)
                return {
                  exitCode: ExitCode.OK,
                  result: {
                    summary: `nothing to compare (${envs.length} environment)`,
                    json: { sides: envs, skipped: "fewer than two environments" },
                  },
                };
              const r = await compare({ ...opts, sides });
              shown.push({ title: t.name, r });
              return {
                exitCode: compareExit(r, keysOnly),
                result: { summary: countsText(r), json: compareJson(r) },
              };
            },
            () => {
              for (const s of shown.sort((a, b) => a.title.localeCompare(b.title))) {
                renderCompare(out, s.r, s.title);
                out.line("");
              }
            },
            { perTarget: true },
          );
        }
        const r = await compare({ ...deps.common(o), logger: out.logger, sides });
        if (out.json) out.result({ ok: true, command: "compare", ...(compareJson(r) as object) });
        else renderCompare(out, r, "");
        return compareExit(r, keysOnly);
      }),
    );
}
