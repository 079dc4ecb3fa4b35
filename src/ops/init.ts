/**
 * `envsync init`: writes envsync.yaml and makes sure `.env`, `.env.*` (but not
 * `.env.example`) and `.envsync/` are git-ignored.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { CONFIG_FILE, initialConfig, parseConfig, SCHEMA_FILE } from "../config/config.js";
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
   * Where the config's `# yaml-language-server: $schema=` line points ({@link schemaRef});
   * none without it.
   */
  readonly schema?: SchemaLocation;
}

/** Where the JSON Schema of envsync.yaml can be found. */
export interface SchemaLocation {
  /** The package's name, as installed below `node_modules/` (`envsync`). */
  readonly packageName: string;
  /** The published URL of this version's schema (a global install, the binary). */
  readonly url: string;
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

/**
 * How the config in `cwd` names the schema: the relative path of the nearest
 * `node_modules/envsync/dist/envsync.schema.json` in `cwd` or a folder above (a project's
 * own install, or a monorepo's hoisted one: `./node_modules/…`, `../../node_modules/…`),
 * as Node would find the package; else the published URL, which works wherever the file
 * is opened (no path of this machine is written).
 */
export function schemaRef(cwd: string, schema: SchemaLocation | undefined): string | undefined {
  if (schema === undefined) return undefined;
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const file = join(dir, "node_modules", schema.packageName, SCHEMA_FILE);
    if (existsSync(file)) {
      const rel = relative(cwd, file).split(sep).join("/");
      return rel.startsWith("../") ? rel : `./${rel}`;
    }
    if (dirname(dir) === dir) return schema.url;
  }
}

/** Creates envsync.yaml and updates .gitignore. */
export async function init(opts: InitOptions): Promise<InitResult> {
  const cwd = resolve(opts.cwd ?? process.cwd());
  resolveUri(opts.remote); // exit 2 on an unknown scheme, before writing anything
  const configPath = join(cwd, CONFIG_FILE);
  let createdConfig = false;
  if (!existsSync(configPath) || opts.force) {
    const text = initialConfig(opts.remote, opts.file ?? ".env", schemaRef(cwd, opts.schema));
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
