/**
 * The package as a user gets it (issue 18): `npm pack` of this tree (as built by
 * `npm run build`), `npm install` of the tarball into an empty folder with an empty npm
 * cache and `--offline` (the package has no dependencies, so nothing else may be
 * needed), then the main job (`init` + `sync` on a `file:` remote) and one cloud
 * scenario per store on its emulator, all run by the installed CLI, far from this
 * tree's node_modules.
 */
import { execFile, spawnSync } from "node:child_process";
import { promisify } from "node:util";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  rmSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join, resolve } from "node:path";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireEnv } from "../harness/require-env.js";
import { assertNoCanary, canary, tempDir } from "./helpers.js";
import { type ProcessResult, runProcess } from "../support/run-process.js";

const execFileAsync = promisify(execFile);
const root = resolve(import.meta.dirname, "..", "..");
const MAX_INSTALLED_BYTES = 20 * 2 ** 20;
const canaries: string[] = [];

/** Total size of the regular files under `dir`. */
function bytesUnder(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) n += bytesUnder(p);
    else if (e.isFile()) n += statSync(p).size;
  }
  return n;
}

/** Runs npm (asynchronously: a blocked test worker misses the run's heartbeats). */
async function npm(args: string[], cwd: string, cache: string): Promise<string> {
  try {
    const { stdout } = await execFileAsync("npm", args, {
      cwd,
      encoding: "utf8",
      maxBuffer: 64 * 2 ** 20,
      env: { ...process.env, npm_config_cache: cache, npm_config_update_notifier: "false" },
    });
    return stdout;
  } catch (e) {
    throw new Error(
      `npm ${args.join(" ")} failed: ${(e as { stderr?: string }).stderr ?? String(e)}`,
    );
  }
}

let bin = "";
let app = "";
let work = "";

/** Runs the installed CLI (through the .bin link, as `npx envsync` would). */
async function envsync(
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): Promise<ProcessResult> {
  const r = await runProcess(bin, args, { cwd, env: { ...process.env, NO_COLOR: "1", ...env } });
  assertNoCanary(canaries, { [`output of envsync ${args.join(" ")}`]: r.stdout + r.stderr });
  return r;
}

const ok = (r: { code: number | null; stderr: string }): void => expect(r.code, r.stderr).toBe(0);

/** `init --remote URI` then `sync` in a fresh working copy holding `dotenv`. */
async function initAndSync(uri: string, dotenv: string): Promise<string> {
  const dir = tempDir("envsync-packed-copy-");
  writeFileSync(join(dir, ".env"), dotenv);
  ok(await envsync(["init", "--remote", uri], dir));
  ok(await envsync(["sync"], dir));
  return dir;
}

beforeAll(async () => {
  if (!existsSync(join(root, "dist", "cli", "bin.js")))
    throw new Error("dist/cli is missing: run `npm run build` first (npm test does).");
  work = tempDir("envsync-packed-");
  const cache = join(work, "npm-cache");
  // --ignore-scripts: pack the tree as built; `prepare` would rebuild dist/ under the
  // other test files running now.
  const packed = JSON.parse(
    await npm(["pack", "--ignore-scripts", "--json", "--pack-destination", work], root, cache),
  ) as { filename: string }[];
  app = join(work, "app");
  mkdirSync(app);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", version: "1.0.0" }));
  await npm(
    ["install", "--offline", "--no-audit", "--no-fund", join(work, packed[0]!.filename)],
    app,
    cache,
  );
  bin = join(app, "node_modules", ".bin", "envsync");
}, 600_000);

// The tarball, its install and the npm cache (about 35 MB) are not left behind.
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("the packed package installed into an empty folder", () => {
  it("installs exactly one package, under 20 MB, with its licence notices", () => {
    const lock = JSON.parse(
      readFileSync(join(app, "node_modules", ".package-lock.json"), "utf8"),
    ) as { packages: Record<string, unknown> };
    expect(Object.keys(lock.packages)).toEqual(["node_modules/envsync"]);
    const pkgDir = join(app, "node_modules", "envsync");
    expect(bytesUnder(pkgDir)).toBeLessThanOrEqual(MAX_INSTALLED_BYTES);
    expect(readFileSync(join(pkgDir, "THIRD-PARTY-NOTICES"), "utf8")).toContain(
      "@aws-sdk/client-secrets-manager",
    );
    const manifest = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8")) as {
      dependencies?: object;
    };
    expect(manifest.dependencies ?? {}).toEqual({});
  });

  it("the library entry imports from the install", () => {
    const r = spawnSync(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        "import { parse, sync } from 'envsync'; console.log(typeof sync, JSON.stringify(parse('A=1\\n')));",
      ],
      { cwd: app, encoding: "utf8" },
    );
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("function");
    expect(r.stdout).toContain('"A"');
  });

  it("its published types check without skipLibCheck (they name no bundled package)", async () => {
    writeFileSync(
      join(app, "use.ts"),
      'import { sync, parse, type SyncOptions } from "envsync";\n' +
        'const o: SyncOptions = { remote: "file:x.env" };\n' +
        "export const r = sync(o);\nexport const v: Record<string, string> = parse('A=1');\n",
    );
    writeFileSync(
      join(app, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          module: "nodenext",
          moduleResolution: "nodenext",
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          typeRoots: [join(root, "node_modules", "@types")],
          types: ["node"],
        },
        files: ["use.ts"],
      }),
    );
    const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
    const r = await execFileAsync(process.execPath, [tsc, "-p", app]).catch(
      (e: { stdout?: string; message?: string }) => ({
        stdout: `tsc failed: ${e.stdout ?? ""} ${e.message ?? ""}`,
      }),
    );
    expect(r.stdout).toBe("");
  });

  it("init + sync on a file: remote: a second copy gets the values", async () => {
    const team = tempDir("envsync-packed-remote-");
    const remote = `file:${join(team, "shared.env")}`;
    const v = canary("FILE");
    canaries.push(v);
    await initAndSync(remote, `TOKEN=${v}\nPLAIN=1\n`);
    const second = await initAndSync(remote, "");
    expect(readFileSync(join(second, ".env"), "utf8")).toContain(`TOKEN=${v}`);
  });

  const uid = (): string => randomUUID().replace(/-/g, "").slice(0, 10);
  it.each([
    [
      "aws-sm per-key (moto)",
      () =>
        `aws-sm://envsync-packed/${uid()}/*?region=us-east-1&endpoint=${encodeURIComponent(requireEnv("ENVSYNC_TEST_MOTO_ENDPOINT", "moto"))}`,
    ],
    [
      "aws-ssm (moto)",
      () =>
        `aws-ssm://envsync-packed/${uid()}/*?region=us-east-1&endpoint=${encodeURIComponent(requireEnv("ENVSYNC_TEST_MOTO_ENDPOINT", "moto"))}`,
    ],
    [
      "gcp-sm (gRPC, Secret Manager stand-in)",
      () =>
        `gcp-sm://envsync-packed-${uid()}/app?endpoint=http://${requireEnv("ENVSYNC_TEST_GSM_ENDPOINT", "gsm")}`,
    ],
    [
      "azure-kv (Key Vault stand-in)",
      () => `azure-kv://${requireEnv("ENVSYNC_TEST_LOWKEY_URL", "lowkey")}/packed-${uid()}`,
    ],
    [
      "vault (OpenBao)",
      () => {
        requireEnv("ENVSYNC_TEST_VAULT_ADDR", "openbao");
        return `vault:///secret/packed-${uid()}`;
      },
    ],
  ])("init + sync on %s: a second copy gets the values", async (_name, uri) => {
    const remote = uri();
    const v = canary("CLOUD");
    canaries.push(v);
    await initAndSync(remote, `TOKEN=${v}\nPLAIN=one\n`);
    const second = await initAndSync(remote, "");
    const got = readFileSync(join(second, ".env"), "utf8");
    expect(got).toContain(v);
    expect(got).toContain("PLAIN=one");
  });
});
