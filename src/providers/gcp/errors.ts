/**
 * Turns Google client errors (gRPC statuses, google-auth-library failures) into
 * envsync errors that say what to do. Pure: tested with plain objects.
 */
import { EnvsyncError } from "../../errors.js";

/** gRPC status codes by name (the store's checks and the REST transport's `error.status`). */
export const Grpc = {
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

const STATUS_NAMES = [
  "OK",
  "CANCELLED",
  "UNKNOWN",
  "INVALID_ARGUMENT",
  "DEADLINE_EXCEEDED",
  "NOT_FOUND",
  "ALREADY_EXISTS",
  "PERMISSION_DENIED",
  "RESOURCE_EXHAUSTED",
  "FAILED_PRECONDITION",
  "ABORTED",
  "OUT_OF_RANGE",
  "UNIMPLEMENTED",
  "INTERNAL",
  "UNAVAILABLE",
  "DATA_LOSS",
  "UNAUTHENTICATED",
];

/** The gRPC status code of an error, or undefined when it is not a gRPC status. */
export function grpcCode(e: unknown): number | undefined {
  if (e === null || typeof e !== "object") return undefined;
  const code = (e as { code?: unknown }).code;
  return typeof code === "number" ? code : undefined;
}

function detailsOf(e: unknown): string {
  if (e === null || typeof e !== "object") return String(e);
  const d = (e as { details?: unknown }).details;
  if (typeof d === "string" && d !== "") return d;
  const m = (e as { message?: unknown }).message;
  return typeof m === "string" ? m : "";
}

const ADC_HINT =
  "Sign in for Application Default Credentials: `gcloud auth application-default login` (or set GOOGLE_APPLICATION_CREDENTIALS to a service account's key file, or run where a service account is attached). envsync keeps no credentials of its own.";

const NO_ADC =
  /could not load the default credentials|unable to detect a project id|default credentials were not found/i;
const BAD_ADC =
  /invalid_grant|invalid_rapt|reauth|could not refresh access token|getting metadata from plugin failed/i;
const API_DISABLED =
  /SERVICE_DISABLED|has not been used in project|API .*is disabled|it is disabled/i;

/**
 * Maps an error from the client to an {@link EnvsyncError}. `action` says what was
 * being done ("read", "write"), `display` names the remote and `project` the
 * project (for hints). Values never appear: Google's messages name resources only.
 */
export function toEnvsyncError(
  e: unknown,
  action: string,
  display: string,
  project: string,
): EnvsyncError {
  if (e instanceof EnvsyncError) return e;
  const code = grpcCode(e);
  const details = detailsOf(e).split("\n")[0]?.slice(0, 300) ?? "";
  const what = `Could not ${action} ${display}`;
  if (NO_ADC.test(details)) {
    return new EnvsyncError("AUTH", `${what}: no Google credentials were found.`, {
      cause: e,
      hint: ADC_HINT,
    });
  }
  if (code === Grpc.UNAUTHENTICATED || BAD_ADC.test(details)) {
    return new EnvsyncError("AUTH", `${what}: Google rejected the credentials (${details}).`, {
      cause: e,
      hint: `Your Application Default Credentials may have expired or been revoked. ${ADC_HINT}`,
    });
  }
  if (API_DISABLED.test(details)) {
    return new EnvsyncError(
      "PROVIDER",
      `${what}: the Secret Manager API is not enabled in project ${project}.`,
      {
        cause: e,
        hint: `Enable it with \`gcloud services enable secretmanager.googleapis.com --project ${project}\` (or in the console), wait a minute, and retry.`,
      },
    );
  }
  if (code === Grpc.PERMISSION_DENIED) {
    return new EnvsyncError("AUTH", `${what}: permission denied (${details}).`, {
      cause: e,
      hint: `Check that project ${project} exists and that your account has roles/secretmanager.secretAccessor and roles/secretmanager.viewer to read, plus roles/secretmanager.secretVersionAdder (bundle) or roles/secretmanager.admin (per-key, which creates and deletes secrets) to write. \`gcloud auth application-default print-access-token\` shows whether ADC works.`,
    });
  }
  if (code === Grpc.NOT_FOUND && /project/i.test(details)) {
    return new EnvsyncError(
      "NOT_FOUND",
      `${what}: project ${project} was not found (${details}).`,
      {
        cause: e,
        hint: "Check the project id in the remote URI (`gcloud projects list` shows the ones you can use).",
      },
    );
  }
  if (
    code === Grpc.UNAVAILABLE ||
    code === Grpc.DEADLINE_EXCEEDED ||
    code === Grpc.RESOURCE_EXHAUSTED
  ) {
    return new EnvsyncError("NETWORK", `${what}: ${STATUS_NAMES[code] ?? code} (${details}).`, {
      cause: e,
      hint:
        code === Grpc.RESOURCE_EXHAUSTED
          ? "A Secret Manager quota was exceeded even after retries: wait a minute, or lower the concurrency."
          : "Check your network, or the endpoint= of the remote if you set one (an emulator must be running).",
    });
  }
  const status = code === undefined ? "error" : (STATUS_NAMES[code] ?? `status ${code}`);
  return new EnvsyncError("PROVIDER", `${what}: ${status} (${details}).`, {
    cause: e,
    hint: "Run with --verbose for details; `envsync doctor` checks credentials and access.",
  });
}
