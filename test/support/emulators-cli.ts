/**
 * `npm run emulators`: starts the test harness's emulators (the same global setup the
 * integration tests use; ENVSYNC_EMULATORS=moto,gsm limits which), prints the
 * environment they export as `export NAME=value` lines, and stops them on Ctrl-C.
 * Paste the lines into another shell to run envsync or one test file against them.
 */
import setup from "../harness/global-setup.js";

const before = { ...process.env };
const stop = await setup();
for (const [k, v] of Object.entries(process.env))
  if (v !== undefined && before[k] !== v)
    process.stdout.write(`export ${k}=${JSON.stringify(v)}\n`);
process.stderr.write("emulators running; Ctrl-C stops them\n");

let stopping = false;
const shutdown = (): void => {
  if (stopping) return;
  stopping = true;
  void stop().then(
    () => process.exit(0),
    (e: unknown) => {
      process.stderr.write(`stopping failed: ${String(e)}\n`);
      process.exit(1);
    },
  );
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
// Keep the event loop alive until a signal arrives.
setInterval(() => {}, 1 << 30);
