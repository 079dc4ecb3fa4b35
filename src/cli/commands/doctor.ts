/** `envsync doctor`: commander registration and rendering. */
import type { Command } from "commander";
import { ExitCode } from "../../errors.js";
import type { DoctorResult, FindingStatus } from "../../ops/doctor.js";
import type { Output } from "../output.js";
import type { CommandDeps } from "./types.js";
import { runWorkspace, wantsWorkspace } from "./workspace.js";

const SYMBOL: Record<FindingStatus, string> = { ok: "✓", fail: "✗", warn: "!", info: "i" };

/** Prints the findings, one line each with its advice below. */
export function renderDoctor(out: Output, r: DoctorResult): void {
  if (out.json) {
    out.result({ ok: r.ok, command: "doctor", findings: r.findings });
    return;
  }
  const paint = (s: FindingStatus, t: string): string =>
    s === "ok"
      ? out.c.green(t)
      : s === "fail"
        ? out.c.red(t)
        : s === "warn"
          ? out.c.yellow(t)
          : out.c.dim(t);
  const width = Math.max(...r.findings.map((f) => f.check.length));
  for (const f of r.findings) {
    out.line(`${paint(f.status, SYMBOL[f.status])} ${f.check.padEnd(width)}  ${f.message}`);
    if (f.advice) out.line(`  ${" ".repeat(width)}  ${out.c.dim(`→ ${f.advice}`)}`);
  }
  const failed = r.findings.filter((f) => f.status === "fail").length;
  const warned = r.findings.filter((f) => f.status === "warn").length;
  out.line(
    failed
      ? out.c.red(`${failed} problem(s) found${warned ? `, ${warned} warning(s)` : ""}`)
      : `no problems found${warned ? ` (${warned} warning(s))` : ""}`,
  );
}

/** Registers `doctor`. */
export function registerDoctor(program: Command, deps: CommandDeps): void {
  deps
    .shared(
      program
        .command("doctor")
        .description(
          "check config, credentials, reachability, permissions and .gitignore, with advice",
        ),
    )
    .option("--offline", "skip the store read (and the write check)")
    .action(
      deps.wrap(async (o) => {
        const out = deps.out();
        const { doctor } = await import("../../ops/doctor.js");
        if (wantsWorkspace(o))
          return runWorkspace(deps, o, async (opts) => {
            const r = await doctor({ ...opts, ...(o.offline ? { offline: true } : {}) });
            const failed = r.findings.filter((f) => f.status === "fail");
            const warned = r.findings.filter((f) => f.status === "warn").length;
            return {
              exitCode: r.ok ? ExitCode.OK : ExitCode.RUNTIME,
              result: {
                summary: failed.length
                  ? `${failed.length} problem(s): ${failed.map((f) => f.check).join(", ")}`
                  : `no problems${warned ? ` (${warned} warning(s))` : ""}`,
                json: { ok: r.ok, command: "doctor", findings: r.findings },
              },
            };
          });
        const r = await doctor({
          ...deps.common(o),
          logger: out.logger,
          ...(o.offline ? { offline: true } : {}),
        });
        renderDoctor(out, r);
        return r.ok ? ExitCode.OK : ExitCode.RUNTIME;
      }),
    );
}
