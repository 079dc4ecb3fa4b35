/**
 * The small AWS client over TLS (src/providers/aws/client.ts): moto speaks plain HTTP,
 * so this plays Secrets Manager's JSON-1.1 answer from a local HTTPS server with a
 * certificate made by openssl and trusted through NODE_EXTRA_CA_CERTS. The built CLI
 * reads the same bundle through the small client and through the SDK; the requests
 * carry the SigV4 authorization of the environment's keys and the session token.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, tempDir } from "./helpers.js";

const dir = tempDir("envsync-https-");
const cert = join(dir, "cert.pem");
const key = join(dir, "key.pem");
let server: Server;
let endpoint = "";
const seen: { target: string; auth: string; token: string }[] = [];

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
      key,
      "-out",
      cert,
      "-days",
      "2",
      "-subj",
      "/CN=envsync test",
      "-addext",
      "subjectAltName=IP:127.0.0.1",
    ],
    { stdio: "ignore" },
  );
  server = createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (req, res) => {
    req.resume();
    req.on("end", () => {
      seen.push({
        target: String(req.headers["x-amz-target"]),
        auth: String(req.headers.authorization),
        token: String(req.headers["x-amz-security-token"]),
      });
      res.writeHead(200, { "content-type": "application/x-amz-json-1.1" });
      res.end(
        JSON.stringify({
          ARN: "arn:aws:secretsmanager:us-east-1:1:secret:app",
          Name: "app",
          VersionId: "v1",
          VersionStages: ["AWSCURRENT"],
          SecretString: '{"A":"1","B":"two"}',
          CreatedDate: 1.7e9,
        }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  endpoint = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe("AWS over HTTPS", () => {
  it.each([
    ["small client", {}],
    ["SDK", { ENVSYNC_AWS_SDK: "1" }],
  ])("the %s reads the bundle, signed with the environment's keys", async (name, extra) => {
    seen.length = 0;
    const r = await runCli(
      [
        "export",
        "--format",
        "json",
        "-r",
        `aws-sm://app?region=us-east-1&endpoint=${encodeURIComponent(endpoint)}`,
      ],
      {
        cwd: dir,
        env: {
          NODE_EXTRA_CA_CERTS: cert,
          AWS_ACCESS_KEY_ID: "AKIDHTTPS",
          AWS_SECRET_ACCESS_KEY: "secret",
          AWS_SESSION_TOKEN: "session-token",
          AWS_PROFILE: undefined,
          ENVSYNC_AWS_SDK: undefined,
          ...extra,
        },
      },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ A: "1", B: "two" });
    expect(seen.map((s) => s.target)).toEqual(["secretsmanager.GetSecretValue"]);
    expect(seen[0]!.auth).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDHTTPS\/\d{8}\/us-east-1\/secretsmanager\/aws4_request, SignedHeaders=.*x-amz-security-token.*, Signature=[0-9a-f]{64}$/,
    );
    expect(seen[0]!.token).toBe("session-token");
    // The SDK signs its invocation id; the small client sends none: the transport is the one named.
    expect(seen[0]!.auth.includes("amz-sdk-invocation-id")).toBe(name === "SDK");
  });
});
