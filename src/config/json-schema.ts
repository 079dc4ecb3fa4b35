/**
 * The JSON Schema of envsync.yaml, generated from the zod schema that validates it
 * (parse-config.ts), so editors complete and check the file with the same rules. The
 * build writes it to `dist/envsync.schema.json` (scripts/bundle.mjs), which the package
 * ships and `envsync init` references; the CLI never loads this module.
 */
import * as z from "zod/mini";
import { CONFIG_SCHEMA } from "./parse-config.js";

export { SCHEMA_FILE } from "./config.js";

/** The JSON Schema (draft-07, which the YAML language server and most editors read) of envsync.yaml. */
export function configJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(CONFIG_SCHEMA as z.ZodMiniType, {
    target: "draft-7",
    io: "input",
  }) as Record<string, unknown>;
  return {
    ...generated,
    // parse-config.ts: a config names its environments, its targets, or both.
    anyOf: [{ required: ["environments"] }, { required: ["targets"] }],
    title: "envsync.yaml",
    description:
      "Configuration of envsync: environments, each a local dotenv file and a remote URI (see the README).",
  };
}
