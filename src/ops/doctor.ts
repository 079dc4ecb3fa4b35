/**
 * `envsync doctor`: checks, in order, the config, the remote URI, where credentials
 * would come from, that the store answers a read, what can be said about write
 * permission without writing, the provider's own online checks (`diagnose` hook: a
 * token's TTL, what it may do), that the local file parses, and that git ignores the
 * local file and `.envsync/`. Each finding has a status and advice; nothing is
 * written anywhere. Credentials are located the way each cloud SDK's chain looks for
 * them (environment variables and well-known files), without calling the cloud; the
 * read then proves they work.
 */
import { execFileSync } from "node:child_process";
import { accessSync, constants, existsSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { configForCwd, loadConfig } from "../config/config.js";
import { describeSettings } from "../config/settings.js";
import { EnvsyncError, isEnvsyncError } from "../errors.js";
import { refusePlainHttp } from "../providers/plain-http.js";
import { hooksOf } from "../providers/registry.js";
import type { CredentialsFinding, Environ, Store } from "../providers/types.js";
import type { RemoteUri } from "../providers/uri.js";
import { readLocal } from "./local-file.js";
import { refuseStoreFileAsLocal } from "./own-file.js";
import { resolveSession, type CommonOptions, type Session } from "./session.js";

/** How a check went: `fail` makes doctor exit 1; `warn` and `info` do not. */
export type FindingStatus = "ok" | "warn" | "fail" | "info";

/** The checks doctor runs, in order. */
export type DoctorCheck =
  | "config"
  | "remote"
  | "settings"
  | "credentials"
  | "reachable"
  | "write"
  | "token"
  | "permissions"
  | "local-file"
  | "gitignore";

/** One finding: what was checked, how it went, what to do. Never a value. */
export interface Finding {
  readonly check: DoctorCheck;
  readonly status: FindingStatus;
  readonly message: string;
  /** What to do next (absent when nothing needs doing). */
  readonly advice?: string;
}

/** Result of {@link doctor}. */
export interface DoctorResult {
  /** False when any finding failed. */
  readonly ok: boolean;
  readonly findings: readonly Finding[];
}

/** Options of {@link doctor}. */
export interface DoctorOptions extends CommonOptions {
  /** Home folder for well-known credential files (default os.homedir()). */
  readonly home?: string;
  /** Skip the store read (and so the write check). */
  readonly offline?: boolean;
}

/** Where credentials would come from (see {@link ProviderHooks.credentials}). */
export type { CredentialsFinding } from "../providers/types.js";

const readText = (p: string): string | null => {
  try {
    return readFileSync(p, "utf8");
  } catch {
    return null;
  }
};

/**
 * Where the remote's SDK would find credentials (each cloud's standard chain), seen
 * from environment variables and well-known files only: the provider's
 * `credentials()` hook; stores without one need none.
 */
export function detectCredentials(
  uri: RemoteUri,
  env: Environ,
  home: string,
  cwd: string = process.cwd(),
): CredentialsFinding {
  const hooks = hooksOf(uri);
  return (
    hooks.credentials?.(uri, env, home, cwd) ?? {
      found: true,
      source: `none needed for ${uri.scheme}: remotes`,
    }
  );
}

/** A .gitignore pattern as a RegExp over a slash-separated path relative to the .gitignore's folder. */
export function gitignoreRegex(pattern: string): {
  re: RegExp;
  dirOnly: boolean;
  anchored: boolean;
} {
  let p = pattern;
  const dirOnly = p.endsWith("/");
  if (dirOnly) p = p.slice(0, -1);
  const anchored = p.includes("/");
  if (p.startsWith("/")) p = p.slice(1);
  let re = "";
  for (let i = 0; i < p.length; i++) {
    const ch = p[i]!;
    if (ch === "*" && p[i + 1] === "*") {
      re += ".*";
      i++;
      if (p[i + 1] === "/") i++;
    } else if (ch === "*") re += "[^/]*";
    else if (ch === "?") re += "[^/]";
    else if (ch === "\\" && i + 1 < p.length) re += `\\${p[++i]!}`;
    else re += /[.+^${}()|[\]]/.test(ch) ? `\\${ch}` : ch;
  }
  return { re: new RegExp(`^${re}$`), dirOnly, anchored };
}

/**
 * Whether the patterns of one .gitignore ignore `path` (relative, `/`-separated;
 * `isDir` for folders). A small subset of git's rules (wildcards, `**`, anchoring,
 * trailing `/`, `!`), used only when git itself is not available.
 */
export function gitignoreIgnores(text: string, path: string, isDir: boolean): boolean {
  const parts = path.split("/").filter(Boolean);
  let ignored = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/\s+$/, "");
    if (line === "" || line.startsWith("#")) continue;
    const negate = line.startsWith("!");
    const { re, dirOnly, anchored } = gitignoreRegex(negate ? line.slice(1) : line);
    // A path is ignored when it or one of its parent folders matches.
    for (let n = 1; n <= parts.length; n++) {
      const sub = parts.slice(0, n);
      const subIsDir = n < parts.length || isDir;
      if (dirOnly && !subIsDir) continue;
      const target = anchored ? sub.join("/") : sub[sub.length - 1]!;
      if (re.test(target)) {
        ignored = !negate;
        break;
      }
    }
  }
  return ignored;
}

function git(args: string[], cwd: string): { code: number; stdout: string } | null {
  try {
    const stdout = execFileSync("git", args, {
      cwd,
      stdio: ["ignore", "pipe", "ignore"],
      timeout: 10_000,
    }).toString();
    return { code: 0, stdout };
  } catch (e) {
    const err = e as { status?: number | null; code?: string };
    if (err.code === "ENOENT" || typeof err.status !== "number") return null;
    return { code: err.status, stdout: "" };
  }
}

function gitignoreFindings(root: string, filePath: string): Finding {
  const fileRel = relative(root, filePath).split(sep).join("/");
  const outside = fileRel.startsWith("..") || isAbsolute(fileRel);
  const targets = [
    ...(outside ? [] : [{ label: fileRel, path: fileRel, dir: false }]),
    { label: ".envsync/", path: ".envsync", dir: true },
  ];
  const inRepo = git(["rev-parse", "--is-inside-work-tree"], root);
  const advice = `Add ${targets.map((t) => t.label).join(" and ")} to .gitignore (\`envsync init\` does it).`;
  if (inRepo && inRepo.code === 0) {
    const tracked = targets.filter(
      (t) => git(["ls-files", "--error-unmatch", "--", t.path], root)?.code === 0,
    );
    if (tracked.length > 0)
      return {
        check: "gitignore",
        status: "fail",
        message: `${tracked.map((t) => t.label).join(" and ")} ${tracked.length > 1 ? "are" : "is"} committed to git`,
        advice: `Remove from the index with \`git rm --cached ${tracked.map((t) => t.path).join(" ")}\`, ignore, and rotate the secrets it held.`,
      };
    const missing = targets.filter(
      (t) =>
        git(["check-ignore", "-q", "--", t.dir ? `${t.path}/state.json` : t.path], root)?.code !==
        0,
    );
    if (missing.length > 0)
      return {
        check: "gitignore",
        status: "fail",
        message: `git does not ignore ${missing.map((t) => t.label).join(" and ")}`,
        advice,
      };
    return {
      check: "gitignore",
      status: "ok",
      message: `git ignores ${targets.map((t) => t.label).join(" and ")}`,
    };
  }
  const text = readText(join(root, ".gitignore"));
  if (text === null)
    return {
      check: "gitignore",
      status: "warn",
      message: "not a git work tree and no .gitignore",
      advice: `If this folder goes into git: ${advice}`,
    };
  const missing = targets.filter((t) => !gitignoreIgnores(text, t.path, t.dir));
  if (missing.length > 0)
    return {
      check: "gitignore",
      status: "fail",
      message: `.gitignore does not cover ${missing.map((t) => t.label).join(" and ")}`,
      advice,
    };
  return {
    check: "gitignore",
    status: "ok",
    message: `.gitignore covers ${targets.map((t) => t.label).join(" and ")}`,
  };
}

/** Nearest existing folder of `path` (for a write check of a file not created yet). */
function existingParent(path: string): string {
  let dir = dirname(path);
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

function writeFinding(
  store: Store,
  values: ReadonlyMap<string, string>,
  storePath: string | null,
): Finding {
  try {
    store.validate(values, { set: values, delete: [] });
  } catch (e) {
    const err = isEnvsyncError(e) ? e : null;
    return {
      check: "write",
      status: "fail",
      message: `the remote's current content breaks the store's rules: ${err?.message ?? String(e)}`,
      ...(err?.hint ? { advice: err.hint } : {}),
    };
  }
  if (storePath !== null) {
    const target = existsSync(storePath) ? storePath : existingParent(storePath);
    try {
      accessSync(target, constants.W_OK);
      return {
        check: "write",
        status: "ok",
        message: `${existsSync(storePath) ? "the remote file" : "its folder"} is writable (file-system permission check; nothing written)`,
      };
    } catch {
      return {
        check: "write",
        status: "fail",
        message: `${target} is not writable by this user`,
        advice: "Fix the permissions, or use a remote you can write to.",
      };
    }
  }
  return {
    check: "write",
    status: "info",
    message:
      "write permission not checked: the store has no dry-run write; its limits and name rules hold for the current content",
    advice:
      "`envsync push --dry-run` shows what a push would write; a real push reports a missing permission (exit 1) before anything changes locally.",
  };
}

/**
 * Runs every check and returns the findings. Never writes, never prints, never
 * throws for a failed check (only for programming errors).
 */
export async function doctor(opts: DoctorOptions = {}): Promise<DoctorResult> {
  const findings: Finding[] = [];
  const add = (f: Finding): void => void findings.push(f);
  const cwd = resolve(opts.cwd ?? process.cwd());
  const env = opts.environ ?? process.env;
  const home = opts.home ?? homedir();
  const failOf = (check: DoctorCheck, e: unknown, prefix = ""): Finding => {
    const err = isEnvsyncError(e)
      ? e
      : new EnvsyncError("PROVIDER", e instanceof Error ? e.message : String(e), { cause: e });
    return {
      check,
      status: "fail",
      message: `${prefix}${err.message}`,
      ...(err.hint ? { advice: err.hint } : {}),
    };
  };

  // 1. config
  let configOk = true;
  try {
    const cfg = opts.loadedConfig ?? configForCwd(loadConfig(cwd, opts.config), cwd);
    if (cfg)
      add({
        check: "config",
        status: "ok",
        message: `${cfg.path} is valid (${Object.keys(cfg.config.environments).length} environment(s))`,
      });
    else
      add({
        check: "config",
        status: opts.remote ? "info" : "warn",
        message: "no envsync.yaml here or above",
        advice: "Run `envsync init --remote URI` to keep the remote in a config file.",
      });
  } catch (e) {
    configOk = false;
    add(failOf("config", e));
  }

  // 2. remote
  let session: Session | null = null;
  if (configOk) {
    try {
      session = resolveSession(opts);
      const { uri } = session;
      add({
        check: "remote",
        status: "ok",
        message: `${session.remoteDisplay} (${uri.scheme}, from ${session.sources.remote}${session.envName ? `, environment ${session.envName}` : ""})`,
      });
    } catch (e) {
      add(failOf("remote", e));
    }
  }
  if (!session) return finish(findings);
  add({ check: "settings", status: "info", message: describeSettings(session.settings) });

  // 3. credentials
  const { uri } = session;
  const creds = detectCredentials(uri, env, home, session.storeContext.cwd);
  add({
    check: "credentials",
    status: creds.found ? "ok" : "warn",
    message: creds.source,
    ...(creds.advice ? { advice: creds.advice } : {}),
  });

  // 4. reachable, 5. write
  if (opts.offline)
    add({
      check: "reachable",
      status: "info",
      message: "not checked (--offline): the store was not contacted",
    });
  else {
    let store: Store | null = null;
    try {
      store = await session.openStore();
      const snap = await store.read();
      add({
        check: "reachable",
        status: "ok",
        message: snap.exists
          ? `read ${snap.values.size} key(s) from ${session.remoteDisplay} (${store.layout} layout${snap.version ? `, version ${snap.version}` : ""})`
          : `${session.remoteDisplay} answers; it does not exist yet (the first push creates it)`,
      });
      const storePath = hooksOf(uri).localPath?.(uri, session.storeContext.cwd) ?? null;
      add(writeFinding(store, snap.values, storePath));
    } catch (e) {
      add(failOf("reachable", e, `cannot read ${session.remoteDisplay}: `));
    } finally {
      await store?.close?.();
    }
    // The provider's own online checks (token TTL, what the credential may do), run even
    // when the read failed: they often say why.
    const hooks = hooksOf(uri);
    if (hooks.diagnose)
      try {
        refusePlainHttp(uri, hooks, session.storeContext);
        const diagnoses = await hooks.diagnose(uri, session.storeContext);
        // The store's own answer on permissions replaces "write permission not checked".
        if (diagnoses.some((d) => d.check === "permissions")) {
          const i = findings.findIndex((f) => f.check === "write" && f.status === "info");
          if (i !== -1) findings.splice(i, 1);
        }
        for (const d of diagnoses) add(d);
      } catch (e) {
        add(failOf("permissions", e, "could not ask the store what the credential may do: "));
      }
  }

  // 6. local file
  try {
    refuseStoreFileAsLocal(session);
    const local = await readLocal(session.filePath, session.logger, session.fileLabel);
    if (!local.exists)
      add({
        check: "local-file",
        status: "warn",
        message: `${session.fileLabel} does not exist yet`,
        advice: "`envsync pull` creates it from the remote.",
      });
    else {
      const mode = statSync(session.filePath).mode & 0o777;
      if (mode & 0o077)
        add({
          check: "local-file",
          status: "warn",
          message: `${session.fileLabel} parses (${local.values.size} keys) but other users can read it (mode ${mode.toString(8).padStart(4, "0")})`,
          advice: `chmod 600 ${session.fileLabel}`,
        });
      else
        add({
          check: "local-file",
          status: "ok",
          message: `${session.fileLabel} parses (${local.values.size} keys)`,
        });
    }
  } catch (e) {
    add(failOf("local-file", e));
  }

  // 7. gitignore
  add(gitignoreFindings(session.root, session.filePath));
  return finish(findings);
}

function finish(findings: Finding[]): DoctorResult {
  return { ok: findings.every((f) => f.status !== "fail"), findings };
}
