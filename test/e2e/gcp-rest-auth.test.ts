/**
 * Google credentials on the REST transport, end to end on the built CLI: an ADC file
 * (GOOGLE_APPLICATION_CREDENTIALS) for workload identity federation is turned into an
 * access token by google-auth-library (the CI's token exchanged at the file's
 * `token_url`, here a loopback token service), and every Secret Manager call carries
 * it. (A service-account key would do the same, but its token endpoint is fixed to
 * Google's.) The
 * "Google front end" is a TLS proxy on loopback (a certificate made here with openssl,
 * trusted through NODE_EXTRA_CA_CERTS) that refuses a call without the token
 * (401 UNAUTHENTICATED, as Google) and forwards the others to the harness's stand-in,
 * so the store's semantics are the stand-in's. Canary values never reach the output.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, request, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canary, runCli, tempDir } from "./helpers.js";
import { freshGsmProject, gsmAdmin, gsmEndpoint } from "../support/gsm-admin.js";

const dir = tempDir("envsync-gcp-auth-");
const gsm = gsmAdmin();
const servers: Server[] = [];
const token = `ya29.test-${randomBytes(6).toString("hex")}`;
/** What the token service and the front end saw. */
const seen = { grants: [] as URLSearchParams[], auth: [] as string[] };
/** How the token service answers (changed per test). */
let tokenAnswer: { status: number; body: unknown } = {
  status: 200,
  body: {
    access_token: token,
    issued_token_type: "urn:ietf:params:oauth:token-type:access_token",
    expires_in: 3600,
    token_type: "Bearer",
  },
};
let frontPort = 0;
let tokenPort = 0;

const listen = (s: Server): Promise<number> =>
  new Promise((resolve) => {
    servers.push(s);
    s.listen(0, "127.0.0.1", () => resolve((s.address() as AddressInfo).port));
  });

/** The OIDC token a CI runner would hold (any opaque text works for the exchange). */
const subjectToken = `oidc-${randomBytes(6).toString("hex")}`;

/**
 * A workload identity federation ADC file (`external_account`, what
 * `gcloud iam workload-identity-pools create-cred-config` writes for CI): the subject
 * token is read from a file and exchanged at `token_url` for an access token.
 */
function adcFile(tokenUrl: string): string {
  const file = join(dir, `adc-${randomBytes(3).toString("hex")}.json`);
  writeFileSync(join(dir, "oidc-token"), subjectToken);
  writeFileSync(
    file,
    JSON.stringify({
      type: "external_account",
      audience:
        "//iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/ci/providers/runner",
      subject_token_type: "urn:ietf:params:oauth:token-type:jwt",
      token_url: tokenUrl,
      credential_source: { file: join(dir, "oidc-token") },
    }),
  );
  return file;
}

beforeAll(async () => {
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      join(dir, "key.pem"),
      "-out",
      join(dir, "cert.pem"),
      "-days",
      "2",
      "-subj",
      "/CN=127.0.0.1",
      "-addext",
      "subjectAltName=IP:127.0.0.1",
    ],
    { stdio: "ignore" },
  );
  tokenPort = await listen(
    createHttpServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString("utf8")));
      req.on("end", () => {
        seen.grants.push(new URLSearchParams(body));
        res
          .writeHead(tokenAnswer.status, { "content-type": "application/json" })
          .end(JSON.stringify(tokenAnswer.body));
      });
    }),
  );
  const [host = "", port = ""] = gsmEndpoint().split(":");
  frontPort = await listen(
    createHttpsServer(
      { key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) },
      (req, res) => {
        const auth = req.headers.authorization ?? "";
        seen.auth.push(auth);
        if (auth !== `Bearer ${token}`) {
          req.resume();
          res.writeHead(401, { "content-type": "application/json" }).end(
            JSON.stringify({
              error: {
                code: 401,
                status: "UNAUTHENTICATED",
                message: "Request had invalid authentication credentials.",
              },
            }),
          );
          return;
        }
        const up = request(
          { host, port: Number(port), method: req.method, path: req.url, headers: req.headers },
          (r) => {
            res.writeHead(r.statusCode ?? 502, r.headers);
            r.pipe(res);
          },
        );
        req.pipe(up);
      },
    ),
  );
});

afterAll(async () => {
  await gsm.close();
  for (const s of servers) s.close();
});

function env(keyPath: string): Record<string, string> {
  return {
    GOOGLE_APPLICATION_CREDENTIALS: keyPath,
    NODE_EXTRA_CA_CERTS: join(dir, "cert.pem"),
    METADATA_SERVER_DETECTION: "none",
  };
}

describe("Google REST transport with Application Default Credentials (workload identity federation)", () => {
  it("exchanges the CI token for an access token once, and sends it on every call (push, then pull)", async () => {
    const project = freshGsmProject("auth");
    const remote = `gcp-sm://${project}/app?endpoint=https://127.0.0.1:${frontPort}`;
    const value = canary("GAUTH");
    const cwd = tempDir();
    writeFileSync(join(cwd, ".env"), `API_KEY=${value}\n`);
    const adc = adcFile(`http://127.0.0.1:${tokenPort}/token`);
    seen.grants.length = 0;
    seen.auth.length = 0;
    const push = await runCli(["push", "-r", remote, "--yes"], { cwd, env: env(adc) });
    expect(push.code, push.stderr).toBe(0);
    // The stand-in holds what was pushed (read with the official gRPC client).
    const [v] = await gsm
      .client()
      .accessSecretVersion({ name: `projects/${project}/secrets/app/versions/latest` });
    expect(JSON.parse(Buffer.from(v.payload?.data ?? "").toString("utf8"))).toEqual({
      API_KEY: value,
    });
    // One token for the process, by the JWT-bearer grant of the key's account.
    expect(seen.grants).toHaveLength(1);
    const grant = seen.grants[0]!;
    expect(grant.get("grant_type")).toBe("urn:ietf:params:oauth:grant-type:token-exchange");
    expect(grant.get("subject_token")).toBe(subjectToken);
    expect(grant.get("scope")).toBe("https://www.googleapis.com/auth/cloud-platform");
    expect(seen.auth.length).toBeGreaterThan(0);
    expect(new Set(seen.auth)).toEqual(new Set([`Bearer ${token}`]));

    const other = tempDir();
    writeFileSync(join(other, ".env"), "");
    const pull = await runCli(["pull", "-r", remote, "--yes"], { cwd: other, env: env(adc) });
    expect(pull.code, pull.stderr).toBe(0);
    expect(readFileSync(join(other, ".env"), "utf8")).toContain(`API_KEY=${value}`);
  });

  it("a token Google refuses is an AUTH error with the ADC hint, not a crash", async () => {
    tokenAnswer = {
      status: 400,
      body: {
        error: "invalid_grant",
        error_description: "The audience in ID Token does not match.",
      },
    };
    try {
      const remote = `gcp-sm://${freshGsmProject("auth")}/app?endpoint=https://127.0.0.1:${frontPort}`;
      const r = await runCli(["diff", "-r", remote, "--retries", "0"], {
        cwd: tempDir(),
        env: env(adcFile(`http://127.0.0.1:${tokenPort}/token`)),
      });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/rejected the credentials/);
      expect(r.stderr).toMatch(/gcloud auth application-default login/);
    } finally {
      tokenAnswer = {
        status: 200,
        body: {
          access_token: token,
          issued_token_type: "urn:ietf:params:oauth:token-type:access_token",
          expires_in: 3600,
          token_type: "Bearer",
        },
      };
    }
  });

  it("a token service that does not answer is a network error", async () => {
    const closed = await listen(createHttpServer());
    servers.pop()!.close();
    const remote = `gcp-sm://${freshGsmProject("auth")}/app?endpoint=https://127.0.0.1:${frontPort}`;
    const r = await runCli(["diff", "-r", remote, "--retries", "0"], {
      cwd: tempDir(),
      env: env(adcFile(`http://127.0.0.1:${closed}/token`)),
    });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/NETWORK|network|token service/);
  });
});
