/**
 * Vitest global setup of the integration project: installs (first run only) and
 * starts every emulator once per run, exports their endpoints as environment
 * variables (inherited by test workers and by the CLI processes e2e tests spawn),
 * and stops them at the end. An emulator that cannot start fails the run with its
 * install command; nothing is skipped. ENVSYNC_EMULATORS=moto,gsm limits which start
 * (for local runs of one test file).
 *
 * The integration and binary projects both name this setup; Vitest runs each project's
 * setup, so the emulators start once per run (the first call) and stop after the last
 * project's teardown.
 */
import { emulators } from "./emulators/index.js";

/** The emulators of this run, shared by the projects that name this setup. */
interface Shared {
  users: number;
  stop: () => Promise<void>;
  ready: Promise<void>;
}
const KEY = Symbol.for("envsync.emulators");
const registry = globalThis as { [KEY]?: Shared };

export default async function setup(): Promise<() => Promise<void>> {
  let shared = registry[KEY];
  if (!shared) {
    let stop: () => Promise<void> = () => Promise.resolve();
    const ready = start().then((s) => void (stop = s));
    shared = registry[KEY] = { users: 0, stop: () => stop(), ready };
  }
  shared.users++;
  const mine = shared;
  await mine.ready;
  return async () => {
    if (--mine.users > 0) return;
    delete registry[KEY];
    await mine.stop();
  };
}

async function start(): Promise<() => Promise<void>> {
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
