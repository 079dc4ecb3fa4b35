/**
 * The emulators the harness runs: every other module in this folder exporting
 * `emulator`. A cloud store joins by adding its own file here (no shared list to edit).
 */
import { readdirSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Emulator } from "../common.js";

const here = dirname(fileURLToPath(import.meta.url));
const files = readdirSync(here)
  .filter((f) => f.endsWith(".ts") && f !== "index.ts")
  .sort();

/** Every emulator module's `emulator` export, in file-name order. */
export const emulators: Emulator[] = [];
for (const f of files) {
  const mod = (await import(pathToFileURL(`${here}/${f}`).href)) as { emulator?: Emulator };
  if (mod.emulator) emulators.push(mod.emulator);
}
