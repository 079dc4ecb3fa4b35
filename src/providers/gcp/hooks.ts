/**
 * What the Google Secret Manager provider tells envsync besides how to open a store:
 * credentials as Application Default Credentials would find them, the seed flags,
 * External Secrets Operator references, capabilities. Loads no SDK.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { readText, tilde } from "../credential-files.js";
import type { CredentialsFinding, Environ, ProviderHooks } from "../types.js";
import type { RemoteUri } from "../uri.js";
import { parseGcpTarget } from "./target.js";
import { redactUrl } from "../../redact.js";

/** Google Application Default Credentials, as far as they can be seen without calling Google. */
function gcpCredentials(uri: RemoteUri, env: Environ, home: string): CredentialsFinding {
  const endpoint = uri.params.get("endpoint");
  if (endpoint?.startsWith("http://"))
    return {
      found: true,
      source: `none needed: plain-text emulator endpoint ${redactUrl(endpoint)}`,
    };
  const describe = (path: string, label: string): CredentialsFinding => {
    const text = readText(path);
    if (text === null)
      return {
        found: false,
        source: `${label} names ${tilde(path, home)}, which cannot be read`,
        advice: "Point GOOGLE_APPLICATION_CREDENTIALS at a readable key or config file.",
      };
    let type = "unknown type";
    try {
      const t = (JSON.parse(text) as { type?: unknown }).type;
      if (typeof t === "string") type = t;
    } catch {
      return {
        found: false,
        source: `${tilde(path, home)} is not JSON`,
        advice: "Recreate it (`gcloud auth application-default login`).",
      };
    }
    const kinds: Record<string, string> = {
      service_account: "service account key",
      authorized_user: "user credentials (gcloud auth application-default login)",
      external_account: "workload identity federation",
      impersonated_service_account: "service account impersonation",
    };
    return {
      found: true,
      source: `Google ADC: ${kinds[type] ?? type} from ${label} (${tilde(path, home)})`,
    };
  };
  if (env.GOOGLE_APPLICATION_CREDENTIALS)
    return describe(env.GOOGLE_APPLICATION_CREDENTIALS, "GOOGLE_APPLICATION_CREDENTIALS");
  const dir =
    env.CLOUDSDK_CONFIG ??
    (process.platform === "win32" && env.APPDATA
      ? join(env.APPDATA, "gcloud")
      : join(home, ".config", "gcloud"));
  const wellKnown = join(dir, "application_default_credentials.json");
  if (existsSync(wellKnown)) return describe(wellKnown, "the gcloud well-known file");
  if (env.K_SERVICE || env.FUNCTION_TARGET || env.GAE_SERVICE || env.CLOUD_RUN_JOB)
    return {
      found: true,
      source: "Google metadata server (running on Cloud Run, Cloud Functions or App Engine)",
    };
  return {
    found: false,
    source:
      "no Google Application Default Credentials found locally (GOOGLE_APPLICATION_CREDENTIALS, gcloud well-known file)",
    advice:
      "Run `gcloud auth application-default login`, or set GOOGLE_APPLICATION_CREDENTIALS. On GCE/GKE the metadata server may still answer: the read below tells.",
  };
}

/** Google Secret Manager: `gcp-sm://PROJECT/SECRET` (bundle) or `gcp-sm://PROJECT/PREFIX*` (per key). */
export const gcpSecretManagerHooks: ProviderHooks = {
  example: "gcp-sm://PROJECT/SECRET or gcp-sm://PROJECT/PREFIX*",
  foreign: () => import("./foreign.js"),
  capabilities: (uri) => ({
    versions: !uri.target.endsWith("*"),
    softDelete: false,
    compareAndSwap: false,
  }),
  credentials: gcpCredentials,
  // A bare HOST[:PORT] means TLS (as the store reads it, see parseEndpoint).
  address: (uri, env) => {
    const raw = (uri.params.get("endpoint") ?? env.ENVSYNC_GCP_SM_ENDPOINT)?.trim();
    return raw ? (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `https://${raw}`) : undefined;
  },
  seed: {
    cloud: "gcp",
    toUri: (seed, need) =>
      `gcp-sm://${need(seed.projectId, "--project-id")}/${need(seed.secretName, "--secret-name")}`,
  },
  remoteRef(uri, keys) {
    const t = parseGcpTarget(uri.target);
    return Promise.resolve(
      t.layout === "bundle"
        ? { layout: "bundle", key: t.secretId }
        : { layout: "per-key", names: new Map(keys.map((k) => [k, `${t.prefix}${k}`])) },
    );
  },
};
