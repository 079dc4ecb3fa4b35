/**
 * `envsync init`: writes envsync.yaml and makes sure `.env`, `.env.*` (but not
 * `.env.example`) and `.envsync/` are git-ignored.
 */
import { existsSync, readFileSync } from "node:fs";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { CONFIG_FILE, initialConfig, parseConfig } from "../config/config.js";
import { EnvsyncError } from "../errors.js";
import { resolveUri } from "../providers/registry.js";
import { writeFileAtomic } from "../state/atomic-write.js";

/** Options of {@link init}. */
export interface InitOptions {
  readonly cwd?: string;
  readonly remote: string;
  readonly file?: string;
  /** Overwrite an existing envsync.yaml. */
  readonly force?: boolean;
  /**
   * Path of the installed envsync.schema.json: referenced from the config (relative when
   * it lies below the config's folder, as in `node_modules/envsync/`; else absolute).
   */
  readonly schemaPath?: string;
}

/** What init did. */
export interface InitResult {
  readonly config: string;
  readonly createdConfig: boolean;
  readonly gitignore: string;
  readonly ignoredAdded: string[];
}

/** Lines `init` guarantees in .gitignore. */
export const IGNORE_LINES = [".env", ".env.*", "!.env.example", ".envsync/", ".envsync-history/"];

/** How the config names the schema: `./node_modules/…` below `cwd`, else the absolute path. */
function schemaRef(cwd: string, schemaPath: string | undefined): string | undefined {
  if (schemaPath === undefined || !existsSync(schemaPath)) return undefined;
  const rel = relative(cwd, schemaPath);
  return rel.startsWith("..") || isAbsolute(rel) ? schemaPath : `./${rel.split(sep).join("/")}`;
}

/** Creates envsync.yaml and updates .gitignore. */
export async function init(opts: InitOptions): Promise<InitResult> {
  const cwd = resolve(opts.cwd ?? process.cwd());
  resolveUri(opts.remote); // exit 2 on an unknown scheme, before writing anything
  const configPath = join(cwd, CONFIG_FILE);
  let createdConfig = false;
  if (!existsSync(configPath) || opts.force) {
    const text = initialConfig(opts.remote, opts.file ?? ".env", schemaRef(cwd, opts.schemaPath));
    parseConfig(text, configPath);
    await writeFileAtomic(configPath, text, { mode: 0o644 });
    createdConfig = true;
  } else if (!opts.force) {
    throw new EnvsyncError("USAGE", `${configPath} already exists.`, {
      hint: "Edit it, or run `envsync init --force` to replace it.",
    });
  }
  const gitignore = join(cwd, ".gitignore");
  const current = existsSync(gitignore) ? readFileSync(gitignore, "utf8") : "";
  const have = new Set(current.split(/\r?\n/).map((l) => l.trim()));
  const missing = IGNORE_LINES.filter(
    (l) => !have.has(l) && !(l === ".envsync/" && have.has(".envsync")),
  );
  if (missing.length > 0) {
    const sep = current === "" || current.endsWith("\n") ? "" : "\n";
    const block = `${current === "" ? "" : "\n"}# envsync: local secrets and sync state stay out of git\n${missing.join("\n")}\n`;
    await writeFileAtomic(gitignore, current + sep + block, { mode: 0o644 });
  }
  return { config: configPath, createdConfig, gitignore, ignoredAdded: missing };
}
