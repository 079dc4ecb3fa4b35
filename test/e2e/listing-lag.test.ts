/**
 * Issue 26's scenario on the built binary, through the reality layer in front of moto
 * (test/harness/reality/aws-proxy.ts): AWS documents that "ListSecrets might not reflect
 * changes from the last five minutes", and Parameter Store's GetParametersByPath is a
 * listing too. Copy A pushes a key; copy B and then A again sync while the listing still
 * lags: no key is deleted anywhere, and A's output says the listing was incomplete.
 * Then the read by name is throttled past the retry budget: the key is reported as not
 * confirmed absent and left alone. When the listing catches up, B gets the key. The lag
 * is switched by the proxy's control calls, never by a clock.
 */
import { randomUUID } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "../../src/dotenv/index.js";
import { requireEnv } from "../harness/require-env.js";
import { startAwsReality, type AwsReality } from "../harness/reality/aws-proxy.js";
import { remoteValues } from "../support/remote-values.js";
import { assertNoCanary, canary, runCli, tempDir, type CliResult } from "./helpers.js";

const moto = (): string => requireEnv("ENVSYNC_TEST_MOTO_ENDPOINT", "moto");
const query = (endpoint: string): string =>
  `?region=us-east-1&endpoint=${encodeURIComponent(endpoint)}`;
const uid = (): string => randomUUID().slice(0, 8);

let reality: AwsReality;
beforeAll(async () => {
  reality = await startAwsReality(moto());
});
afterAll(async () => {
  await reality.close();
});

const canaries: string[] = [];
const mkCanary = (label: string): string => {
  const c = canary(label);
  canaries.push(c);
  return c;
};

async function ok(cwd: string, args: string[]): Promise<CliResult> {
  const r = await runCli(args, { cwd });
  assertNoCanary(canaries, {
    [`stdout of envsync ${args.join(" ")}`]: r.stdout,
    [`stderr of envsync ${args.join(" ")}`]: r.stderr,
  });
  expect(r.code, `envsync ${args.join(" ")}: ${r.stderr}`).toBe(0);
  return r;
}

const envOf = (dir: string): Record<string, string> => ({
  ...parse(readFileSync(join(dir, ".env"), "utf8")),
});

interface Layout {
  readonly name: string;
  /** The remote without its query (the store's target). */
  readonly target: () => string;
  /** The read by name of `key` under `target`: the operation and whether a body asks for it. */
  readonly byName: (
    target: string,
    key: string,
  ) => [string, (body: Record<string, unknown>) => boolean];
}

const layouts: Layout[] = [
  {
    name: "aws-sm per-key",
    target: () => `aws-sm://envsync-lag/pk-${uid()}/*`,
    byName: (t, key) => {
      const id = `${t.slice("aws-sm://".length, -1)}${key}`;
      return [
        "BatchGetSecretValue",
        (b) => ((b.SecretIdList as string[] | undefined) ?? []).includes(id),
      ];
    },
  },
  {
    name: "aws-ssm",
    target: () => `aws-ssm://envsync-lag/ssm-${uid()}/*`,
    byName: (t, key) => {
      const id = `/${t.slice("aws-ssm://".length, -1)}${key}`;
      return ["GetParameters", (b) => ((b.Names as string[] | undefined) ?? []).includes(id)];
    },
  },
];

for (const layout of layouts) {
  describe(`listing lag on ${layout.name} (reality layer over moto)`, () => {
    it("a key pushed by A is never deleted while the listing lags; A says the listing was incomplete", async () => {
      reality.settle();
      reality.lag(false);
      const target = layout.target();
      const uri = `${target}${query(reality.endpoint)}`;
      // The truth, read past the proxy (moto is consistent at once).
      const truth = (): Promise<Record<string, string>> =>
        remoteValues(`${target}${query(moto())}`);
      const root = tempDir("envsync-lag-");
      const A = join(root, "a");
      const B = join(root, "b");
      for (const dir of [A, B]) {
        mkdirSync(dir);
        await ok(dir, ["init", "--remote", uri]);
      }
      const [keep, fresh] = [mkCanary("KEEP"), mkCanary("NEW")];
      writeFileSync(join(A, ".env"), `KEEP=${keep}\n`);
      await ok(A, ["sync"]);
      await ok(B, ["sync"]);
      expect(envOf(B)).toEqual({ KEEP: keep });

      // From here on, the listing lags behind every write.
      reality.lag(true);
      writeFileSync(join(A, ".env"), `KEEP=${keep}\nNEW=${fresh}\n`);
      await ok(A, ["sync"]);
      expect(await truth()).toEqual({ KEEP: keep, NEW: fresh });

      // B cannot see NEW yet: it neither gets it nor deletes anything.
      await ok(B, ["sync"]);
      expect(envOf(B)).toEqual({ KEEP: keep });
      expect(await truth()).toEqual({ KEEP: keep, NEW: fresh });

      // A's base knows NEW: the listing leaves it out, the read by name finds it.
      const again = await ok(A, ["sync"]);
      expect(envOf(A)).toEqual({ KEEP: keep, NEW: fresh });
      expect(await truth()).toEqual({ KEEP: keep, NEW: fresh });
      expect(again.stderr).toContain(
        "listing incomplete: NEW was missing from the listing but found by name",
      );

      // The read by name throttled past the budget: reported, and NEW is left alone.
      const [op, asks] = layout.byName(target, "NEW");
      reality.throttle(op, 1, asks);
      const throttled = await ok(A, ["sync", "--retries", "0"]);
      expect(throttled.stderr).toMatch(/listing incomplete: NEW not confirmed absent/);
      expect(envOf(A)).toEqual({ KEEP: keep, NEW: fresh });
      expect(await truth()).toEqual({ KEEP: keep, NEW: fresh });

      // The listing catches up: B gets NEW, nothing was lost on either side.
      reality.settle();
      await ok(B, ["sync"]);
      expect(envOf(B)).toEqual({ KEEP: keep, NEW: fresh });
      const last = await ok(A, ["sync"]);
      expect(last.stderr).not.toContain("listing incomplete");
      expect(envOf(A)).toEqual({ KEEP: keep, NEW: fresh });
      expect(await truth()).toEqual({ KEEP: keep, NEW: fresh });
    });
  });
}
