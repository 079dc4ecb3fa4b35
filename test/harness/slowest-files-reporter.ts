/**
 * A Vitest reporter that prints the ten slowest test files at the end of a run
 * (collect + tests and hooks, per file), beside the default reporter. It reports;
 * it never fails a run: timing belongs in `npm run bench`, never in an assertion.
 */
import { relative } from "node:path";
import type { Reporter, TestModule } from "vitest/node";

const SHOWN = 10;

/** Prints the {@link SHOWN} slowest test files when the run ends. */
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
  }
}
