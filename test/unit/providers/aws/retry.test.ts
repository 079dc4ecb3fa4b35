/**
 * Retries are envsync's, counted once: the SDK's own retries are off, transient
 * answers (throttling, 5xx) are retried with backoff, others fail at once with a
 * mapped error. A tiny local HTTP server plays the AWS JSON protocol. Every case runs
 * on both transports (src/providers/aws/client.ts): the small client and the SDK.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { isEnvsyncError } from "../../../../src/errors.js";
import { silentLogger } from "../../../../src/logger.js";
import type { CountsCalls } from "../../../../src/providers/aws/common.js";
import { createStore } from "../../../../src/providers/aws/secrets-manager.js";
import type { Store } from "../../../../src/providers/types.js";
import { parseRemoteUri } from "../../../../src/providers/uri.js";

type Reply = { status: number; type?: string; body: unknown };
let replies: Reply[] = [];
let seen: string[] = [];
let server: Server;
let port = 0;

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on("end", () => {
      seen.push(String(req.headers["x-amz-target"] ?? ""));
      const r = replies.shift() ?? { status: 500, type: "InternalServiceError", body: {} };
      res.writeHead(r.status, {
        "content-type": "application/x-amz-json-1.1",
        ...(r.type ? { "x-amzn-errortype": r.type } : {}),
      });
      res.end(
        JSON.stringify(r.type ? { __type: r.type, message: "m", ...(r.body as object) } : r.body),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const addr = server.address();
  port = typeof addr === "object" && addr ? addr.port : 0;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  replies = [];
  seen = [];
});

const store = (): Store & CountsCalls =>
  createStore(
    parseRemoteUri(
      `aws-sm://app/dev?region=us-east-1&endpoint=${encodeURIComponent(`http://127.0.0.1:${port}`)}`,
    ),
    {
      cwd: "/",
      env: {},
      logger: silentLogger,
      concurrency: 2,
      retry: { maxAttempts: 4, maxDelayMs: 20 },
      clientOptions: { "aws-sm": { credentials: { accessKeyId: "k", secretAccessKey: "s" } } },
    },
  );
const ok: Reply = {
  status: 200,
  body: { ARN: "arn", Name: "app/dev", VersionId: "v1", SecretString: '{"A":"1"}' },
};

describe.each(["small", "sdk"])("AWS retries (%s client)", (transport) => {
  beforeEach(() => {
    if (transport === "sdk") process.env.ENVSYNC_AWS_SDK = "1";
    else delete process.env.ENVSYNC_AWS_SDK;
  });
  afterAll(() => {
    delete process.env.ENVSYNC_AWS_SDK;
  });

  it("the store uses the transport under test", () => {
    expect(store().calls.transport).toBe(transport);
  });

  it("retries throttling and 5xx, then succeeds; each attempt is one request", async () => {
    replies = [
      { status: 400, type: "ThrottlingException", body: {} },
      { status: 503, type: "ServiceUnavailable", body: {} },
      ok,
    ];
    const s = store();
    const snap = await s.read();
    expect(snap.values.get("A")).toBe("1");
    expect(snap.version).toBe("v1");
    expect(seen).toEqual(Array(3).fill("secretsmanager.GetSecretValue"));
    expect(s.calls.total()).toBe(3);
    // Two of the three attempts were retries: the design made one call.
    expect(s.calls.retries("GetSecretValue")).toBe(2);
    expect(s.calls.made()).toBe(1);
  });

  it("gives up after maxAttempts with a NETWORK error", async () => {
    replies = Array.from({ length: 6 }, () => ({
      status: 400,
      type: "ThrottlingException",
      body: {},
    }));
    const s = store();
    let err: unknown;
    try {
      await s.read();
    } catch (e) {
      err = e;
    }
    expect(isEnvsyncError(err, "NETWORK")).toBe(true);
    expect(seen).toHaveLength(4);
  });

  it.each([
    ["AccessDeniedException", "AUTH"],
    ["UnrecognizedClientException", "AUTH"],
    ["ValidationException", "PROVIDER"],
  ])("does not retry %s (→ %s)", async (type, code) => {
    replies = [{ status: 400, type, body: {} }, ok];
    const s = store();
    let err: unknown;
    try {
      await s.read();
    } catch (e) {
      err = e;
    }
    expect(isEnvsyncError(err, code as "AUTH")).toBe(true);
    expect(seen).toHaveLength(1);
  });

  it("a missing secret reads as not existing, without retries", async () => {
    replies = [{ status: 400, type: "ResourceNotFoundException", body: {} }];
    const snap = await store().read();
    expect(snap.exists).toBe(false);
    expect(seen).toHaveLength(1);
  });
});
