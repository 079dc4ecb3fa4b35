/**
 * Whole-process start-up: `envsync --version` vs `node -e 0`, and `envsync diff` on a
 * 1,000-key .env against a file: remote vs `node -e 0` and vs `dotenvx get` on the same file.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { fmt, timeProcess } from "./measure.js";
import type { BenchRow } from "./types.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const bin = join(root, "dist", "cli", "bin.js");
const dotenvx = join(root, "node_modules", "@dotenvx", "dotenvx", "src", "cli", "dotenvx.js");

/** Runs the start-up rows. */
export async function run(): Promise<BenchRow[]> {
  await Promise.resolve();
  const dir = mkdtempSync(join(tmpdir(), "envsync-bench-"));
  const lines: string[] = [];
  for (let i = 0; i < 1000; i++) lines.push(`KEY_${i}=value-${i}-${"x".repeat(20)}`);
  writeFileSync(join(dir, ".env"), lines.join("\n") + "\n");
  writeFileSync(
    join(dir, "remote.env"),
    lines.map((l, i) => (i % 100 === 0 ? l + "changed" : l)).join("\n") + "\n",
  );
  const env = { ...process.env, NO_COLOR: "1" };
  const node = timeProcess(process.execPath, ["-e", "0"], { env });
  const version = timeProcess(process.execPath, [bin, "--version"], { env });
  const diff = timeProcess(process.execPath, [bin, "diff", "-r", "file:remote.env"], {
    cwd: dir,
    env,
  });
  const dx = timeProcess(process.execPath, [dotenvx, "get", "-f", ".env"], { cwd: dir, env });
  const r1 = version.median / node.median;
  const r2 = diff.median / node.median;
  const r3 = dx.median / diff.median;
  return [
    {
      name: "`envsync --version` vs `node -e 0`",
      ours: fmt(version),
      baseline: fmt(node),
      ratio: `${r1.toFixed(2)}×`,
      goal: "≤ 1.3×",
      met: r1 <= 1.3,
    },
    {
      name: "`envsync diff` 1,000 keys (file:) vs `node -e 0`",
      ours: fmt(diff),
      baseline: fmt(node),
      ratio: `${r2.toFixed(2)}×`,
      goal: "≤ 1.5×",
      met: r2 <= 1.5,
    },
    {
      name: "`envsync diff` 1,000 keys vs `dotenvx get` same file",
      ours: fmt(diff),
      baseline: fmt(dx),
      ratio: `${r3.toFixed(2)}× faster`,
      goal: "faster",
      met: r3 > 1,
    },
  ];
}
