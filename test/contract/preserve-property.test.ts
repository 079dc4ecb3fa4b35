/**
 * Property (issue 24, "done when"): whatever document another tool stored — typed JSON,
 * nested values, big numbers, names `.env` cannot hold — envsync's `pull`, then `push`
 * of random changes, additions and deletions of `.env` keys, then `rollback` to the
 * first version, changes no byte it did not plan to change. Each document is stored with
 * the store's own API (AWS SDK on moto, the Google client on the stand-in, the Azure
 * SDK on lowkey, Vault's HTTP API on OpenBao KV v1/v2, the file system), and envsync
 * runs as the library (the same ops as the CLI, in process, to fit the suite's budget).
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { DefaultAzureCredential } from "@azure/identity";
import { SecretClient } from "@azure/keyvault-secrets";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "../../src/dotenv/index.js";
import { history, rollback } from "../../src/ops/history.js";
import { pull, push } from "../../src/ops/sync.js";
import { parseBundle } from "../../src/providers/shared/json-bundle.js";
import { tempDir } from "../e2e/helpers.js";
import { VAULT_ADDR_VAR, VAULT_TOKEN_VAR } from "../harness/emulators/openbao.js";
import { requireEnv } from "../harness/require-env.js";
import { freshGsmProject, gsmAdmin, gsmEndpoint } from "../support/gsm-admin.js";

const RUNS = 15;
const rand = (): string => randomBytes(5).toString("hex");
const gsm = gsmAdmin();
afterAll(() => gsm.close());

/** One member as another tool wrote it: a name and an exact JSON token. */
type Member = [name: string, token: string];

const envName = fc.stringMatching(/^[A-Z][A-Z0-9_]{0,6}$/);
const oddName = fc.oneof(
  fc.constantFrom("bad key", "1ST", "a/b", "é", "x.y z"),
  fc.string({ minLength: 1, maxLength: 6 }),
);
const text = fc.stringMatching(/^[A-Za-z0-9 _.:/@-]{0,10}$/);
const token = fc.oneof(
  text.map((s) => JSON.stringify(s)),
  fc.integer().map(String),
  fc.bigInt({ min: 10n ** 18n, max: 10n ** 22n }).map(String),
  fc.constantFrom("1.50", "-0.0", "1e+3", "true", "false", "null"),
  fc.constantFrom('{"a":[1,2.50]}', "[1,2]", '{"n":{"m":null}}', "[]"),
  fc.constantFrom('"caf\\u00e9"', '"tab\\tq\\"x"'),
);
const documentArb = fc
  .uniqueArray(fc.tuple(fc.oneof(envName, envName, oddName), token), {
    minLength: 1,
    maxLength: 8,
    selector: ([n]) => n,
  })
  .map((ms) => ms as Member[]);
const layoutArb = fc.constantFrom("compact", "spaced", "indented");

function layOut(ms: readonly Member[], layout: string): string {
  const m = ms.map(([n, t]) => `${JSON.stringify(n)}${layout === "compact" ? ":" : ": "}${t}`);
  if (layout === "indented") return `{\n  ${m.join(",\n  ")}\n}\n`;
  return layout === "spaced" ? `{ ${m.join(", ")} }` : `{${m.join(",")}}`;
}

/** What the push changes: keys to set (changed or new) and keys to delete, among `.env` keys. */
interface Edit {
  readonly set: Map<string, string>;
  readonly del: Set<string>;
}

const editArb = (local: readonly string[]): fc.Arbitrary<Edit> =>
  fc
    .record({
      change: fc.subarray([...local]),
      del: fc.subarray([...local]),
      added: fc.uniqueArray(fc.stringMatching(/^NEW_[A-Z]{1,4}$/), { maxLength: 3 }),
      value: text,
    })
    .map(({ change, del, added, value }) => {
      const set = new Map<string, string>();
      for (const k of change) if (!del.includes(k)) set.set(k, `${value}~`);
      for (const k of added) set.set(k, value);
      return { set, del: new Set(del) };
    });

const planned = (e: Edit): Set<string> => new Set([...e.set.keys(), ...e.del]);

interface Target {
  /** A fresh remote holding `doc`, stored with the store's own API. */
  make(doc: string): Promise<string>;
  /** The document now, as the store's API returns it. */
  text(): Promise<string>;
  /** The store re-lays documents (Vault keeps a Go map): compare members, not text. */
  readonly relaid?: boolean;
  readonly versions: boolean;
  readonly environ?: () => Record<string, string>;
}

function awsTarget(): Target {
  const endpoint = requireEnv("ENVSYNC_TEST_MOTO_ENDPOINT", "moto");
  const client = new SecretsManagerClient({ endpoint, region: "us-east-1" });
  let name = "";
  return {
    versions: true,
    make: async (doc) => {
      name = `prop-${rand()}`;
      await client.send(new CreateSecretCommand({ Name: name, SecretString: doc }));
      return `aws-sm://${name}?region=us-east-1&endpoint=${encodeURIComponent(endpoint)}`;
    },
    text: async () =>
      (await client.send(new GetSecretValueCommand({ SecretId: name, VersionStage: "AWSCURRENT" })))
        .SecretString ?? "",
  };
}

function gcpTarget(): Target {
  let parent = "";
  return {
    versions: true,
    make: async (doc) => {
      const project = freshGsmProject("prop");
      const [s] = await gsm.client().createSecret({
        parent: `projects/${project}`,
        secretId: "env",
        secret: { replication: { automatic: {} } },
      });
      parent = s.name!;
      await gsm.client().addSecretVersion({ parent, payload: { data: Buffer.from(doc) } });
      return `gcp-sm://${project}/env?endpoint=http://${gsmEndpoint()}`;
    },
    text: async () => {
      const [v] = await gsm.client().accessSecretVersion({ name: `${parent}/versions/latest` });
      return Buffer.from(v.payload!.data as Uint8Array).toString("utf8");
    },
  };
}

function azureTarget(): Target {
  const url = requireEnv("ENVSYNC_TEST_LOWKEY_URL", "lowkey");
  const client = new SecretClient(url, new DefaultAzureCredential(), {
    disableChallengeResourceVerification: true,
    serviceVersion: "7.6",
  });
  let name = "";
  return {
    versions: true,
    make: async (doc) => {
      name = `prop-${rand()}`;
      await client.setSecret(name, doc);
      return `azure-kv://${url}/${name}`;
    },
    text: async () => (await client.getSecret(name)).value ?? "",
  };
}

/** Vault's HTTP API; null for a 404 when `missing` allows one. */
async function vaultRaw(
  method: string,
  path: string,
  body?: string,
  missing = false,
): Promise<string | null> {
  const res = await fetch(`${requireEnv(VAULT_ADDR_VAR, "openbao")}/v1/${path}`, {
    method,
    headers: { "X-Vault-Token": requireEnv(VAULT_TOKEN_VAR, "openbao") },
    ...(body === undefined ? {} : { body }),
  });
  const t = await res.text();
  if (missing && res.status === 404) return null;
  expect(res.status, t).toBeLessThan(300);
  return t;
}

let kv1: Promise<string> | undefined;
function vaultTarget(kv: 1 | 2): Target {
  let path = "";
  const dataOf = (response: string): string => {
    const top = parseBundle(response, "").document.members.find((m) => m.key === "data")!;
    if (kv === 1) return top.raw.text;
    return parseBundle(top.raw.text, "").document.members.find((m) => m.key === "data")!.raw.text;
  };
  return {
    versions: kv === 2,
    relaid: true,
    environ: () => ({
      VAULT_ADDR: requireEnv(VAULT_ADDR_VAR, "openbao"),
      VAULT_TOKEN: requireEnv(VAULT_TOKEN_VAR, "openbao"),
    }),
    make: async (doc) => {
      let mount = "secret";
      if (kv === 1) {
        kv1 ??= (async () => {
          const m = `kv1-prop-${rand()}`;
          await vaultRaw("POST", `sys/mounts/${m}`, '{"type":"kv","options":{"version":"1"}}');
          return m;
        })();
        mount = await kv1;
      }
      const rel = `prop-${rand()}/env`;
      path = kv === 2 ? `${mount}/data/${rel}` : `${mount}/${rel}`;
      await vaultRaw("POST", path, kv === 2 ? `{"data":${doc}}` : doc);
      return `vault:///${mount}/${rel}`;
    },
    // KV v1 refuses an empty data map, so a push that deletes every key deletes the
    // secret (src/providers/vault/kv-store.ts): on KV v1 no secret is the empty document.
    text: async () => {
      const response = await vaultRaw("GET", path, undefined, kv === 1);
      return response === null ? "{}" : dataOf(response);
    },
  };
}

function fileTarget(): Target {
  let file = "";
  return {
    versions: true,
    make: (doc) => {
      file = join(tempDir("envsync-prop-remote-"), "remote.json");
      writeFileSync(file, doc);
      return Promise.resolve(`file:${file}`);
    },
    text: () => Promise.resolve(readFileSync(file, "utf8")),
  };
}

/** Members of a document: name → token of its last occurrence, in order. */
const tokens = (doc: string): Map<string, string> =>
  new Map(parseBundle(doc, "").document.members.map((m) => [m.key, m.raw.text]));

/** Members as text, for byte-level comparison (stores that keep the document's text). */
const memberTexts = (doc: string): Map<string, string> => {
  const d = parseBundle(doc, "").document;
  return new Map(d.members.map((m) => [m.key, doc.slice(m.start, m.end)]));
};

describe.each([
  ["aws-sm bundle (moto)", awsTarget],
  ["gcp-sm bundle (stand-in)", gcpTarget],
  ["azure-kv bundle (lowkey)", azureTarget],
  ["vault KV v2 bundle (OpenBao)", () => vaultTarget(2)],
  ["vault KV v1 bundle (OpenBao)", () => vaultTarget(1)],
  ["file:*.json", fileTarget],
])("every byte envsync did not plan to change stays: %s", (_label, makeTarget) => {
  it(`pull, push of random edits, rollback (${RUNS} documents)`, async () => {
    const t = makeTarget();
    await fc.assert(
      fc.asyncProperty(
        documentArb,
        layoutArb,
        fc.infiniteStream(fc.nat()),
        async (members, layout, seeds) => {
          const doc = layOut(members, layout);
          const remote = await t.make(doc);
          const before = await t.text();
          const dir = join(tempDir("envsync-prop-"), "wc");
          mkdirSync(dir);
          writeFileSync(join(dir, ".env"), "");
          const common = {
            cwd: dir,
            remote,
            ...(t.environ ? { environ: { ...process.env, ...t.environ() } } : {}),
          };
          await pull(common);
          const local = parse(readFileSync(join(dir, ".env"), "utf8"));
          const kinds = tokens(before);
          // Objects and arrays read as their JSON text and are never changed: not edited.
          const editable = Object.keys(local).filter((k) => !/^[[{]/.test(kinds.get(k) ?? ""));
          const edit = fc.sample(editArb(editable), { numRuns: 1, seed: seeds.next().value })[0]!;
          // The pulled file with the edited keys' lines replaced (other lines as pulled).
          const kept = readFileSync(join(dir, ".env"), "utf8")
            .split("\n")
            .filter((l) => l !== "" && !planned(edit).has(l.slice(0, l.indexOf("="))));
          const added = [...edit.set].map(([k, v]) => `${k}=${JSON.stringify(v)}`);
          writeFileSync(join(dir, ".env"), [...kept, ...added].map((l) => `${l}\n`).join(""));
          await push({ ...common, prune: true, yes: true });
          const after = await t.text();
          const named = planned(edit);
          // Every member the plan did not name: same token (same text, for stores that
          // keep the document), in the same order.
          const was = t.relaid ? tokens(before) : memberTexts(before);
          const now = t.relaid ? tokens(after) : memberTexts(after);
          const untouched = [...was].filter(([k]) => !named.has(k));
          expect(untouched.filter(([k, v]) => now.get(k) !== v)).toEqual([]);
          if (!t.relaid)
            expect([...now.keys()].filter((k) => !named.has(k))).toEqual(untouched.map(([k]) => k));
          // What the plan named: deleted keys gone, set keys hold their new value.
          for (const k of edit.del) if (!edit.set.has(k)) expect(now.has(k)).toBe(false);
          const values = parseBundle(after, "").values;
          for (const [k, v] of edit.set) expect(values.get(k)).toBe(v);
          if (t.versions && named.size > 0) {
            const h = await history(common);
            const first = h.versions[h.versions.length - 1]!.id;
            await rollback({ ...common, to: first, yes: true });
            const back = await t.text();
            if (t.relaid) expect(tokens(back)).toEqual(tokens(before));
            else expect(back).toBe(before);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});
