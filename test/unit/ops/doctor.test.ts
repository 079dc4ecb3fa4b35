/**
 * The pure parts of `doctor`: where each cloud's credential chain would find
 * credentials (environment and well-known files in a temp home, never a cloud
 * call), the .gitignore fallback matcher, and the INI reader for AWS files.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { detectCredentials, gitignoreIgnores } from "../../../src/ops/doctor.js";
import { parseIni } from "../../../src/providers/aws/hooks.js";
import { parseRemoteUri } from "../../../src/providers/uri.js";

function home(files: Record<string, string> = {}): string {
  const h = mkdtempSync(join(tmpdir(), "envsync-home-"));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(h, rel, ".."), { recursive: true });
    writeFileSync(join(h, rel), text);
  }
  return h;
}

const creds = (uri: string, env: Record<string, string>, h: string) =>
  detectCredentials(parseRemoteUri(uri), env, h);

const AWS = "aws-sm://app/dev?region=eu-west-1";
const GCP = "gcp-sm://proj/app";
const AZ = "azure-kv://vault/app";

describe("detectCredentials", () => {
  it.each<[string, string, Record<string, string>, Record<string, string>, boolean, string]>([
    [
      "aws env keys",
      AWS,
      { AWS_ACCESS_KEY_ID: "x", AWS_SECRET_ACCESS_KEY: "y" },
      {},
      true,
      "AWS environment variables",
    ],
    [
      "aws default profile keys",
      AWS,
      {},
      { ".aws/credentials": "[default]\naws_access_key_id = x\n" },
      true,
      'profile "default"',
    ],
    [
      "aws SSO profile",
      AWS,
      { AWS_PROFILE: "dev" },
      { ".aws/config": "[profile dev]\nsso_session = corp\n" },
      true,
      "SSO",
    ],
    [
      "aws profile= in the URI wins over env keys",
      `${AWS}&profile=ops`,
      { AWS_ACCESS_KEY_ID: "x", AWS_SECRET_ACCESS_KEY: "y" },
      {
        ".aws/config":
          "[profile ops]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = default\n",
      },
      true,
      "assumed role",
    ],
    [
      "aws credential_process",
      AWS,
      { AWS_PROFILE: "p" },
      { ".aws/config": "[profile p]\ncredential_process = /bin/true\n" },
      true,
      "credential_process",
    ],
    [
      "aws web identity",
      AWS,
      { AWS_WEB_IDENTITY_TOKEN_FILE: "/t", AWS_ROLE_ARN: "arn" },
      {},
      true,
      "web identity",
    ],
    [
      "aws container",
      AWS,
      { AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "/v2/x" },
      {},
      true,
      "container",
    ],
    ["aws nothing", AWS, {}, {}, false, "no AWS credentials"],
    ["gcp emulator endpoint", `${GCP}?endpoint=http://127.0.0.1:9`, {}, {}, true, "none needed"],
    [
      "gcp well-known user file",
      GCP,
      {},
      { ".config/gcloud/application_default_credentials.json": '{"type":"authorized_user"}' },
      true,
      "user credentials",
    ],
    [
      "gcp env file missing",
      GCP,
      { GOOGLE_APPLICATION_CREDENTIALS: "/nope.json" },
      {},
      false,
      "cannot be read",
    ],
    ["gcp Cloud Run", GCP, { K_SERVICE: "svc" }, {}, true, "metadata server"],
    ["gcp nothing", GCP, {}, {}, false, "no Google Application Default Credentials"],
    [
      "azure client secret",
      AZ,
      { AZURE_TENANT_ID: "t", AZURE_CLIENT_ID: "c", AZURE_CLIENT_SECRET: "s" },
      {},
      true,
      "client secret",
    ],
    [
      "azure workload identity",
      AZ,
      { AZURE_TENANT_ID: "t", AZURE_CLIENT_ID: "c", AZURE_FEDERATED_TOKEN_FILE: "/f" },
      {},
      true,
      "workload identity",
    ],
    ["azure managed identity", AZ, { IDENTITY_ENDPOINT: "http://x" }, {}, true, "managed identity"],
    [
      "azure CLI",
      AZ,
      {},
      { ".azure/azureProfile.json": "{}", ".azure/msal_token_cache.json": "{}" },
      true,
      "Azure CLI",
    ],
    ["azure nothing", AZ, {}, {}, false, "no Azure credentials"],
    ["file remote", "file:x.env", {}, {}, true, "none needed"],
  ])("%s", (_name, uri, env, files, found, text) => {
    const c = creds(uri, env, home(files));
    expect(c.found).toBe(found);
    expect(c.source).toContain(text);
    if (!found) expect(c.advice).toBeTruthy();
  });

  it("GCP: reads the credential type from GOOGLE_APPLICATION_CREDENTIALS", () => {
    const h = home({ "sa.json": '{"type":"service_account"}' });
    const c = creds(GCP, { GOOGLE_APPLICATION_CREDENTIALS: join(h, "sa.json") }, h);
    expect(c).toMatchObject({ found: true });
    expect(c.source).toContain("service account key");
    expect(c.source).toContain("~/sa.json");
  });
});

describe("gitignoreIgnores (fallback when git is absent)", () => {
  it.each<[string, string, boolean, boolean]>([
    [".env\n", ".env", false, true],
    ["/.env\n", ".env", false, true],
    [".env*\n", ".env", false, true],
    [".env.*\n", ".env", false, false],
    ["*.env\n", ".env", false, true],
    ["# .env\n", ".env", false, false],
    [".env\n!.env\n", ".env", false, false],
    [".envsync/\n", ".envsync", true, true],
    [".envsync\n", ".envsync", true, true],
    [".envsync/\n", ".envsync", false, false],
    ["config/\n", "config/.env", false, true],
    ["/config/.env\n", "config/.env", false, true],
    ["**/.env\n", "config/.env", false, true],
    [".env\n", "config/.env", false, true],
    ["/.env\n", "config/.env", false, false],
    ["", ".env", false, false],
  ])("%j ignores %s (dir %s): %s", (text, path, isDir, expected) => {
    expect(gitignoreIgnores(text, path, isDir)).toBe(expected);
  });
});

describe("parseIni", () => {
  it("reads sections and lower-cased keys, skipping comments", () => {
    const ini = parseIni(
      "# c\n[default]\nAWS_Access_Key_ID = x\n; c\n[profile dev]\nregion=eu-west-1\n",
    );
    expect(ini.get("default")?.get("aws_access_key_id")).toBe("x");
    expect(ini.get("profile dev")?.get("region")).toBe("eu-west-1");
  });
});
