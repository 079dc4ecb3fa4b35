/**
 * A Vitest reporter that prints, at the end of a run, beside the default reporter:
 * the ten slowest test files (collect + tests and hooks, per file), and the tests that
 * came closest to their own timeout (duration / timeout). It reports; it never fails a
 * run: timing belongs in `npm run bench`, never in an assertion. The second table is
 * how a run under load (scripts/stress-test.sh) shows no test is near its backstop:
 * a test over half its timeout is named on a line of its own.
 */
import { relative } from "node:path";
import type { Reporter, TestCase, TestModule } from "vitest/node";

const SHOWN = 10;
const NEAREST = 5;

/** The timeout a test ran under (its own, else its project's testTimeout). */
function timeoutOf(t: TestCase): number {
  // The runner's own record of the test (Vitest keeps it on the reported test, untyped).
  const own = (t as unknown as { task?: { timeout?: number } }).task?.timeout;
  return typeof own === "number" && own > 0 ? own : t.project.config.testTimeout;
}

/** Prints the {@link SHOWN} slowest test files and the tests nearest their timeout. */
export default class SlowestFilesReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const rows = modules
      .map((m) => {
        const d = m.diagnostic();
        return {
          file: relative(process.cwd(), m.moduleId),
          project: m.project.name,
          ms: d.collectDuration + d.setupDuration + d.duration,
        };
      })
      .sort((a, b) => b.ms - a.ms)
      .slice(0, SHOWN);
    if (rows.length === 0) return;
    const width = Math.max(...rows.map((r) => r.file.length));
    const lines = rows.map(
      (r) => `  ${(r.ms / 1000).toFixed(1).padStart(7)} s  ${r.file.padEnd(width)}  (${r.project})`,
    );
    process.stdout.write(`\nSlowest ${rows.length} test files\n${lines.join("\n")}\n`);

    const tests = modules
      .flatMap((m) => [...m.children.allTests()])
      .map((t) => {
        const ms = t.diagnostic()?.duration ?? 0;
        const timeout = timeoutOf(t);
        return { t, ms, timeout, share: timeout > 0 ? ms / timeout : 0 };
      })
      .filter((r) => r.ms > 0)
      .sort((a, b) => b.share - a.share);
    if (tests.length === 0) return;
    const over = tests.filter((r) => r.share >= 0.5);
    const shown = tests.slice(0, Math.max(NEAREST, over.length));
    const testLines = shown.map(
      (r) =>
        `  ${(r.share * 100).toFixed(0).padStart(3)} %  ${(r.ms / 1000).toFixed(1).padStart(6)} s of ${(
          r.timeout / 1000
        ).toFixed(
          0,
        )} s  ${relative(process.cwd(), r.t.module.moduleId)} > ${r.t.fullName}  (${r.t.project.name})`,
    );
    process.stdout.write(
      `\nTests nearest their timeout (${over.length} over half of it)\n${testLines.join("\n")}\n`,
    );
  }
}
