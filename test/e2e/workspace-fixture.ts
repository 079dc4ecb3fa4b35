/**
 * A workspace of many apps for the e2e tests of `--all` and `compare`: half the targets
 * declared under `targets:` in the root envsync.yaml (apps/aNN), half found as their own
 * envsync.yaml (services/sNN); every target has the environments dev, staging, prod, each
 * with its own local file holding canary values.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The environments every target has. */
export const ENVS = ["dev", "staging", "prod"] as const;

/** One target of the fixture. */
export interface FixtureTarget {
  /** Its name as envsync prints it. */
  readonly name: string;
  /** Its folder, relative to the root. */
  readonly dir: string;
}

/** The local file of an environment. */
export const localFile = (env: string): string => (env === "dev" ? ".env" : `.env.${env}`);

/**
 * Writes `n` targets under `root`; `remote(target, env)` gives each environment's remote
 * URI (as written in the YAML, relative to the target's folder for `file:`), `values(target,
 * env)` its local file's values. Returns the targets in the order envsync lists them.
 */
export function writeWorkspace(
  root: string,
  n: number,
  remote: (t: FixtureTarget, env: string) => string,
  values: (t: FixtureTarget, env: string) => Record<string, string>,
): FixtureTarget[] {
  const targets: FixtureTarget[] = [];
  const declared: string[] = [];
  const envYaml = (t: FixtureTarget, indent: string): string =>
    ENVS.map(
      (e) => `${indent}${e}: { file: ${localFile(e)}, remote: ${JSON.stringify(remote(t, e))} }\n`,
    ).join("");
  for (let i = 0; i < n; i++) {
    const id = String(i).padStart(2, "0");
    const half = i < n / 2;
    const t: FixtureTarget = half
      ? { name: `a${id}`, dir: `apps/a${id}` }
      : { name: `services/s${id}`, dir: `services/s${id}` };
    targets.push(t);
    mkdirSync(join(root, t.dir), { recursive: true });
    if (half)
      declared.push(`  ${t.name}:\n    dir: ${t.dir}\n    environments:\n${envYaml(t, "      ")}`);
    else writeFileSync(join(root, t.dir, "envsync.yaml"), `environments:\n${envYaml(t, "  ")}`);
    for (const e of ENVS)
      writeFileSync(
        join(root, t.dir, localFile(e)),
        Object.entries(values(t, e))
          .map(([k, v]) => `${k}=${v}\n`)
          .join(""),
      );
  }
  writeFileSync(join(root, "envsync.yaml"), `targets:\n${declared.join("")}`);
  return targets.sort((a, b) => a.name.localeCompare(b.name));
}

/** A row of the `--json` array of a workspace run (docs/JSON.md, "Workspaces"). */
export interface Row {
  target: string;
  env: string | null;
  exitCode: number;
  ok: boolean;
  error?: { code: string; message: string };
  result?: Record<string, unknown>;
}
