/**
 * Every bad input is a coded error (issue 25, item 6). The corpus of
 * test/e2e/hostile-corpus.ts (config documents, URIs, `.env` files, JSON bundles a
 * store may answer, reference chains for `--expand`, large inputs) runs through the
 * built CLI, one process a case, two at a time. A refused case exits 1 or 2 with
 * `error [CODE]`, a hint, and the input named; an accepted one exits 0 or 3. No case
 * ends in "Unexpected error … report it", a JavaScript stack or "Maximum call stack",
 * and a refused case writes nothing (every file of its folders byte-identical, no file
 * added). The summary line (cases, exit codes) is what docs/RELIABILITY.md records.
 * Off the main line, scripts/test.mjs sets ENVSYNC_CORPUS_SHARE=k/n: the other lines
 * split the corpus between them (every n-th case), the main line runs all of it.
 *
 * No store is contacted: cloud URIs name a closed loopback port, with static dummy
 * credentials so no credential chain looks for a metadata server.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildCorpus, type CorpusCase } from "./hostile-corpus.js";
import { hasStackTrace, runCli, runsCase, tempDir, type CliResult } from "./helpers.js";

/** Environment of every run: no real credentials, no metadata server, no real Vault. */
const ENV: Record<string, string | undefined> = {
  AWS_ACCESS_KEY_ID: "AKIAHOSTILECORPUS",
  AWS_SECRET_ACCESS_KEY: "hostile-corpus",
  AWS_SESSION_TOKEN: undefined,
  AWS_PROFILE: undefined,
  AWS_CONFIG_FILE: "/nonexistent/aws-config",
  AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/aws-credentials",
  AWS_EC2_METADATA_DISABLED: "true",
  METADATA_SERVER_DETECTION: "none",
  GOOGLE_APPLICATION_CREDENTIALS: undefined,
  VAULT_ADDR: undefined,
  VAULT_TOKEN: "hostile-corpus-token",
  AZURE_CLIENT_ID: undefined,
  AZURE_TENANT_ID: undefined,
  AZURE_CLIENT_SECRET: undefined,
  IDENTITY_ENDPOINT: undefined,
  MSI_ENDPOINT: undefined,
};

/** Every file under `dir` with a digest of its bytes (the "nothing written" check). */
function snapshot(dir: string, out = new Map<string, string>(), base = dir): Map<string, string> {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p, { throwIfNoEntry: false });
    if (!st) continue;
    if (st.isDirectory()) snapshot(p, out, base);
    else out.set(p.slice(base.length), createHash("sha256").update(readFileSync(p)).digest("hex"));
  }
  return out;
}

/** What went wrong with one case, or null. */
function judge(
  c: CorpusCase,
  r: CliResult,
  before: Map<string, string>,
  root: string,
): string | null {
  const all = r.stdout + r.stderr;
  if (/report it/i.test(all)) return `"report it" in the output`;
  if (/Unexpected error/i.test(all)) return `"Unexpected error" in the output`;
  if (/Maximum call stack/i.test(all)) return `"Maximum call stack" in the output`;
  if (hasStackTrace(r.stderr)) return "a stack trace on stderr";
  if (r.signal) return `killed by ${r.signal}`;
  if (c.expect === "handled") {
    if (r.code !== 0 && r.code !== 3) return `exit ${r.code} where the input is handled`;
    return null;
  }
  if (r.code !== 1 && r.code !== 2) return `exit ${r.code} where the input is refused`;
  if (!/^error \[[A-Z_]+\] /m.test(r.stderr)) return "no `error [CODE]` line";
  if (!/^\s+hint: \S/m.test(r.stderr)) return "no hint";
  if (c.names !== undefined && !r.stderr.includes(c.names))
    return `the input (${c.names}) is not named`;
  const after = snapshot(root);
  for (const [p, h] of after) {
    if (!before.has(p)) return `wrote ${p}`;
    if (before.get(p) !== h) return `changed ${p}`;
  }
  return null;
}

interface Outcome {
  c: CorpusCase;
  code: number | null;
  problem: string | null;
  stderr: string;
}

/** Runs one case in a fresh folder, removed afterwards (some inputs are large). */
async function runCase(c: CorpusCase): Promise<Outcome> {
  const root = tempDir("envsync-corpus-");
  try {
    for (const [rel, content] of Object.entries(c.files)) {
      const p = join(root, rel);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, typeof content === "function" ? content() : content);
    }
    mkdirSync(join(root, "w"), { recursive: true });
    mkdirSync(join(root, "remote"), { recursive: true });
    const before = snapshot(root);
    const r = await runCli([...c.args], { cwd: join(root, "w"), env: { ...ENV, ...c.env } });
    return { c, code: r.code, problem: judge(c, r, before, root), stderr: r.stderr };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** Runs the cases two at a time (2 cores), in corpus order. */
async function runAll(cases: CorpusCase[]): Promise<Outcome[]> {
  const out: Outcome[] = new Array<Outcome>(cases.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < cases.length) {
      const i = next++;
      out[i] = await runCase(cases[i]!);
    }
  };
  await Promise.all([worker(), worker()]);
  return out;
}

const corpus = buildCorpus();
/** This line's share of the corpus when the other lines split it (ENVSYNC_CORPUS_SHARE). */
const mine = runsCase("CORPUS");
const GROUPS = ["config", "uri", "dotenv", "json", "expand", "large"] as const;

describe("hostile-input corpus", () => {
  it("has hundreds of cases", () => {
    expect(corpus.length).toBeGreaterThanOrEqual(200);
    expect(new Set(corpus.map((c) => c.name)).size).toBe(corpus.length);
  });

  for (const group of GROUPS) {
    it(`every ${group} case is a coded error or handled, never "report it", a stack or a write`, async () => {
      const outcomes = await runAll(corpus.filter((c, i) => c.group === group && mine(i)));
      const codes = new Map<string, number>();
      for (const o of outcomes) codes.set(String(o.code), (codes.get(String(o.code)) ?? 0) + 1);
      process.stdout.write(
        `[hostile-corpus] ${group}: ${outcomes.length} cases; exit codes ${[...codes]
          .sort()
          .map(([k, n]) => `${k}×${n}`)
          .join(", ")}; ${outcomes.filter((o) => o.problem !== null).length} failing\n`,
      );
      const failures = outcomes
        .filter((o) => o.problem !== null)
        .map(
          (o) =>
            `${o.c.name}: ${o.problem} (exit ${o.code})\n    ${o.stderr.trim().split("\n").slice(0, 3).join("\n    ")}`,
        );
      expect(failures, failures.join("\n")).toEqual([]);
    });
  }
});
