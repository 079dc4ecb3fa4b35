/**
 * Hostile input (issue 8): malformed and odd `.env` files, store limits and name
 * rules, odd file system objects, a full disk, malformed `envsync.yaml`, URIs and
 * flags, each run on the built binary. One line a case. A refused input exits 2 (1
 * for I/O) with `file:line` where there is one, no stack trace, and nothing written
 * anywhere: the remote unchanged (file: byte-identical; cloud: still absent), the
 * local file byte-identical, no `.envsync/state.json`, no backup. An accepted odd
 * input round-trips: `envsync check` agrees afterwards. Every value is a canary.
 *
 * Unreadable file: tests run as root, for whom `chmod 000` does not stop reads; the
 * unreadable cases are a folder, a FIFO and a symlink loop in place of `.env` (and
 * `chmod 000` as well when not root). Full disk: a 256 KiB tmpfs mounted in a temp
 * folder when `mount` is allowed (root), otherwise a file-size limit (`ulimit -f`,
 * EFBIG), which fails writes the same way; the test prints which one it used.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { requireEnv } from "../harness/require-env.js";
import {
  binShellLine,
  CanaryGuard,
  hasStackTrace,
  runCli,
  tempDir,
  type CliResult,
} from "./helpers.js";

const guard = new CanaryGuard();
const S = guard.make("H"); // a canary value used in most files
const MB = 1024 * 1024;

type RemoteKind =
  | "file"
  | "json"
  | "sm"
  | "sm-pk"
  | "ssm"
  | "gsm"
  | "gsm-pk"
  | "kv"
  | "kv-pk"
  | "vault"
  | "vault-pk";

const moto = (): string => encodeURIComponent(requireEnv("ENVSYNC_TEST_MOTO_ENDPOINT", "moto"));
const gsm = (): string => requireEnv("ENVSYNC_TEST_GSM_ENDPOINT", "gsm");
const vault = (): string => requireEnv("ENVSYNC_TEST_LOWKEY_URL", "lowkey");
const uid = (): string => randomBytes(5).toString("hex");

/** A fresh remote of each kind (cloud names are new, so "unchanged" means "still absent"). */
function remoteOf(kind: RemoteKind): string {
  const id = uid();
  switch (kind) {
    case "file":
      return "file:../remote/shared.env";
    case "json":
      return "file:../remote/shared.json";
    case "sm":
      return `aws-sm://hostile/b-${id}?region=us-east-1&endpoint=${moto()}`;
    case "sm-pk":
      return `aws-sm://hostile/pk-${id}/*?region=us-east-1&endpoint=${moto()}`;
    case "ssm":
      return `aws-ssm://hostile/p-${id}/*?region=us-east-1&endpoint=${moto()}`;
    case "gsm":
      return `gcp-sm://hostile-${id}/app_env?endpoint=http://${gsm()}`;
    case "gsm-pk":
      return `gcp-sm://hostile-${id}/app_*?endpoint=http://${gsm()}`;
    case "kv":
      return `azure-kv://${vault()}/hostile-${id}`;
    case "kv-pk":
      return `azure-kv://${vault()}/h${id}-*`;
    case "vault": // the harness's OpenBao, at VAULT_ADDR with VAULT_TOKEN
      return `vault:///secret/hostile/b-${id}`;
    case "vault-pk":
      return `vault:///secret/hostile/pk-${id}/*`;
  }
}

/** One working copy: `w/` beside `remote/shared.env` (seeded) and `remote/shared.json`. */
interface Work {
  root: string;
  w: string;
  remote: string;
}

interface Case {
  /** What is hostile. */
  name: string;
  /** Content of `.env` (absent when undefined). */
  env?: string | Buffer | (() => string | Buffer);
  /** Remote kind (default file:). */
  remote?: RemoteKind;
  /** CLI arguments (default `push --yes`); `-r REMOTE` is added unless `config` is set. */
  args?: string[];
  /** envsync.yaml content (then no `-r`). */
  config?: string;
  /** Extra environment variables of the run. */
  environ?: Record<string, string>;
  /** Extra arrangement of the working copy. */
  setup?: (x: Work) => void;
  /** Expected exit code. */
  code: 0 | 1 | 2;
  /** stderr must match (location `file:line`, a hint). */
  err?: RegExp;
}

const big = (bytes: number, ch = "v"): string => ch.repeat(bytes);
const keys = (n: number): string => {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(`K${i}=${i}`);
  return out.join("\n") + `\nLAST=${S}\n`;
};
const garbage = (): Buffer => {
  // Deterministic bytes that are not UTF-8 (0xC0/0xFF never appear in UTF-8).
  const b = Buffer.alloc(4096);
  for (let i = 0; i < b.length; i++) b[i] = ((i * 37 + 0xc0) & 0xff) | 0xc0;
  return b;
};
const cfg = (body: string): string => body;

// prettier-ignore
const cases: Case[] = [
  // ---- malformed .env: exit 2 naming file:line ----
  { name: "unterminated double quote", env: `A=1\nB="${S}\nC=2\n`, code: 2, err: /\.env:2:\d+/ },
  { name: "unterminated single quote", env: `A='${S}\n`, code: 2, err: /\.env:1:\d+/ },
  { name: "unterminated backtick", env: `X=1\nA=\`${S}\n`, code: 2, err: /\.env:2:\d+/ },
  { name: "unterminated quote at EOF without newline", env: `A="${S}`, code: 2, err: /\.env:1:\d+/ },
  { name: "escaped closing quote leaves it open", env: `A="${S}\\"\n`, code: 2, err: /\.env:1:\d+/ },
  { name: "1 MB unterminated quoted value", env: `A="${big(MB)}${S}\n`, code: 2, err: /\.env:1:\d+/ },
  { name: "space inside a key", env: `MY KEY=${S}\n`, code: 2, err: /\.env:1:\d+/ },
  { name: "key starting with a digit", env: `1ABC=${S}\n`, code: 2, err: /\.env:1:1/ },
  { name: "@ in a key", env: `A@B=${S}\n`, code: 2, err: /\.env:1:\d+/ },
  { name: "non-ASCII key", env: `CLÉ=${S}\n`, code: 2, err: /\.env:1:\d+/ },
  { name: "a line of text without =", env: `A=${S}\nJUSTTEXT\n`, code: 2, err: /\.env:2:\d+/ },
  { name: "YAML-style KEY: value", env: `A: ${S}\n`, code: 2, err: /\.env:1:\d+/ },
  { name: "empty key (=value)", env: `=${S}\n`, code: 2, err: /\.env:1:1/ },
  { name: "export alone", env: `export\nA=${S}\n`, code: 2, err: /\.env:1:\d+/ },
  { name: "NUL byte in a key", env: `A\0B=${S}\n`, code: 2, err: /\.env:1:\d+/ },
  { name: "ambiguous # in an unquoted value", env: `A=${S}#x\n`, code: 2, err: /\.env:1:\d+/ },
  { name: "error on line 5 of a CRLF file", env: `A=1\r\nB=2\r\nC=3\r\nD=4\r\nE="${S}\r\n`, code: 2, err: /\.env:5:\d+/ },
  { name: "error after a BOM", env: `\uFEFFA="${S}\n`, code: 2, err: /\.env:1:\d+/ },
  { name: "invalid UTF-8 in a value", env: Buffer.concat([Buffer.from(`A=${S}\nB=`), Buffer.from([0xff, 0xfe]), Buffer.from("\n")]), code: 2, err: /\.env:2: not valid UTF-8/ },
  { name: "Latin-1 byte in a comment", env: Buffer.concat([Buffer.from(`A=${S}\n# caf`), Buffer.from([0xe9]), Buffer.from("\n")]), code: 2, err: /\.env:2: not valid UTF-8/ },
  { name: "UTF-16 LE file with BOM", env: Buffer.from(`\uFEFFA=${S}\n`, "utf16le"), code: 2, err: /\.env:1: not valid UTF-8/ },
  { name: "binary garbage", env: garbage, code: 2, err: /\.env:1: not valid UTF-8/ },
  { name: "truncated multi-byte sequence at EOF", env: Buffer.concat([Buffer.from(`A=${S}\nB=`), Buffer.from([0xe2, 0x82])]), code: 2, err: /\.env:2: not valid UTF-8/ },
  { name: "lone quote line", env: `A=${S}\n"\n`, code: 2, err: /\.env:2:\d+/ },
  { name: "good duplicate then a broken line", env: `A=1\nA=${S}\nB='x\n`, code: 2, err: /\.env:3:\d+/ },

  // ---- odd but valid .env: accepted and round-tripped (check agrees) ----
  { name: "UTF-8 BOM + CRLF", env: `\uFEFFA=${S}\r\nB="x\r\ny"\r\n`, code: 0 },
  { name: "mixed CRLF and LF", env: `A=${S}\r\nB=2\nC=3\r\n`, code: 0 },
  { name: "old Mac CR-only line ends", env: `A=${S}\rB=2\r`, code: 0 },
  { name: "NUL byte inside an unquoted value", env: `A=x\0${S}\nB=2\n`, code: 0 },
  { name: "NUL byte inside a quoted value", env: `A="x\0${S}"\n`, code: 0 },
  { name: "a 10 MB line", env: () => `BIG=${big(10 * MB)}\nA=${S}\n`, code: 0 },
  { name: "100k keys", env: () => keys(100_000), code: 0 },
  { name: "empty file", env: "", code: 0 },
  { name: "only comments and blank lines", env: `# ${S}\n\n   \n\t\n# end\n`, code: 0 },
  { name: "duplicate key warns naming both lines", env: `A=1\nA=${S}\n`, code: 0, err: /\.env:2.*line 1/ },
  { name: "export prefix, spaces and tabs around =", env: `export A = ${S}\n\tB\t=\t2\n`, code: 0 },
  { name: "multi-line double-quoted value", env: `PEM="-----BEGIN-----\n${S}\n-----END-----"\n`, code: 0 },
  { name: "emoji and RTL values", env: `A=🔑${S}\nB="مرحبا"\n`, code: 0 },
  { name: "a 1,000-character key", env: `${"K".repeat(1000)}=${S}\n`, code: 0 },
  { name: "${VAR} kept literally", env: `A=\${HOME}${S}\nB='\${A}'\n`, code: 0 },
  { name: "value of only spaces, quoted", env: `A="   "\nB=${S}\n`, code: 0 },
  { name: "JSON remote takes keys with dots and dashes", env: `a.b-c=${S}\n`, remote: "json", code: 0 },

  // ---- file system objects in place of .env ----
  { name: "symlinked .env is followed and stays a link", setup: (x) => { writeFileSync(join(x.root, "real.env"), `A=${S}\n`); symlinkSync("../real.env", join(x.w, ".env")); }, code: 0 },
  { name: "a folder in place of .env (unreadable)", setup: (x) => mkdirSync(join(x.w, ".env")), code: 1, err: /\.env.*(not a regular file|EISDIR)/ },
  { name: "a FIFO in place of .env (would block)", setup: (x) => execFileSync("mkfifo", [join(x.w, ".env")]), code: 1, err: /not a regular file/ },
  { name: "a symlink loop in place of .env", setup: (x) => symlinkSync(".env", join(x.w, ".env")), code: 1, err: /ELOOP/ },
  { name: "a folder in place of .env, pull", args: ["pull"], setup: (x) => mkdirSync(join(x.w, ".env")), code: 1, err: /\.env/ },

  // ---- store limits and names (docs/DESIGN.md, "Store rules"), checked before any write ----
  { name: "70 KB value, AWS SM bundle", env: `A=${S}${big(70_000)}\n`, remote: "sm", code: 2, err: /65536 bytes.*\n.*per-key/ },
  { name: "70 KB value, AWS SM per-key", env: `BIG=${S}${big(70_000)}\n`, remote: "sm-pk", code: 2, err: /BIG/ },
  { name: "5,000-byte value, SSM (4 KB)", env: `BIG=${S}${big(5000)}\n`, remote: "ssm", code: 2, err: /BIG/ },
  { name: "70 KB value, GCP bundle", env: `A=${S}${big(70_000)}\n`, remote: "gsm", code: 2, err: /65536/ },
  { name: "70 KB value, GCP per-key", env: `BIG=${S}${big(70_000)}\n`, remote: "gsm-pk", code: 2, err: /BIG/ },
  { name: "2-byte characters over the limit (bytes, not chars)", env: `A=${S}${big(33_000, "é")}\n`, remote: "sm", code: 2, err: /bytes/ },
  { name: "a 10 MB line, AWS SM bundle", env: () => `A=${S}${big(10 * MB)}\n`, remote: "sm", code: 2, err: /bytes/ },
  { name: "100k keys, GCP bundle", env: () => keys(100_000), remote: "gsm", code: 2, err: /bytes/ },
  { name: "dotted key, GCP per-key", env: `A.B=${S}\n`, remote: "gsm-pk", code: 2, err: /A\.B/ },
  { name: "300-character key, GCP per-key (255)", env: `${"K".repeat(300)}=${S}\n`, remote: "gsm-pk", code: 2, err: /KKKK/ },
  { name: "600-character key, AWS SM per-key (512)", env: `${"K".repeat(600)}=${S}\n`, remote: "sm-pk", code: 2, err: /KKKK/ },
  { name: "1,100-character key, SSM (1011)", env: `${"K".repeat(1100)}=${S}\n`, remote: "ssm", code: 2, err: /KKKK/ },
  { name: "26 KB value, Azure bundle (25,600)", env: `A=${S}${big(26_000)}\n`, remote: "kv", code: 2, err: /25600/ },
  { name: "26 KB value, Azure per-key", env: `BIG=${S}${big(26_000)}\n`, remote: "kv-pk", code: 2, err: /BIG/ },
  { name: "keys equal but for case, Azure per-key (mapped apart)", env: `db_url=${S}\nDB_URL=x\n`, remote: "kv-pk", code: 0 },
  { name: "200-character key, Azure per-key (127)", env: `${"K".repeat(200)}=${S}\n`, remote: "kv-pk", code: 2, err: /KKKK/ },
  { name: "1.1 MB value, Vault bundle (1,000,000)", env: `A=${S}${big(1_100_000)}\n`, remote: "vault", code: 2, err: /1000000/ },
  { name: "1.1 MB value, Vault per-key", env: `BIG=${S}${big(1_100_000)}\n`, remote: "vault-pk", code: 2, err: /BIG/ },
  { name: "600 keys, Vault bundle (OpenBao: 1,000 JSON strings a request)", env: Array.from({ length: 600 }, (_, i) => `K${i}=${S}\n`).join(""), remote: "vault", code: 2, err: /per-key/ },
  { name: "300-character key, Vault per-key (256)", env: `${"K".repeat(300)}=${S}\n`, remote: "vault-pk", code: 2, err: /KKKK/ },
  { name: "dotted key, Vault per-key (allowed)", env: `A.B=${S}\n`, remote: "vault-pk", code: 0 },
  { name: "empty value, AWS SM per-key", env: `EMPTY=\nA=${S}\n`, remote: "sm-pk", code: 2, err: /EMPTY/ },

  // ---- malformed envsync.yaml: exit 2 naming envsync.yaml:line ----
  { name: "YAML syntax error", config: cfg("environments:\n  dev: [\n"), env: `A=${S}\n`, code: 2, err: /envsync\.yaml:\d+/ },
  { name: "unknown key", config: cfg("environments:\n  dev:\n    remote: file:../remote/shared.env\n    remot: typo\n"), env: `A=${S}\n`, code: 2, err: /envsync\.yaml:4: environments\.dev\.remot/ },
  { name: "wrong type", config: cfg("concurrency: lots\nenvironments:\n  dev:\n    remote: file:x\n"), env: `A=${S}\n`, code: 2, err: /envsync\.yaml:1: concurrency/ },
  { name: "negative retries", config: cfg("retries: -1\nenvironments:\n  dev:\n    remote: file:x\n"), env: `A=${S}\n`, code: 2, err: /envsync\.yaml:1: retries/ },
  { name: "remote of the wrong type", config: cfg("environments:\n  dev:\n    remote: 42\n"), env: `A=${S}\n`, code: 2, err: /envsync\.yaml:3: environments\.dev\.remote/ },
  { name: "default names no environment", config: cfg("default: prod\nenvironments:\n  dev:\n    remote: file:x\n"), env: `A=${S}\n`, code: 2, err: /prod/ },
  { name: "tab indentation", config: cfg("environments:\n\tdev:\n\t\tremote: file:x\n"), env: `A=${S}\n`, code: 2, err: /envsync\.yaml:\d+/ },
  { name: "duplicate YAML key", config: cfg("environments:\n  dev:\n    remote: file:x\n  dev:\n    remote: file:y\n"), env: `A=${S}\n`, code: 2, err: /envsync\.yaml:\d+/ },
  { name: "empty envsync.yaml", config: cfg(""), env: `A=${S}\n`, code: 2, err: /environments/ },
  { name: "binary envsync.yaml", config: cfg("\u0000\u0001\u0002: [\n"), env: `A=${S}\n`, code: 2, err: /envsync\.yaml/ },

  // ---- malformed URIs and flags: exit 2 ----
  { name: "unknown scheme", args: ["push", "-r", "s3://bucket/x"], env: `A=${S}\n`, code: 2, err: /aws-sm/ },
  { name: "not a URI", args: ["push", "-r", "just words"], env: `A=${S}\n`, code: 2 },
  { name: "file: without a path", args: ["push", "-r", "file:"], env: `A=${S}\n`, code: 2 },
  { name: "aws-sm:// without a name", args: ["push", "-r", "aws-sm://?region=us-east-1"], env: `A=${S}\n`, code: 2 },
  { name: "AWS region that is not one", args: ["push", "-r", "aws-sm://x?region=mars"], env: `A=${S}\n`, code: 2, err: /region/ },
  { name: "unknown AWS URI parameter", args: ["push", "-r", "aws-sm://x?region=us-east-1&colour=red"], env: `A=${S}\n`, code: 2, err: /colour/ },
  { name: "endpoint that is not http(s)", args: ["push", "-r", "aws-sm://x?region=us-east-1&endpoint=ftp://h"], env: `A=${S}\n`, code: 2, err: /endpoint/ },
  { name: "unknown Vault URI parameter", args: ["push", "-r", "vault:///secret/x?colour=red"], env: `A=${S}\n`, code: 2, err: /colour/ },
  { name: "vault:// without a secret path", args: ["push", "-r", "vault://h/secret"], env: `A=${S}\n`, code: 2 },
  { name: "gcp-sm:// without a secret", args: ["push", "-r", "gcp-sm://onlyproject"], env: `A=${S}\n`, code: 2 },
  { name: "gcp-sm:// secret name with spaces", args: ["push", "-r", "gcp-sm://p/bad name!"], env: `A=${S}\n`, code: 2 },
  { name: "--concurrency 0", args: ["push", "--concurrency", "0"], env: `A=${S}\n`, code: 2, err: /concurrency/ },
  { name: "--retries -1", args: ["push", "--retries=-1"], env: `A=${S}\n`, code: 2, err: /retries/ },
  { name: "--timeout abc", args: ["push", "--timeout", "abc"], env: `A=${S}\n`, code: 2, err: /timeout/ },
  { name: "--on-conflict maybe", args: ["sync", "--on-conflict", "maybe"], env: `A=${S}\n`, code: 2 },
  { name: "--env without a config", args: ["push", "--env", "nope"], env: `A=${S}\n`, code: 2, err: /envsync init/ },
  { name: "ENVSYNC_RETRIES=lots", environ: { ENVSYNC_RETRIES: "lots" }, env: `A=${S}\n`, code: 2, err: /ENVSYNC_RETRIES/ },
];

const SEEDED_REMOTE = `SEEDED=${guard.make("SEED")}\n`;

/** A working copy; the file: remotes are seeded when the case must leave them unchanged. */
function newWork(seeded = true): Work {
  const root = tempDir("envsync-hostile-");
  const w = join(root, "w");
  mkdirSync(w);
  mkdirSync(join(root, "remote"));
  if (seeded) {
    writeFileSync(join(root, "remote", "shared.env"), SEEDED_REMOTE, { mode: 0o600 });
    writeFileSync(join(root, "remote", "shared.json"), "{}\n", { mode: 0o600 });
  }
  return { root, w, remote: "" };
}

/** Backups may hold the values of the file they back up, nothing else. */
const OWN = { ".env": [S], "real.env": [S], "shared.env": [S], "shared.json": [S] };

/** Bytes of a path (or a marker for folders, links, FIFOs) to prove it unchanged. */
function snapshot(path: string): string {
  if (!existsSync(path) && !isLink(path)) return "<absent>";
  const st = lstatSync(path);
  if (st.isSymbolicLink()) return `<link>`;
  if (!st.isFile()) return `<${st.isDirectory() ? "dir" : "special"}>`;
  return readFileSync(path).toString("base64");
}
const isLink = (p: string): boolean => {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
};

/** The remote as a fresh working copy sees it: exists? keys? (never values). */
async function probe(remote: string): Promise<{ exists: boolean; keys: number }> {
  const dir = tempDir("envsync-probe-");
  const r = await runCli(["diff", "--json", "-r", remote, "-f", "none.env"], { cwd: dir });
  expect(r.code, r.stderr).toBe(0);
  const d = JSON.parse(r.stdout) as { remoteExists: boolean; entries: unknown[] };
  return { exists: d.remoteExists, keys: d.entries.length };
}

const results: { name: string; code: number | null }[] = [];

describe(`hostile input: ${cases.length} cases`, () => {
  it("has at least 50 cases", () => expect(cases.length).toBeGreaterThanOrEqual(50));

  it.each(cases.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
    const x = newWork(c.code !== 0);
    x.remote = remoteOf(c.remote ?? "file");
    const env = typeof c.env === "function" ? c.env() : c.env;
    if (env !== undefined) writeFileSync(join(x.w, ".env"), env);
    c.setup?.(x);
    if (c.config !== undefined) writeFileSync(join(x.w, "envsync.yaml"), c.config);
    const args = c.args ?? ["push", "--yes"];
    const full = c.config !== undefined || args.includes("-r") ? args : [...args, "-r", x.remote];
    const localBefore = snapshot(join(x.w, ".env"));
    const remoteDir = join(x.root, "remote");
    const remoteFiles = ["shared.env", "shared.json"].map((f) => join(remoteDir, f));
    const remoteBefore = remoteFiles.map(snapshot);

    const r: CliResult = await guard.run(full, {
      cwd: x.w,
      env: c.environ ?? {},
      timeoutMs: 90_000,
    });
    results.push({ name: c.name, code: r.code });
    expect(r.code, `${c.name}: ${r.stderr.slice(0, 600)}`).toBe(c.code);
    expect(hasStackTrace(r.stderr), r.stderr.slice(0, 600)).toBe(false);
    if (c.err) expect(r.stderr).toMatch(c.err);
    guard.checkWorkingCopy(x.w, OWN);

    if (c.code !== 0) {
      expect(r.stderr).toMatch(/^error\b/m);
      expect(snapshot(join(x.w, ".env"))).toBe(localBefore);
      expect(remoteFiles.map(snapshot)).toEqual(remoteBefore);
      expect(readdirSync(remoteDir).sort()).toEqual(["shared.env", "shared.json"]);
      expect(existsSync(join(x.w, ".envsync", "state.json"))).toBe(false);
      expect(existsSync(join(x.w, ".envsync", "backups"))).toBe(false);
      expect(readdirSync(x.w).filter((f) => f.endsWith(".tmp"))).toEqual([]);
      // The same refusal with --verbose (causes and stack traces shown): same exit
      // code, still no value in any output (the canary guard of guard.run).
      const verbose = await guard.run([...full, "--verbose"], {
        cwd: x.w,
        env: c.environ ?? {},
        timeoutMs: 90_000,
      });
      expect(verbose.code, verbose.stderr.slice(0, 600)).toBe(c.code);
      expect(snapshot(join(x.w, ".env"))).toBe(localBefore);
      expect(existsSync(join(x.w, ".envsync", "state.json"))).toBe(false);
      if (x.remote.includes("://") && c.config === undefined && !args.includes("-r")) {
        expect(await probe(x.remote)).toEqual({ exists: false, keys: 0 });
      }
    } else {
      // Accepted: push left .env as it was, and both sides agree.
      expect(snapshot(join(x.w, ".env"))).toBe(localBefore);
      const check = await guard.run(["check", "-r", x.remote], { cwd: x.w, timeoutMs: 90_000 });
      expect(check.code, check.stderr).toBe(0);
      if (isLink(join(x.w, ".env"))) {
        // Pull through the link: the link stays, the target takes the new key.
        writeFileSync(join(x.root, "remote", "shared.env"), `A=${S}\n${SEEDED_REMOTE}`);
        const pull = await guard.run(["pull", "-r", x.remote], { cwd: x.w });
        expect(pull.code, pull.stderr).toBe(0);
        expect(lstatSync(join(x.w, ".env")).isSymbolicLink()).toBe(true);
        expect(readFileSync(join(x.root, "real.env"), "utf8")).toBe(`A=${S}\n${SEEDED_REMOTE}`);
      }
      guard.checkWorkingCopy(x.w, OWN);
    }
    rmSync(x.root, { recursive: true, force: true });
  });

  it("not as root: chmod 000 makes .env unreadable → exit 1, nothing written", async () => {
    const x = newWork();
    writeFileSync(join(x.w, ".env"), `A=${S}\n`);
    chmodSync(join(x.w, ".env"), 0o000);
    const r = await guard.run(["push", "-r", "file:../remote/shared.env"], { cwd: x.w });
    if (process.getuid?.() === 0) {
      // Root reads it anyway (documented above); the push succeeds like any other.
      expect(r.code, r.stderr).toBe(0);
    } else {
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/EACCES/);
      expect(readFileSync(join(x.root, "remote", "shared.env"), "utf8")).toBe(SEEDED_REMOTE);
    }
    expect(hasStackTrace(r.stderr)).toBe(false);
  });
});

// ---- a full disk ----

interface FullDisk {
  dir: string;
  how: string;
  /** Runs the CLI under the disk's limit. */
  run(args: string[], cwd: string): Promise<CliResult>;
  cleanup(): void;
}

function fullDisk(): FullDisk {
  const dir = tempDir("envsync-fulldisk-");
  const mounted =
    process.platform === "linux" &&
    process.env.ENVSYNC_TEST_NO_MOUNT !== "1" &&
    spawnSync("mount", ["-t", "tmpfs", "-o", "size=256k,mode=0700", "tmpfs", dir]).status === 0;
  if (mounted) {
    return {
      dir,
      how: "tmpfs of 256 KiB",
      run: (args, cwd) => guard.run(args, { cwd }),
      cleanup: () => {
        spawnSync("umount", ["-l", dir]);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  // Fallback: a 256 KiB file-size limit for the CLI process (writes fail with EFBIG).
  return {
    dir,
    how: "ulimit -f 256 (EFBIG)",
    run: (args, cwd) => {
      const p = spawnSync("bash", ["-c", `ulimit -f 256; exec ${binShellLine(args)}`], {
        cwd,
        encoding: "utf8",
        env: { ...process.env, NO_COLOR: "1" },
      });
      const out = { code: p.status, signal: p.signal, stdout: p.stdout, stderr: p.stderr };
      guard.check({ stdout: out.stdout, stderr: out.stderr });
      return Promise.resolve(out);
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

describe("a full disk", () => {
  let disk: FullDisk;
  afterAll(() => disk?.cleanup());

  it("sync bringing more than the free space: exit 1, .env unchanged, no temp file, no state; a re-run with space converges", async () => {
    disk = fullDisk();
    process.stdout.write(`[hostile] full disk simulated with: ${disk.how}\n`);
    const w = join(disk.dir, "w");
    mkdirSync(w);
    const outside = tempDir("envsync-fulldisk-remote-");
    const remote = join(outside, "big.env");
    const big1 = guard.make("BIG");
    writeFileSync(remote, `BIG=${big1}${"x".repeat(600 * 1024)}\n`, { mode: 0o600 });
    const mine = guard.make("MINE");
    const local = `MINE=${mine}\n`;
    writeFileSync(join(w, ".env"), local);
    // sync writes the remote first (its backup goes to this working copy's full disk),
    // then .env: either step may be the one that fails.
    const remoteBefore = readFileSync(remote, "utf8");
    const r = await disk.run(["sync", "-r", `file:${remote}`], w);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/ENOSPC|EFBIG/);
    expect(hasStackTrace(r.stderr)).toBe(false);
    expect(readFileSync(join(w, ".env"), "utf8")).toBe(local);
    expect(readdirSync(w).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    expect(existsSync(join(w, ".envsync", "state.json"))).toBe(false);
    // A backup of .env may have been written before the failure; it holds only .env's values.
    guard.checkWorkingCopy(w, { ".env": [mine] });
    const remoteAfter = readFileSync(remote, "utf8");
    expect(remoteAfter === remoteBefore || remoteAfter.includes(mine)).toBe(true); // whole
    // With space again (the remote trimmed by its owner), a plain re-run converges.
    writeFileSync(remote, readFileSync(remote, "utf8").replace(/x{1000,}/, ""), { mode: 0o600 });
    const again = await disk.run(["sync", "-r", `file:${remote}`], w);
    expect(again.code, again.stderr).toBe(0);
    expect((await disk.run(["check", "-r", `file:${remote}`], w)).code).toBe(0);
  });

  it("push to a remote file on a full disk: exit 1, remote unchanged, .env unchanged, no state", async () => {
    disk ??= fullDisk();
    const remoteDir = join(disk.dir, "remote");
    mkdirSync(remoteDir, { recursive: true });
    const remote = join(remoteDir, "shared.env");
    const before = `OLD=${guard.make("OLD")}\n`;
    writeFileSync(remote, before, { mode: 0o600 });
    const w = tempDir("envsync-fulldisk-w-");
    const local = `OLD=x\nBIG=${guard.make("BIG2")}${"y".repeat(600 * 1024)}\n`;
    writeFileSync(join(w, ".env"), local);
    const r = await disk.run(["push", "-r", `file:${remote}`], w);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/ENOSPC|EFBIG/);
    expect(hasStackTrace(r.stderr)).toBe(false);
    expect(readFileSync(remote, "utf8")).toBe(before);
    // The file store records the current content in .envsync-history before writing;
    // after the failed write that entry is a copy of the unchanged remote.
    expect(readdirSync(remoteDir).filter((f) => f !== "shared.env")).toEqual([".envsync-history"]);
    expect(readFileSync(join(w, ".env"), "utf8")).toBe(local);
    expect(existsSync(join(w, ".envsync", "state.json"))).toBe(false);
  });
});
