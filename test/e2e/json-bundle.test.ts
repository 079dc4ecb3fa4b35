/**
 * Lossless JSON bundles (issue 12): a bundle written by another tool with numbers,
 * booleans, null and nested values; envsync syncs a change to one key. Keys nobody
 * changed keep their exact JSON text and type on the remote, a 20-digit number keeps
 * every digit in `.env` and on the remote, nested values read as their JSON text and
 * are never changed. AWS Secrets Manager on moto and `file:*.json`.
 */
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { describe, expect, it } from "vitest";
import { parse } from "../../src/dotenv/index.js";
import { requireEnv } from "../harness/require-env.js";
import { runCli, tempDir } from "./helpers.js";

// prettier-ignore
const PAIRS: [string, string][] = [
  ["BIG", "12345678901234567890"], ["PI", "3.140"], ["ON", "true"], ["NONE", "null"],
  ["NESTED", '{"a": [1, 2.50]}'], ["S", '"x"'], ["ESC", '"caf\\u00e9"'],
];
/** The document as another tool writes it (compact), or as envsync writes `file:*.json`. */
const doc = (pairs: [string, string][], pretty = false): string =>
  pretty
    ? `{\n${pairs.map(([k, v]) => `  "${k}": ${v}`).join(",\n")}\n}\n`
    : `{${pairs.map(([k, v]) => `"${k}":${v}`).join(",")}}`;
const DOC = doc(PAIRS);

interface Target {
  remote: string;
  arrange(dir: string): Promise<void>;
  text(dir: string): Promise<string>;
}

function awsTarget(): Target {
  const endpoint = requireEnv("ENVSYNC_TEST_MOTO_ENDPOINT", "moto");
  const name = `json-${randomBytes(5).toString("hex")}`;
  const client = new SecretsManagerClient({ endpoint, region: "us-east-1" });
  return {
    remote: `aws-sm://${name}?region=us-east-1&endpoint=${encodeURIComponent(endpoint)}`,
    arrange: async () => {
      await client.send(new CreateSecretCommand({ Name: name, SecretString: DOC }));
    },
    text: async () =>
      (await client.send(new GetSecretValueCommand({ SecretId: name, VersionStage: "AWSCURRENT" })))
        .SecretString ?? "",
  };
}

function fileTarget(): Target {
  return {
    remote: "file:../remote.json",
    arrange: (dir) => {
      writeFileSync(join(dir, "..", "remote.json"), DOC);
      return Promise.resolve();
    },
    text: (dir) => Promise.resolve(readFileSync(join(dir, "..", "remote.json"), "utf8")),
  };
}

async function workingCopy(t: Target): Promise<string> {
  const dir = join(tempDir("envsync-json-"), "wc");
  (await import("node:fs")).mkdirSync(dir);
  writeFileSync(
    join(dir, "envsync.yaml"),
    `environments:\n  dev:\n    remote: ${JSON.stringify(t.remote)}\n`,
  );
  writeFileSync(join(dir, ".env"), "");
  await t.arrange(dir);
  const r = await runCli(["sync"], { cwd: dir });
  expect(r.code, r.stderr).toBe(0);
  return dir;
}

const local = (dir: string): Record<string, string> =>
  parse(readFileSync(join(dir, ".env"), "utf8"));
const edit = (dir: string, key: string, value: string): void => {
  const path = join(dir, ".env");
  const lines = readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => !l.startsWith(`${key}=`));
  writeFileSync(path, `${lines.join("\n").trimEnd()}\n${key}=${value}\n`);
};

describe.each([
  ["aws-sm bundle (moto)", awsTarget],
  ["file:*.json", fileTarget],
])("lossless JSON bundle: %s", (_label, target) => {
  it("reads every value as its JSON text; a 20-digit number keeps every digit", async () => {
    const dir = await workingCopy(target());
    expect(local(dir)).toEqual({
      BIG: "12345678901234567890",
      PI: "3.140",
      ON: "true",
      NONE: "null",
      NESTED: '{"a": [1, 2.50]}',
      S: "x",
      ESC: "café",
    });
  });

  it("changing one key keeps every other key's exact text and type", async () => {
    const t = target();
    const dir = await workingCopy(t);
    edit(dir, "S", "y");
    const r = await runCli(["sync"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const pairs = PAIRS.map(([k, v]): [string, string] => [k, k === "S" ? '"y"' : v]);
    // A patch of the document: the file keeps the compact layout its writer chose.
    expect(await t.text(dir)).toBe(doc(pairs));
    expect(local(dir).BIG).toBe("12345678901234567890");
  });

  it("a changed number, boolean stays typed while its text is a literal of the type", async () => {
    const t = target();
    const dir = await workingCopy(t);
    edit(dir, "BIG", "98765432109876543210");
    edit(dir, "ON", "maybe");
    const r = await runCli(["sync"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const text = await t.text(dir);
    expect(text).toMatch(/"BIG": ?98765432109876543210[,\n}]/);
    const parsed = JSON.parse(text.replace(/98765432109876543210/, "0")) as Record<string, unknown>;
    expect(parsed.ON).toBe("maybe");
    expect(parsed.NONE).toBe(null);
  });

  it("refuses to change a nested value (exit 2) and writes nothing", async () => {
    const t = target();
    const dir = await workingCopy(t);
    const before = await t.text(dir);
    edit(dir, "NESTED", '{"a":[3]}');
    const r = await runCli(["sync"], { cwd: dir });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/NESTED holds a JSON object/);
    expect(await t.text(dir)).toBe(before);
  });
});
