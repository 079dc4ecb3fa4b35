/**
 * `--version`, `--help` and commands on file: remotes load no cloud SDK, no provider
 * chunk, no YAML parser unless an envsync.yaml outside the plain subset exists
 * (src/config/plain-config.ts), and not child_process (see
 * scripts/bundle.mjs). Asserts which modules were resolved (not how long anything
 * took), with positive controls proving the probe sees a chunk and an SDK when one
 * is loaded. The Key Vault case runs on the harness's stand-in, so its token and read
 * are real calls.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { generateIdentity, identityToRecipient } from "age-encryption";
import { describe, expect, it } from "vitest";
import { requireEnv } from "../harness/require-env.js";
import { BIN, tempDir } from "./helpers.js";

const PRELOAD = resolve(import.meta.dirname, "fixtures", "module-log.mjs");
const SDK = /@aws-sdk|@smithy|@google-cloud|google-gax|@grpc|@azure|@inquirer|[/\\]ora[/\\]/;
const CHUNK = /[/\\]chunks[/\\][\w-]+\.cjs$/;
/** Loaded only by commands that need them (a spawned child, a prompt). */
const LAZY_BUILTINS = ["node:child_process", "node:readline"];

function modulesLoaded(
  args: string[],
  cwd: string,
  extraEnv: Record<string, string> = {},
): string[] {
  const log = join(tempDir("envsync-modlog-"), "modules.txt");
  writeFileSync(log, "");
  const r = spawnSync(process.execPath, ["--import", PRELOAD, BIN, ...args], {
    cwd,
    env: {
      ...process.env,
      ENVSYNC_MODULE_LOG: log,
      NO_COLOR: "1",
      AWS_EC2_METADATA_DISABLED: "true",
      ...extraEnv,
    },
    stdio: "ignore",
    timeout: 110_000, // a backstop under load, below the test time-out
  });
  expect(r.error).toBeUndefined();
  return readFileSync(log, "utf8").split("\n").filter(Boolean);
}

describe("lazy loading of cloud SDKs, chunks and YAML", () => {
  const chunkNames = (mods: string[]): string[] =>
    [...new Set(mods.filter((m) => CHUNK.test(m)).map((m) => m.split(/[/\\]/).pop()!))].sort();
  const dir = tempDir();
  writeFileSync(join(dir, ".env"), "A=1\n");
  writeFileSync(join(dir, "remote.env"), "A=2\n");
  const withConfig = join(tempDir(), "project");
  mkdirSync(withConfig);
  writeFileSync(join(withConfig, ".env"), "A=1\n");
  writeFileSync(join(withConfig, "remote.env"), "A=2\n");
  writeFileSync(
    join(withConfig, "envsync.yaml"),
    "default: dev\nconcurrency: 4\nenvironments:\n  dev:\n    remote: file:remote.env\n",
  );
  const withPlainConfig = join(tempDir(), "project");
  mkdirSync(withPlainConfig);
  writeFileSync(join(withPlainConfig, ".env"), "A=1\n");
  writeFileSync(join(withPlainConfig, "remote.env"), "A=2\n");
  const init = spawnSync(process.execPath, [BIN, "init", "--remote", "file:remote.env"], {
    cwd: withPlainConfig,
    stdio: "ignore",
  });
  expect(init.status).toBe(0);

  it.each([
    [["--version"]],
    [["--help"]],
    [["diff", "-r", "file:remote.env"]],
    [["check", "-r", "file:remote.env"]],
    [["sync", "-r", "file:remote.env", "--dry-run"]],
    [["pull", "-r", "file:remote.env", "--dry-run"]],
  ])("envsync %j loads no SDK, no chunk, no child_process", (args) => {
    const mods = modulesLoaded(args, dir);
    expect(mods.length).toBeGreaterThan(0);
    expect(mods.filter((m) => SDK.test(m))).toEqual([]);
    expect(mods.filter((m) => CHUNK.test(m))).toEqual([]);
    expect(mods.filter((m) => LAZY_BUILTINS.includes(m))).toEqual([]);
  });

  it("with the envsync.yaml init writes, diff loads no chunk (no yaml, no schema)", () => {
    const mods = modulesLoaded(["diff"], withPlainConfig);
    expect(mods.filter((m) => SDK.test(m))).toEqual([]);
    expect(mods.filter((m) => CHUNK.test(m))).toEqual([]);
  });

  it("in the README set-up after a first sync, diff, check, run and the no-op sync and pull load no chunk; a sync that writes loads the write chunk alone", () => {
    const readme = join(tempDir(), "project");
    mkdirSync(readme);
    writeFileSync(join(readme, ".env"), "A=1\nB=2\n");
    writeFileSync(join(readme, "remote.env"), "A=1\nC=3\n");
    for (const args of [["init", "--remote", "file:remote.env"], ["sync"]]) {
      const r = spawnSync(process.execPath, [BIN, ...args], { cwd: readme, stdio: "ignore" });
      expect(r.status).toBe(0);
    }
    for (const args of [
      ["diff"],
      ["check"],
      ["sync"],
      ["pull"],
      ["run", "--", process.execPath, "-e", "0"],
    ])
      expect(chunkNames(modulesLoaded(args, readme)), args.join(" ")).toEqual([]);
    writeFileSync(join(readme, ".env"), "A=1\nB=2\nC=3\nD=4\n");
    const write = modulesLoaded(["sync"], readme);
    expect(chunkNames(write)).toEqual(["write.cjs"]);
    expect(readFileSync(join(readme, "remote.env"), "utf8")).toContain("D=4");
  });

  it("with an envsync.yaml beyond the plain subset, diff loads the config and yaml chunks and nothing else", () => {
    const mods = modulesLoaded(["diff"], withConfig);
    expect(mods.filter((m) => SDK.test(m))).toEqual([]);
    const chunks = mods.filter((m) => CHUNK.test(m)).map((m) => m.split(/[/\\]/).pop());
    expect([...new Set(chunks)].sort()).toEqual(["config.cjs", "yaml.cjs"]);
  });

  const STATIC_KEYS = {
    AWS_ACCESS_KEY_ID: "AKIDTEST",
    AWS_SECRET_ACCESS_KEY: "secret",
    AWS_PROFILE: "",
  };

  it.each([
    ["aws-sm://x?region=us-east-1&endpoint=http://127.0.0.1:9", ["aws-sm.cjs", "aws.cjs"]],
    ["aws-ssm://x/*?region=us-east-1&endpoint=http://127.0.0.1:9", ["aws-ssm.cjs", "aws.cjs"]],
  ])(
    "with static keys in the environment, %s loads the small AWS client: no SDK chunk, no node:crypto, no node:http",
    (remote, chunks) => {
      const mods = modulesLoaded(["diff", "-r", remote, "--retries", "0"], dir, STATIC_KEYS);
      expect(chunkNames(mods)).toEqual(chunks);
      expect(mods.filter((m) => /[/\\]node_modules[/\\]/.test(m))).toEqual([]);
      expect(mods).not.toContain("node:crypto");
      // HTTP/1.1 on node:net (src/providers/shared/http1.ts), not node:http.
      expect(mods).toContain("node:net");
      expect(mods).not.toContain("node:http");
    },
  );

  it("control: with a profile named, an aws-sm remote loads the Secrets Manager SDK chunk and not SSM's", () => {
    const mods = modulesLoaded(
      [
        "diff",
        "-r",
        "aws-sm://x?region=us-east-1&endpoint=http://127.0.0.1:9&profile=envsync-none",
        "--retries",
        "0",
      ],
      dir,
      STATIC_KEYS,
    );
    expect(chunkNames(mods)).toEqual(["aws-sm-sdk.cjs", "aws-sm.cjs", "aws.cjs"]);
    expect(mods.filter((m) => /[/\\]node_modules[/\\]/.test(m))).toEqual([]);
    // The SDK is bundled in its chunk (scripts/bundle.mjs): its client is in the file,
    // SSM's client is in a chunk of its own, and the store chunk holds no SDK.
    const sdk = readFileSync(
      mods.find((m) => m.endsWith("aws-sm-sdk.cjs"))!,
      "utf8",
    );
    expect(sdk).toContain("SecretsManagerClient");
    expect(sdk).not.toContain("GetParametersByPathCommand");
    const store = readFileSync(
      mods.find((m) => m.endsWith("aws-sm.cjs"))!,
      "utf8",
    );
    expect(store).not.toContain("SecretsManagerClient");
    expect(mods.some((m) => m.endsWith("gcp.cjs") || m.endsWith("azure.cjs"))).toBe(false);
  });

  it("a gcp-sm remote on REST (the default) loads the gcp chunk alone: no gRPC, no protobuf, no google-auth-library for an emulator", () => {
    const mods = modulesLoaded(
      ["diff", "-r", "gcp-sm://p/s?endpoint=http://127.0.0.1:9", "--retries", "0"],
      dir,
    );
    const chunks = mods.filter((m) => CHUNK.test(m)).map((m) => m.split(/[/\\]/).pop());
    expect([...new Set(chunks)]).toEqual(["gcp.cjs"]);
    expect(mods.filter((m) => /[/\\]node_modules[/\\]/.test(m))).toEqual([]);
    expect(mods).not.toContain("node:http2");
    expect(mods).not.toContain("node:tls");
    expect(mods).toContain("node:net");
    expect(mods).not.toContain("node:http");
    // The gcp chunk holds envsync's REST client, not the SDK (which is in gcp-grpc.cjs).
    const gcp = readFileSync(
      mods.find((m) => m.endsWith("gcp.cjs"))!,
      "utf8",
    );
    expect(gcp).not.toContain("SecretManagerServiceClient");
    expect(gcp).not.toContain("protobufjs");
  });

  it("control: transport=grpc loads the gRPC chunk with the official client", () => {
    const mods = modulesLoaded(
      ["diff", "-r", "gcp-sm://p/s?endpoint=http://127.0.0.1:9&transport=grpc", "--retries", "0"],
      dir,
    );
    const grpcChunk = mods.find((m) => m.endsWith("gcp-grpc.cjs"));
    expect(grpcChunk).toBeDefined();
    expect(readFileSync(grpcChunk!, "utf8")).toContain("SecretManagerServiceClient");
    expect(mods).toContain("node:http2");
  });

  /** A managed identity as App Service gives it: the small Key Vault client reads it itself. */
  const APP_SERVICE = {
    IDENTITY_ENDPOINT: "http://127.0.0.1:9/msi/token",
    IDENTITY_HEADER: "lazy-load",
  };

  it("an azure-kv remote on the small client loads the azure chunk alone: no SecretClient, no @azure/identity", () => {
    const mods = modulesLoaded(
      ["diff", "-r", "azure-kv://127.0.0.1:9/s", "--retries", "0"],
      dir,
      APP_SERVICE,
    );
    expect(chunkNames(mods)).toEqual(["azure.cjs"]);
    expect(mods.filter((m) => /[/\\]node_modules[/\\]/.test(m))).toEqual([]);
    expect(mods).toContain("node:tls");
    expect(mods).not.toContain("node:https");
    const azure = readFileSync(
      mods.find((m) => m.endsWith("azure.cjs"))!,
      "utf8",
    );
    expect(azure).not.toContain("var SecretClient = class");
    expect(azure).not.toContain("DefaultAzureCredential(");
  });

  it("on the Key Vault stand-in (App Service identity, as the harness sets it), a diff that gets a token and reads loads the azure chunk alone", () => {
    const kv = tempDir("envsync-lazy-kv-");
    const uri = `azure-kv://${requireEnv("ENVSYNC_TEST_LOWKEY_URL", "lowkey")}/lazy-${Date.now()}`;
    writeFileSync(join(kv, ".env"), "ONE=1\n");
    const sync = spawnSync(process.execPath, [BIN, "sync", "-r", uri], {
      cwd: kv,
      stdio: "ignore",
    });
    expect(sync.status).toBe(0);
    const mods = modulesLoaded(["diff", "-r", uri], kv);
    expect(chunkNames(mods)).toEqual(["azure.cjs"]);
    expect(mods.filter((m) => /[/\\]node_modules[/\\]/.test(m))).toEqual([]);
  });

  it("control: ENVSYNC_AZURE_SDK=1 loads the SDK's chunk with SecretClient and DefaultAzureCredential's", () => {
    const mods = modulesLoaded(["diff", "-r", "azure-kv://127.0.0.1:9/s", "--retries", "0"], dir, {
      ...APP_SERVICE,
      ENVSYNC_AZURE_SDK: "1",
    });
    expect(chunkNames(mods)).toEqual(["azure-identity.cjs", "azure-sdk.cjs", "azure.cjs"]);
    const sdk = readFileSync(
      mods.find((m) => m.endsWith("azure-sdk.cjs"))!,
      "utf8",
    );
    expect(sdk).toContain("var SecretClient = class");
  });

  it("an aws-ssm remote loads the aws-ssm chunk, which holds no Secrets Manager client (its foreign entries included)", () => {
    const mods = modulesLoaded(
      [
        "diff",
        "-r",
        "aws-ssm://x/*?region=us-east-1&endpoint=http://127.0.0.1:9",
        "--retries",
        "0",
      ],
      dir,
    );
    const ssm = mods.find((m) => m.endsWith("aws-ssm.cjs"));
    expect(ssm).toBeDefined();
    const text = readFileSync(ssm!, "utf8");
    // The foreign-entry access (listing, reading, adopting) is the SSM store's own.
    expect(text).toContain("AddTagsToResourceCommand");
    expect(text).not.toContain("SecretsManagerClient");
    expect(mods.some((m) => m.endsWith("aws-sm.cjs"))).toBe(false);
  });

  it("a sops read of a dotenv file loads the sops chunk and no yaml; a dotenvx read of 20 values compiles libsecp256k1", async () => {
    const enc = tempDir("envsync-lazy-enc-");
    const identity = await generateIdentity();
    writeFileSync(
      join(enc, ".sops.yaml"),
      `creation_rules:\n  - age: ${await identityToRecipient(identity)}\n`,
    );
    writeFileSync(
      join(enc, ".env"),
      Array.from({ length: 20 }, (_, i) => `KEY_${i}=value-${i}`).join("\n") + "\n",
    );
    const env = { ...process.env, SOPS_AGE_KEY: identity, NO_COLOR: "1" };
    for (const remote of ["sops:secrets.enc.env", "dotenvx:.env.production"]) {
      const r = spawnSync(process.execPath, [BIN, "sync", "-r", remote], {
        cwd: enc,
        env,
        encoding: "utf8",
      });
      expect(r.status, r.stderr).toBe(0);
    }
    process.env.SOPS_AGE_KEY = identity;
    try {
      const sops = modulesLoaded(["export", "--format", "json", "-r", "sops:secrets.enc.env"], enc);
      expect(sops.some((m) => m.endsWith("sops.cjs"))).toBe(true);
      expect(sops.some((m) => m.endsWith("yaml.cjs"))).toBe(false);
      // The data key opens with node:crypto: the age-encryption package stays unloaded;
      // a new file's data key is encrypted to its recipient by the package (control).
      expect(sops.some((m) => m.endsWith("age.cjs"))).toBe(false);
      const create = modulesLoaded(["push", "-r", "sops:new.enc.env"], enc);
      expect(create.some((m) => m.endsWith("age.cjs"))).toBe(true);
    } finally {
      delete process.env.SOPS_AGE_KEY;
    }
    const dotenvx = modulesLoaded(
      ["export", "--format", "json", "-r", "dotenvx:.env.production"],
      enc,
    );
    expect(dotenvx.some((m) => m.endsWith("dotenvx.cjs"))).toBe(true);
    expect(dotenvx.filter((m) => m.endsWith(".wasm")).map((m) => m.split(/[/\\]/).pop())).toEqual([
      "secp256k1.wasm",
    ]);
  });

  it.each([
    ["http://127.0.0.1:9", false],
    ["https://127.0.0.1:9", true],
  ])(
    "a vault remote at %s loads TLS only for an https address, and never node:http(s): %s",
    (address, secure) => {
      const mods = modulesLoaded(["diff", "-r", "vault:///secret/x", "--retries", "0"], dir, {
        VAULT_ADDR: address,
        VAULT_TOKEN: "lazy-load-test",
      });
      expect(chunkNames(mods)).toEqual(["vault.cjs"]);
      expect(mods).toContain("node:net");
      expect(mods.includes("node:tls"), "node:tls").toBe(secure);
      for (const m of ["node:http", "node:https"]) expect(mods, m).not.toContain(m);
    },
  );

  it("control: run loads child_process (so the probe sees built-ins)", () => {
    const mods = modulesLoaded(
      ["run", "-r", "file:remote.env", "--", process.execPath, "-e", "0"],
      dir,
    );
    expect(mods).toContain("node:child_process");
  });
});
