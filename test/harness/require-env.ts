/** Reads an emulator variable set by the global setup; fails (never skips) when absent. */
export function requireEnv(name: string, emulator: string): string {
  const v = process.env[name];
  if (!v) {
    throw new Error(
      `${name} is not set: the ${emulator} emulator was not started. Run the tests with \`npm test\` (the harness installs and starts it), or include it in ENVSYNC_EMULATORS.`,
    );
  }
  return v;
}
