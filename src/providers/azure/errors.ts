/**
 * Turns what the Azure SDK throws into {@link EnvsyncError}s users can act on.
 * Only status codes, Azure error codes and the vault URL go into messages: never an
 * SDK message (it may quote a request) and never a value.
 */
import { EnvsyncError } from "../../errors.js";

const AUTH_HINT =
  "envsync uses DefaultAzureCredential: sign in with `az login`, run where a managed identity is assigned, or set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (or AZURE_CLIENT_CERTIFICATE_PATH).";

const CREDENTIAL_ERRORS = new Set([
  "CredentialUnavailableError",
  "AggregateAuthenticationError",
  "AuthenticationRequiredError",
  "AuthenticationError",
]);

const DNS_CODES = new Set(["ENOTFOUND", "EAI_AGAIN", "EAI_NONAME"]);
const NET_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
]);
const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/;

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  statusCode?: unknown;
  cause?: unknown;
  details?: unknown;
}

/** Status code of an SDK error (RestError), if any. */
export function statusOf(e: unknown): number | undefined {
  if (e === null || typeof e !== "object") return undefined;
  const s = (e as ErrorLike).statusCode;
  return typeof s === "number" ? s : undefined;
}

/** Azure's error code (`SecretNotFound`, `ForbiddenByRbac`, …) of an SDK error, if any. */
export function azureCodeOf(e: unknown): string | undefined {
  if (e === null || typeof e !== "object") return undefined;
  const { code, details } = e as ErrorLike;
  // The SDK deserializes Key Vault's `innererror` as `innerError`; raw bodies keep the wire name.
  const inner = (
    details as
      | {
          error?: {
            innerError?: { code?: unknown };
            innererror?: { code?: unknown };
            code?: unknown;
          };
        }
      | undefined
  )?.error;
  const innerCode = inner?.innerError?.code ?? inner?.innererror?.code;
  if (typeof innerCode === "string") return innerCode;
  if (typeof inner?.code === "string") return inner.code;
  return typeof code === "string" ? code : undefined;
}

function networkCode(e: unknown, depth = 0): string | undefined {
  if (e === null || typeof e !== "object" || depth > 4) return undefined;
  const { code, cause } = e as ErrorLike;
  if (
    typeof code === "string" &&
    (DNS_CODES.has(code) || NET_CODES.has(code) || TLS_CODES.test(code))
  )
    return code;
  return networkCode(cause, depth + 1);
}

/**
 * Maps an error met while talking to `vaultUrl` about `what` (a secret name or "the
 * vault") to an EnvsyncError. EnvsyncErrors pass through unchanged.
 */
export function toEnvsyncError(e: unknown, vaultUrl: string, what: string): EnvsyncError {
  if (e instanceof EnvsyncError) return e;
  const name = e !== null && typeof e === "object" ? (e as ErrorLike).name : undefined;
  if (typeof name === "string" && CREDENTIAL_ERRORS.has(name)) {
    return new EnvsyncError("AUTH", `No Azure credential could get a token for ${vaultUrl}.`, {
      cause: e,
      hint: AUTH_HINT,
    });
  }
  const status = statusOf(e);
  const code = azureCodeOf(e);
  // Key Vault names a disabled secret by its inner error code, not by message text.
  if (status === 403 && code === "SecretDisabled") {
    return new EnvsyncError("PROVIDER", `${what} in ${vaultUrl} is disabled.`, {
      cause: e,
      hint: "Enable its current version (az keyvault secret set-attributes --enabled true …), or point the remote at another secret.",
    });
  }
  if (status === 401 || status === 403) {
    return new EnvsyncError(
      "AUTH",
      `Azure Key Vault ${vaultUrl} refused access to ${what} (HTTP ${status}${code ? ` ${code}` : ""}).`,
      {
        cause: e,
        hint: "Give the signed-in identity the role 'Key Vault Secrets Officer' on the vault (or 'Key Vault Secrets User' to read only), or an access policy with get, list, set, delete and recover on secrets (purge for --purge). Check with `az keyvault secret list --vault-name NAME`.",
      },
    );
  }
  const net = networkCode(e);
  if (net !== undefined && DNS_CODES.has(net)) {
    return new EnvsyncError(
      "NOT_FOUND",
      `The vault ${vaultUrl} could not be found (DNS lookup failed: ${net}).`,
      {
        cause: e,
        hint: "Check the vault name (the part before .vault.azure.net) or the endpoint= parameter; for sovereign clouds give the full vault URL, e.g. azure-kv://https://NAME.vault.azure.cn/SECRET. Check your network and DNS too.",
      },
    );
  }
  if (net !== undefined && TLS_CODES.test(net)) {
    return new EnvsyncError(
      "NETWORK",
      `The TLS certificate of ${vaultUrl} is not trusted (${net}).`,
      {
        cause: e,
        hint: "For an emulator, add its certificate with NODE_EXTRA_CA_CERTS=cert.pem; never turn TLS checks off.",
      },
    );
  }
  if (net !== undefined) {
    return new EnvsyncError("NETWORK", `Could not reach ${vaultUrl} (${net}).`, {
      cause: e,
      hint: "Check the network, proxy and firewall; envsync retried transient failures before giving up.",
    });
  }
  if (status === 429 || (status !== undefined && status >= 500)) {
    return new EnvsyncError(
      "NETWORK",
      `Azure Key Vault ${vaultUrl} kept failing (HTTP ${status}) for ${what}.`,
      {
        cause: e,
        hint: "The service is throttling or unavailable; wait a little and run the command again.",
      },
    );
  }
  if (status === 404) {
    return new EnvsyncError(
      "NOT_FOUND",
      `${what} was not found in ${vaultUrl}${code ? ` (${code})` : ""}.`,
      {
        cause: e,
        hint: "Check the vault URL and the secret name in the remote URI.",
      },
    );
  }
  return new EnvsyncError(
    "PROVIDER",
    `Azure Key Vault ${vaultUrl} failed on ${what}${status ? ` (HTTP ${status}${code ? ` ${code}` : ""})` : code ? ` (${code})` : ""}.`,
    { cause: e, hint: "Run again with --verbose for details." },
  );
}
