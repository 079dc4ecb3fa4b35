/**
 * End to end on the built binary against moto (AWS Secrets Manager, bundle layout): a
 * workspace of 50 targets × 3 environments synced with one `sync --all`, a target with a
 * malformed .env failing alone, and `compare` of two environments on the cloud store.
 * Canary values must never reach stdout or stderr.
 */
import { randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../src/logger.js";
import { openStore } from "../../src/providers/registry.js";
import { mapLimit } from "../../src/providers/parallel.js";
import { requireEnv } from "../harness/require-env.js";
import { canary, runCli, tempDir, type CliResult } from "./helpers.js";
import {
  ENVS,
  localFile,
  writeWorkspace,
  type FixtureTarget,
  type Row,
} from "./workspace-fixture.js";

const N = 50;
const BROKEN = "a11";
const endpoint = (): string => requireEnv("ENVSYNC_TEST_MOTO_ENDPOINT", "moto");
const run = randomUUID().slice(0, 8);
const uri = (t: FixtureTarget, env: string): string =>
  `aws-sm://envsync-ws-${run}/${t.name}/${env}?region=us-east-1&endpoint=${encodeURIComponent(endpoint())}`;
let root: string;
let targets: FixtureTarget[];
const secrets = new Map<string, string>();

const cli = (cwd: string, args: string[]): Promise<CliResult> => runCli(args, { cwd });

/** What a remote holds, read in-process through the same store code (null: no such secret). */
async function remoteValues(u: string): Promise<Record<string, string> | null> {
  const s = await openStore(u, {
    cwd: process.cwd(),
    env: process.env,
    logger: silentLogger,
    concurrency: 8,
  });
  try {
    const snap = await s.read();
    return snap.exists ? Object.fromEntries([...snap.values].sort()) : null;
  } finally {
    await s.close?.();
  }
}

beforeAll(() => {
  root = tempDir("envsync-ws-aws-");
  targets = writeWorkspace(root, N, uri, (t, e) => {
    const s = canary(`${t.name.replace("/", "_")}_${e}`);
    secrets.set(`${t.name}/${e}`, s);
    return { SHARED: "same", TOKEN: s, [`ONLY_${e.toUpperCase()}`]: "1" };
  });
  writeFileSync(join(root, "apps", BROKEN, localFile("prod")), "OK=1\nBROKEN='open\n");
});

describe("a workspace of 50 targets × 3 environments on AWS Secrets Manager (moto)", () => {
  it("sync --all writes 149 secrets; the malformed target's row exits 2, nothing written for it", async () => {
    const r = await cli(root, ["sync", "--all", "--json"]);
    expect(r.code, r.stderr).toBe(2);
    const rows = JSON.parse(r.stdout) as Row[];
    expect(rows).toHaveLength(N * 3);
    expect(
      rows.filter((x) => x.exitCode !== 0).map((x) => [x.target, x.env, x.exitCode, x.error?.code]),
    ).toEqual([[BROKEN, "prod", 2, "PARSE"]]);
    const cells = targets.flatMap((t) => ENVS.map((e) => [t, e] as const));
    const read = await mapLimit(cells, 8, ([t, e]) => remoteValues(uri(t, e)));
    for (const [i, [t, e]] of cells.entries()) {
      if (t.name === BROKEN && e === "prod") expect(read[i]).toBeNull();
      else
        expect(read[i], `${t.name}/${e}`).toEqual({
          [`ONLY_${e.toUpperCase()}`]: "1",
          SHARED: "same",
          TOKEN: secrets.get(`${t.name}/${e}`),
        });
    }
  });

  it("check --all: the one not synced differs (exit 2 wins over 3 until it is fixed, then 3, then 0)", async () => {
    const broken = await cli(root, ["check", "--all"]);
    expect(broken.code).toBe(2);
    writeFileSync(join(root, "apps", BROKEN, localFile("prod")), "OK=1\n");
    const differs = await cli(root, ["check", "--all"]);
    expect(differs.code).toBe(3);
    expect(differs.stdout).toMatch(new RegExp(`^${BROKEN}\\s+prod\\s+1 differ: OK\\s+3$`, "m"));
    const fixed = await cli(root, ["push", "--target", BROKEN, "-e", "prod"]);
    expect(fixed.code, fixed.stderr).toBe(0);
    const ok = await cli(root, ["check", "--all"]);
    expect(ok.code, ok.stdout).toBe(0);
  });

  it("compare of two environments on the cloud store: exit 3 with the keys, 0 for the same secret", async () => {
    const t = targets.find((x) => x.name === "services/s44")!;
    const r = await cli(join(root, t.dir), ["compare", "staging", "prod", "--json"]);
    expect(r.code).toBe(3);
    const res = JSON.parse(r.stdout) as { keys: { key: string; status: string }[] };
    expect(res.keys.map((k) => [k.key, k.status])).toEqual([
      ["ONLY_PROD", "missing"],
      ["ONLY_STAGING", "missing"],
      ["SHARED", "equal"],
      ["TOKEN", "different"],
    ]);
    const same = await cli(join(root, t.dir), ["compare", "prod", uri(t, "prod")]);
    expect(same.code, same.stderr).toBe(0);
  });
});
