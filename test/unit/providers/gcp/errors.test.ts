import { describe, expect, it } from "vitest";
import { EnvsyncError } from "../../../../src/errors.js";
import { grpcCode, toEnvsyncError } from "../../../../src/providers/gcp/errors.js";

const grpcError = (code: number, details: string) =>
  Object.assign(new Error(`${code} X: ${details}`), { code, details });

describe("toEnvsyncError", () => {
  // One line a case: the error the client throws → code, exit code, a word the hint must contain.
  it.each([
    [
      new Error(
        "Could not load the default credentials. Browse to https://cloud.google.com/docs/authentication/getting-started for more information.",
      ),
      "AUTH",
      1,
      "gcloud auth application-default login",
    ],
    [
      grpcError(16, "Request had invalid authentication credentials."),
      "AUTH",
      1,
      "gcloud auth application-default login",
    ],
    [
      new Error("invalid_grant: reauth related error (invalid_rapt)"),
      "AUTH",
      1,
      "application-default login",
    ],
    [
      grpcError(
        7,
        "Secret Manager API has not been used in project 123 before or it is disabled. Enable it by visiting ...",
      ),
      "PROVIDER",
      1,
      "gcloud services enable secretmanager.googleapis.com --project proj",
    ],
    [
      grpcError(
        7,
        "Permission 'secretmanager.versions.access' denied for resource 'projects/proj/secrets/s' (or it may not exist).",
      ),
      "AUTH",
      1,
      "roles/secretmanager.secretAccessor",
    ],
    [grpcError(5, "Project 'proj' not found or deleted."), "NOT_FOUND", 1, "gcloud projects list"],
    [grpcError(14, "No connection established"), "NETWORK", 1, "endpoint="],
    [grpcError(4, "Deadline exceeded"), "NETWORK", 1, "network"],
    [grpcError(8, "Quota exceeded for quota metric 'Access requests'"), "NETWORK", 1, "quota"],
    [grpcError(3, "Secret id is invalid"), "PROVIDER", 1, "--verbose"],
    [new Error("socket hang up"), "PROVIDER", 1, "doctor"],
  ])("%s → %s", (err, code, exit, hint) => {
    const e = toEnvsyncError(err, "read", "gcp-sm://proj/s", "proj");
    expect(e.code).toBe(code);
    expect(e.exitCode).toBe(exit);
    expect(e.hint).toContain(hint);
    expect(e.message).toContain("gcp-sm://proj/s");
    expect(e.cause).toBe(err);
  });

  it("passes envsync errors through unchanged", () => {
    const e = new EnvsyncError("REMOTE_CHANGED", "moved");
    expect(toEnvsyncError(e, "write", "d", "p")).toBe(e);
  });

  it("keeps only the first line of long details (no stack traces)", () => {
    const e = toEnvsyncError(grpcError(13, "boom\n    at foo (file.js:1:1)"), "read", "d", "p");
    expect(e.message).not.toContain("file.js");
  });

  it("grpcCode reads numeric codes only", () => {
    expect(grpcCode(grpcError(9, "x"))).toBe(9);
    expect(grpcCode(Object.assign(new Error("x"), { code: "ECONNRESET" }))).toBeUndefined();
    expect(grpcCode(null)).toBeUndefined();
  });
});
