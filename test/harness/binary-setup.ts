/**
 * Global setup of the binary project (vitest.binary.config.ts): builds the standalone
 * binary once per run (`scripts/build-binary.mjs`, from the dist/ that `npm test` has
 * just built) at the path the project gives its workers as ENVSYNC_TEST_BIN, and
 * removes it (a copy of Node 26, about 160 MB) at the end. A failed build fails the run.
 * It runs only when the binary project has files in the run.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { promisify } from "node:util";
import type { TestProject } from "vitest/node";

const execFileAsync = promisify(execFile);
const root = resolve(import.meta.dirname, "..", "..");

declare module "vitest" {
  export interface ProvidedContext {
    /** A value only the build's environment held (test/e2e/binary.test.ts looks for it). */
    binaryBuildCanary: string;
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  const binary = project.config.env.ENVSYNC_TEST_BIN;
  if (!binary) throw new Error("the binary project sets no ENVSYNC_TEST_BIN");
  mkdirSync(dirname(binary), { recursive: true });
  // The build runs with a variable no run has: the binary must not hold its value.
  const canary = `envsync-build-canary-${randomBytes(12).toString("hex")}`;
  project.provide("binaryBuildCanary", canary);
  try {
    await execFileAsync(process.execPath, [join(root, "scripts", "build-binary.mjs"), binary], {
      cwd: root,
      env: { ...process.env, ENVSYNC_BUILD_CANARY: canary },
      maxBuffer: 64 * 2 ** 20,
    });
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(`Could not build the standalone binary: ${e.stderr || e.message}`);
  }
  return () => rmSync(dirname(binary), { recursive: true, force: true });
}
