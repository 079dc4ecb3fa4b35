/**
 * `envsync copy` between Vault (the real OpenBao server) and every other store kind:
 * Google Secret Manager and Azure Key Vault (the harness's emulators, official SDKs),
 * a SOPS file and a dotenvx file. Each store is reached both ways — Vault bundle → the
 * store, the store → a Vault per-key prefix — with awkward values (multi-line,
 * quotes, `$`, unicode), and what arrives is read back in-process through the same
 * store code and through Vault's HTTP API. No value reaches stdout or stderr.
 */
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateIdentity, identityToRecipient } from "age-encryption";
import { describe, expect, it } from "vitest";
import { baoApi, VAULT_ADDR_VAR, VAULT_TOKEN_VAR } from "../harness/emulators/openbao.js";
import { requireEnv } from "../harness/require-env.js";
import { remoteValues as readRemote } from "../support/remote-values.js";
import { CanaryGuard, tempDir, type CliResult } from "./helpers.js";

const guard = new CanaryGuard();
const addr = (): string => requireEnv(VAULT_ADDR_VAR, "openbao");
const root = (): string => requireEnv(VAULT_TOKEN_VAR, "openbao");
const rand = (): string => randomBytes(5).toString("hex");

/** Vault's variables, a HOME without keys, and the age key for SOPS files. */
function environment(dir: string): Record<string, string> {
  return {
    VAULT_ADDR: addr(),
    VAULT_TOKEN: root(),
    HOME: dir,
    SOPS_AGE_KEY_FILE: join(dir, "keys.txt"),
  };
}

async function cli(args: string[], cwd: string): Promise<CliResult> {
  const r = await guard.run(args, { cwd, env: environment(cwd) });
  expect(`${r.stdout}${r.stderr}`).not.toContain(root());
  return r;
}

/** What a remote holds, read through the store code (as envsync reads it). */
const remoteValues = (uri: string, cwd: string): Promise<Record<string, string>> =>
  readRemote(uri, { cwd, env: environment(cwd) });

/** A folder with an age key and a `.sops.yaml` whose rule encrypts `*.enc.*` for it. */
async function project(): Promise<string> {
  const dir = tempDir("envsync-vault-copy-x-");
  const identity = await generateIdentity();
  writeFileSync(join(dir, "keys.txt"), `${identity}\n`);
  writeFileSync(
    join(dir, ".sops.yaml"),
    `creation_rules:\n  - path_regex: \\.enc\\.\n    age: ${await identityToRecipient(identity)}\n`,
  );
  return dir;
}

/** The other stores: a fresh remote of each (layouts chosen to mix bundle and per-key). */
const others: [string, (id: string) => string][] = [
  [
    "gcp-sm bundle",
    (id) =>
      `gcp-sm://vault-copy-${id}/app_env?endpoint=http://${requireEnv("ENVSYNC_TEST_GSM_ENDPOINT", "gsm")}`,
  ],
  [
    "gcp-sm per-key",
    (id) =>
      `gcp-sm://vault-copy-${id}/app_*?endpoint=http://${requireEnv("ENVSYNC_TEST_GSM_ENDPOINT", "gsm")}`,
  ],
  [
    "azure-kv bundle",
    (id) => `azure-kv://${requireEnv("ENVSYNC_TEST_LOWKEY_URL", "lowkey")}/vc-${id}`,
  ],
  [
    "azure-kv per-key",
    (id) => `azure-kv://${requireEnv("ENVSYNC_TEST_LOWKEY_URL", "lowkey")}/vc${id}-*`,
  ],
  ["sops dotenv file", () => "sops:secrets.enc.env"],
  ["sops YAML file", () => "sops:secrets.enc.yaml"],
  ["dotenvx file", () => "dotenvx:.env.production"],
];

describe("envsync copy between Vault and the other stores", () => {
  it.each(others)(
    "vault bundle → %s → vault per-key: every value arrives exactly",
    async (_, make) => {
      const dir = await project();
      const p = `copy-${rand()}`;
      const values = {
        PLAIN: guard.make("PLAIN"),
        MULTI: `${guard.make("MULTI")}\nline 2\n`,
        QUOTES: `it's "${guard.make("Q")}" $HOME \${X} \`x\``,
        UNICODE: `${guard.make("U")} é ✓ 日本`,
        SPACES: `  ${guard.make("SP")}  `,
      };
      writeFileSync(join(dir, "seed.json"), JSON.stringify(values));
      const bundle = `vault:///secret/${p}/bundle`;
      const other = make(rand());
      const perKey = `vault:///secret/${p}/pk/*`;
      for (const [from, to] of [
        ["file:seed.json", bundle],
        [bundle, other],
        [other, perKey],
      ] as const) {
        const r = await cli(["copy", from, to], dir);
        expect(r.code, `${from} → ${to}: ${r.stderr}`).toBe(0);
      }
      const sorted = Object.fromEntries(Object.entries(values).sort());
      expect(await remoteValues(other, dir)).toEqual(sorted);
      expect(await remoteValues(perKey, dir)).toEqual(sorted);
      // Vault holds each key as its own secret, value in the `value` field.
      for (const [k, v] of Object.entries(values)) {
        const r = await baoApi(addr(), root(), "GET", `secret/data/${p}/pk/${k}`);
        expect((r.body?.data as { data: Record<string, string> }).data).toEqual({ value: v });
      }
    },
  );
});
