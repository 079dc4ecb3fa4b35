import { describe, expect, it } from "vitest";
import { EnvsyncError } from "../../../../src/errors.js";
import { isTransient } from "../../../../src/providers/retry.js";
import { parseTransport } from "../../../../src/providers/gcp/api.js";
import { toEnvsyncError } from "../../../../src/providers/gcp/errors.js";
import { restError } from "../../../../src/providers/gcp/rest-api.js";

const google = (code: number, status: string, message: string): string =>
  JSON.stringify({ error: { code, status, message } });

describe("restError: Google's REST errors carry the gRPC code of the same failure", () => {
  it.each([
    [404, google(404, "NOT_FOUND", "Secret [projects/p/secrets/s] not found."), 5],
    [400, google(400, "FAILED_PRECONDITION", "Secret Version [v] is in DISABLED state."), 9],
    [400, google(400, "INVALID_ARGUMENT", "Field [payload] is required."), 3],
    [409, google(409, "ALREADY_EXISTS", "Secret [s] already exists."), 6],
    [409, google(409, "ABORTED", "Concurrent update."), 10],
    [403, google(403, "PERMISSION_DENIED", "Permission denied on resource project p."), 7],
    [401, google(401, "UNAUTHENTICATED", "Request had invalid authentication credentials."), 16],
    [429, google(429, "RESOURCE_EXHAUSTED", "Quota exceeded."), 8],
    [503, google(503, "UNAVAILABLE", "The service is currently unavailable."), 14],
    // The status name decides, not the HTTP code.
    [400, google(400, "NOT_FOUND", "odd but named"), 5],
    // No status name: the HTTP code's own (google.rpc.Code's HTTP mapping).
    [404, JSON.stringify({ error: { code: 404, message: "gone" } }), 5],
    // Not JSON (a proxy's page): the HTTP code alone.
    [502, "<html>Bad Gateway</html>", 13],
    [503, "Service Unavailable", 14],
    // A 404 page is no route (a wrong endpoint), never an absent secret.
    [404, "<html>404 Not Found</html>", 12],
  ])("HTTP %i %s → code %i", (status, body, code) => {
    const e = restError(status, body);
    expect(e.code).toBe(code);
    expect(e.httpStatus).toBe(status);
    expect(e.details).not.toBe("");
  });

  it("is retried exactly when the gRPC error would be", () => {
    expect(isTransient(restError(503, google(503, "UNAVAILABLE", "x")))).toBe(true);
    expect(isTransient(restError(429, google(429, "RESOURCE_EXHAUSTED", "x")))).toBe(true);
    expect(isTransient(restError(409, google(409, "ABORTED", "x")))).toBe(true);
    expect(isTransient(restError(404, google(404, "NOT_FOUND", "x")))).toBe(false);
    expect(isTransient(restError(400, google(400, "FAILED_PRECONDITION", "x")))).toBe(false);
    expect(isTransient(restError(403, google(403, "PERMISSION_DENIED", "x")))).toBe(false);
  });

  it("maps to the same envsync errors as the gRPC statuses", () => {
    const of = (status: number, body: string): EnvsyncError =>
      toEnvsyncError(restError(status, body), "read", "gcp-sm://p/s", "p");
    expect(of(401, google(401, "UNAUTHENTICATED", "bad token")).code).toBe("AUTH");
    expect(of(403, google(403, "PERMISSION_DENIED", "denied")).code).toBe("AUTH");
    expect(
      of(
        403,
        google(
          403,
          "PERMISSION_DENIED",
          "Secret Manager API has not been used in project 123 before or it is disabled.",
        ),
      ).message,
    ).toMatch(/not enabled in project p/);
    expect(of(404, google(404, "NOT_FOUND", "Project p not found.")).code).toBe("NOT_FOUND");
    expect(of(503, google(503, "UNAVAILABLE", "down")).code).toBe("NETWORK");
    expect(of(500, google(500, "INTERNAL", "oops")).code).toBe("PROVIDER");
  });
});

describe("parseTransport", () => {
  it("is REST unless gRPC is asked for", () => {
    expect(parseTransport(undefined)).toBe("rest");
    expect(parseTransport("")).toBe("rest");
    expect(parseTransport("REST")).toBe("rest");
    expect(parseTransport(" grpc ")).toBe("grpc");
  });

  it("refuses anything else as a URI error (exit 2)", () => {
    expect(() => parseTransport("http2")).toThrow(EnvsyncError);
    try {
      parseTransport("http2");
    } catch (e) {
      expect((e as EnvsyncError).code).toBe("URI");
      expect((e as EnvsyncError).hint).toMatch(/transport=grpc/);
    }
  });
});
