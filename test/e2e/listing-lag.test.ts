/**
 * Issue 26's scenario on the built binary, through the reality layer
 * (docs/CLOUD-BEHAVIOUR.md): the proxy in front of moto (AWS Secrets Manager, SSM) and
 * the listing-lag modes of the Azure and Google stand-ins. AWS documents that
 * "ListSecrets might not reflect changes from the last five minutes"; the other clouds'
 * listings are eventually consistent too. Copy A pushes a key; copy B and then A again
 * sync while the listing still lags: no key is deleted anywhere, and A's output says the
 * listing was incomplete. Then the read by name is throttled past the retry budget: the
 * key is reported as not confirmed absent and left alone. When the listing catches up, B
 * gets the key. The lag is switched by control calls, never by a clock.
 */
import { randomUUID } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "../../src/dotenv/index.js";
import { silentLogger } from "../../src/logger.js";
import { openStore } from "../../src/providers/registry.js";
import type { RunningEmulator } from "../harness/common.js";
import { startGsm } from "../harness/emulators/gsm.js";
import { requireEnv } from "../harness/require-env.js";
import { startAwsReality, type AwsReality } from "../harness/reality/aws-proxy.js";
import { assertNoCanary, canary, runCli, tempDir, type CliResult } from "./helpers.js";

const uid = (): string => randomUUID().replace(/-/g, "").slice(0, 8);
const awsQuery = (endpoint: string): string =>
  `?region=us-east-1&endpoint=${encodeURIComponent(endpoint)}`;

// The AWS proxy and a Google stand-in with a control port, started once for the file;
// Azure's stand-in (the harness's) has its control port already.
let aws: AwsReality;
let gsm: RunningEmulator;
beforeAll(async () => {
  aws = await startAwsReality(requireEnv("ENVSYNC_TEST_MOTO_ENDPOINT", "moto"));
  gsm = await startGsm({ own: true, control: true });
});
afterAll(async () => {
  await aws.close();
  await gsm.stop();
});

const control = async (url: string, method: "PUT" | "POST"): Promise<void> => {
  const r = await fetch(url, { method });
  expect(r.status, url).toBe(200);
};
const kvControl = (): string => requireEnv("ENVSYNC_TEST_KV_CONTROL_URL", "lowkey");
const gsmControl = (): string => gsm.env.ENVSYNC_TEST_GSM_CONTROL_URL!;

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

/**
 * What the remote holds under KEEP and NEW, read by name (the fresh read every store
 * documents): a key deleted anywhere would be missing here, whatever the listing says.
 */
async function truth(uri: string): Promise<Record<string, string>> {
  const store = await openStore(uri, {
    cwd: process.cwd(),
    env: process.env,
    logger: silentLogger,
    concurrency: 4,
  });
  try {
    const snap = await store.read({ knownKeys: new Set(["KEEP", "NEW"]) });
    return Object.fromEntries([...snap.values].sort());
  } finally {
    await store.close?.();
  }
}

interface Layout {
  readonly name: string;
  /** A fresh remote whose listing the layer controls. */
  readonly remote: () => string;
  /** Turns the lag of `remote`'s listing on or off (stand-ins: scoped to that remote's names). */
  readonly lag: (on: boolean, remote: string) => Promise<void>;
  readonly settle: (remote: string) => Promise<void>;
  /** Makes the next read by name of NEW under `remote` fail as throttled (once). */
  readonly throttleNew: (remote: string) => Promise<void>;
}

/** The Azure stand-in's lag scope of a per-key remote: its name prefix. */
const kvScope = (remote: string): string =>
  encodeURIComponent(remote.slice(remote.lastIndexOf("/") + 1, remote.indexOf("*")));
/** The Google stand-in's lag scope of a remote: its project's resource names. */
const gsmScope = (remote: string): string =>
  encodeURIComponent(`projects/${remote.slice("gcp-sm://".length, remote.indexOf("/", 9))}/`);

const layouts: Layout[] = [
  {
    name: "aws-sm per-key",
    remote: () => `aws-sm://envsync-lag/pk-${uid()}/*${awsQuery(aws.endpoint)}`,
    lag: (on) => Promise.resolve(aws.lag(on)),
    settle: () => Promise.resolve(aws.settle()),
    throttleNew: (remote) => {
      const id = `${remote.slice("aws-sm://".length, remote.indexOf("*"))}NEW`;
      aws.throttle("BatchGetSecretValue", 1, (b) =>
        ((b.SecretIdList as string[] | undefined) ?? []).includes(id),
      );
      return Promise.resolve();
    },
  },
  {
    name: "aws-ssm",
    remote: () => `aws-ssm://envsync-lag/ssm-${uid()}/*${awsQuery(aws.endpoint)}`,
    lag: (on) => Promise.resolve(aws.lag(on)),
    settle: () => Promise.resolve(aws.settle()),
    throttleNew: (remote) => {
      const id = `/${remote.slice("aws-ssm://".length, remote.indexOf("*"))}NEW`;
      aws.throttle("GetParameters", 1, (b) =>
        ((b.Names as string[] | undefined) ?? []).includes(id),
      );
      return Promise.resolve();
    },
  },
  {
    name: "azure-kv per-key",
    remote: () => `azure-kv://${requireEnv("ENVSYNC_TEST_KV_EMULATOR_URL", "lowkey")}/l${uid()}-*`,
    lag: (on, remote) =>
      control(`${kvControl()}/listing-lag?on=${on ? 1 : 0}&scope=${kvScope(remote)}`, "PUT"),
    settle: (remote) => control(`${kvControl()}/listing-settle?scope=${kvScope(remote)}`, "POST"),
    // The stand-in's fault control answers the next request about the name with 429.
    throttleNew: (remote) => {
      const prefix = remote.slice(remote.lastIndexOf("/") + 1, -1);
      return control(`${kvControl()}/faults?name=${prefix}NEW&count=1&status=429`, "PUT");
    },
  },
  {
    name: "gcp-sm per-key",
    remote: () =>
      `gcp-sm://envsync-lag-${uid()}/app_*?endpoint=http://${gsm.env.ENVSYNC_TEST_GSM_ENDPOINT!}`,
    lag: (on, remote) =>
      control(`${gsmControl()}/listing-lag?on=${on ? 1 : 0}&scope=${gsmScope(remote)}`, "PUT"),
    settle: (remote) => control(`${gsmControl()}/listing-settle?scope=${gsmScope(remote)}`, "POST"),
    throttleNew: () => Promise.resolve(),
  },
];

for (const layout of layouts) {
  describe(`listing lag on ${layout.name} (reality layer)`, () => {
    it("a key pushed by A is never deleted while the listing lags; A says the listing was incomplete", async () => {
      const uri = layout.remote();
      await layout.settle(uri);
      await layout.lag(false, uri);
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
      await layout.lag(true, uri);
      writeFileSync(join(A, ".env"), `KEEP=${keep}\nNEW=${fresh}\n`);
      await ok(A, ["sync"]);
      expect(await truth(uri)).toEqual({ KEEP: keep, NEW: fresh });

      // B cannot see NEW yet: it neither gets it nor deletes anything.
      await ok(B, ["sync"]);
      expect(envOf(B)).toEqual({ KEEP: keep });
      expect(await truth(uri)).toEqual({ KEEP: keep, NEW: fresh });

      // A's base knows NEW: the listing leaves it out, the read by name finds it.
      const again = await ok(A, ["sync"]);
      expect(envOf(A)).toEqual({ KEEP: keep, NEW: fresh });
      expect(await truth(uri)).toEqual({ KEEP: keep, NEW: fresh });
      expect(again.stderr).toContain(
        "listing incomplete: NEW was missing from the listing but found by name",
      );

      // The read by name throttled past the budget: reported, and NEW is left alone.
      // (The Google stand-in has no throttle control: that step runs on the other three.)
      if (!layout.name.startsWith("gcp")) {
        await layout.throttleNew(uri);
        const throttled = await ok(A, ["sync", "--retries", "0"]);
        expect(throttled.stderr).toMatch(/listing incomplete: NEW not confirmed absent/);
        expect(throttled.stdout).toMatch(/kept .*NEW .*not confirmed absent/);
        expect(envOf(A)).toEqual({ KEEP: keep, NEW: fresh });
        expect(await truth(uri)).toEqual({ KEEP: keep, NEW: fresh });
        // The same, as a --json notice naming the key left alone.
        await layout.throttleNew(uri);
        const json = await ok(A, ["sync", "--retries", "0", "--json"]);
        const result = JSON.parse(json.stdout) as {
          notices: { code: string; names: string[]; message: string }[];
        };
        expect(result.notices).toContainEqual(
          expect.objectContaining({ code: "LISTING_INCOMPLETE", names: ["NEW"] }),
        );
        expect(envOf(A)).toEqual({ KEEP: keep, NEW: fresh });
      }

      // The listing catches up: B gets NEW, nothing was lost on either side.
      await layout.settle(uri);
      await ok(B, ["sync"]);
      expect(envOf(B)).toEqual({ KEEP: keep, NEW: fresh });
      const last = await ok(A, ["sync"]);
      expect(last.stderr).not.toContain("listing incomplete");
      expect(envOf(A)).toEqual({ KEEP: keep, NEW: fresh });
      expect(await truth(uri)).toEqual({ KEEP: keep, NEW: fresh });
    });
  });
}
