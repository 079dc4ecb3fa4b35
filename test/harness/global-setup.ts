/**
 * Vitest global setup of the integration project: installs (first run only) and
 * starts every emulator once per run, exports their endpoints as environment
 * variables (inherited by test workers and by the CLI processes e2e tests spawn),
 * and stops them at the end. An emulator that cannot start fails the run with its
 * install command; nothing is skipped. ENVSYNC_EMULATORS=moto,gsm limits which start
 * (for local runs of one test file).
 */
import { emulators } from "./emulators/index.js";

export default async function setup(): Promise<() => Promise<void>> {
  const wanted = process.env.ENVSYNC_EMULATORS?.split(",").map((s) => s.trim());
  const selected = emulators.filter((e) => !wanted || wanted.includes(e.name));
  const running: { stop(): Promise<void> }[] = [];
  // Installs run one at a time (2 cores; pip, go and mvn each use both), starts in parallel.
  for (const e of selected) {
    try {
      await e.install();
    } catch (err) {
      throw new Error(
        `Could not install the ${e.name} emulator: ${(err as Error).message}\nInstall it with:\n  ${e.installCommand}`,
      );
    }
  }
  const started = await Promise.allSettled(selected.map((e) => e.start()));
  const failures: string[] = [];
  started.forEach((r, i) => {
    const e = selected[i]!;
    if (r.status === "fulfilled") {
      running.push(r.value);
      for (const [k, v] of Object.entries(r.value.env)) process.env[k] = v;
    } else {
      failures.push(`${e.name}: ${(r.reason as Error).message}\n  install: ${e.installCommand}`);
    }
  });
  if (failures.length > 0) {
    await Promise.all(running.map((r) => r.stop()));
    throw new Error(`Emulators failed to start:\n${failures.join("\n")}`);
  }
  return async () => {
    await Promise.all(running.map((r) => r.stop()));
  };
}
