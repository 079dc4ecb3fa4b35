/**
 * What the AWS providers (Secrets Manager, SSM Parameter Store) tell envsync besides
 * how to open a store: credentials as the SDK's default chain would find them, the
 * seed flags, External Secrets Operator references, capabilities. Loads no SDK.
 */
import { join } from "node:path";
import { readText, tilde } from "../credential-files.js";
import type { CredentialsFinding, Environ, ProviderHooks } from "../types.js";
import type { RemoteUri } from "../uri.js";

/** Sections of an INI file (AWS shared config/credentials): name → keys. */
export function parseIni(text: string): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  let current: Map<string, string> | null = null;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const section = /^\[\s*(.+?)\s*\]$/.exec(line);
    if (section) {
      current = new Map();
      out.set(section[1]!, current);
      continue;
    }
    const kv = /^([^=]+?)\s*=\s*(.*)$/.exec(line);
    if (kv && current) current.set(kv[1]!.toLowerCase(), kv[2]!);
  }
  return out;
}

/** The AWS SDK's default chain, as far as it can be seen without calling AWS. */
function awsCredentials(uri: RemoteUri, env: Environ, home: string): CredentialsFinding {
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY && !uri.params.get("profile"))
    return {
      found: true,
      source: `AWS environment variables (AWS_ACCESS_KEY_ID${env.AWS_SESSION_TOKEN ? " with a session token" : ""})`,
    };
  const profile = uri.params.get("profile") ?? env.AWS_PROFILE ?? "default";
  const from = uri.params.get("profile")
    ? "profile= in the remote"
    : env.AWS_PROFILE
      ? "AWS_PROFILE"
      : "default";
  const credsPath = env.AWS_SHARED_CREDENTIALS_FILE ?? join(home, ".aws", "credentials");
  const configPath = env.AWS_CONFIG_FILE ?? join(home, ".aws", "config");
  const creds = parseIni(readText(credsPath) ?? "").get(profile);
  const config = parseIni(readText(configPath) ?? "").get(
    profile === "default" ? "default" : `profile ${profile}`,
  );
  const where = `AWS profile "${profile}" (${from})`;
  if (creds?.has("aws_access_key_id"))
    return { found: true, source: `${where}: keys in ${tilde(credsPath, home)}` };
  if (config) {
    if (config.has("sso_session") || config.has("sso_start_url"))
      return {
        found: true,
        source: `${where}: IAM Identity Center (SSO) in ${tilde(configPath, home)}`,
        advice: `If the read fails with an expired token, run \`aws sso login --profile ${profile}\`.`,
      };
    if (config.has("credential_process"))
      return { found: true, source: `${where}: credential_process in ${tilde(configPath, home)}` };
    if (config.has("role_arn"))
      return { found: true, source: `${where}: assumed role in ${tilde(configPath, home)}` };
    if (config.has("aws_access_key_id"))
      return { found: true, source: `${where}: keys in ${tilde(configPath, home)}` };
  }
  if (env.AWS_WEB_IDENTITY_TOKEN_FILE && env.AWS_ROLE_ARN)
    return {
      found: true,
      source: "AWS web identity (AWS_WEB_IDENTITY_TOKEN_FILE, e.g. EKS IRSA or GitHub OIDC)",
    };
  if (env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI || env.AWS_CONTAINER_CREDENTIALS_FULL_URI)
    return { found: true, source: "AWS container credentials (ECS task role or EKS Pod Identity)" };
  return {
    found: false,
    source: `no AWS credentials found locally (environment, profile "${profile}", web identity, container)`,
    advice:
      "Run `aws configure` or `aws sso login`, set AWS_PROFILE, or add profile=NAME to the remote. On EC2 the instance role may still answer: the read below tells.",
  };
}

/**
 * Where the SDK client connects when it is told: `endpoint=`, else the SDK's own
 * AWS_ENDPOINT_URL_<SERVICE> and AWS_ENDPOINT_URL (unless AWS_IGNORE_CONFIGURED_ENDPOINT_URLS).
 */
function awsAddress(service: string): NonNullable<ProviderHooks["address"]> {
  return (uri, env) =>
    uri.params.get("endpoint") ??
    (env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS === "true"
      ? undefined
      : env[`AWS_ENDPOINT_URL_${service}`] || env.AWS_ENDPOINT_URL || undefined);
}

/** AWS Secrets Manager: `aws-sm://NAME` (bundle) or `aws-sm://PREFIX/*` (per key). */
export const awsSecretsManagerHooks: ProviderHooks = {
  example: "aws-sm://NAME?region=R or aws-sm://PREFIX/*?region=R",
  // The store's own module: foreign entries are part of what it reads (and SSM's
  // client is never loaded for them).
  foreign: () => import("./secrets-manager.js"),
  capabilities: (uri) => {
    const bundle = !uri.target.endsWith("*");
    return { versions: bundle, softDelete: true, compareAndSwap: bundle };
  },
  credentials: awsCredentials,
  address: awsAddress("SECRETS_MANAGER"),
  seed: {
    cloud: "aws",
    toUri: (seed, need) => {
      const name = need(seed.secretName, "--secret-name");
      const q = seed.region ? `?region=${encodeURIComponent(seed.region)}` : "";
      return `aws-sm://${name}${q}`;
    },
  },
  async remoteRef(uri, keys) {
    const { parseSmTarget } = await import("./secrets-manager.js");
    const t = parseSmTarget(uri.target, uri.raw);
    return t.layout === "bundle"
      ? { layout: "bundle", key: t.name }
      : { layout: "per-key", names: new Map(keys.map((k) => [k, `${t.prefix}/${k}`])) };
  },
};

/** AWS SSM Parameter Store: `aws-ssm://PATH/*` (per key). */
export const awsSsmHooks: ProviderHooks = {
  example: "aws-ssm://PATH/*?region=R",
  // The store's own module (no Secrets Manager client loaded for an SSM remote).
  foreign: () => import("./ssm.js"),
  capabilities: () => ({ versions: false, softDelete: false, compareAndSwap: false }),
  credentials: awsCredentials,
  address: awsAddress("SSM"),
  async remoteRef(uri, keys) {
    const { parseSsmTarget } = await import("./ssm.js");
    const path = parseSsmTarget(uri.target, uri.raw);
    return { layout: "per-key", names: new Map(keys.map((k) => [k, `${path}/${k}`])) };
  },
};
