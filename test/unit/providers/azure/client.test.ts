/**
 * The small Key Vault client (src/providers/azure/client.ts) against an in-process
 * HTTP server on loopback: which transport and token source the environment picks,
 * the challenge parsed as @azure/keyvault-common parses it, the first request sent
 * without a token (and without its body), paging by nextLink, errors of the SDK's
 * shape, and the App Service identity leg with its hand-over to DefaultAzureCredential.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  chooseTransport,
  createKvClient,
  errorOfAnswer,
  parseChallenge,
  scopeOf,
  secretOf,
  verifyChallengeResource,
  type CredentialModule,
  type KvClient,
} from "../../../../src/providers/azure/client.js";
import { silentLogger } from "../../../../src/logger.js";
import type { StoreContext } from "../../../../src/providers/types.js";

const CHALLENGE =
  'Bearer authorization="https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47", resource="https://vault.azure.net"';

describe("the challenge", () => {
  it("is parsed as the SDK parses it: resource, tenant from the authorization path", () => {
    const c = parseChallenge(CHALLENGE);
    expect(c).toEqual({
      authorization: "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47",
      resource: "https://vault.azure.net",
      tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
    });
    expect(scopeOf(c)).toBe("https://vault.azure.net/.default");
  });

  it("takes a scope when no resource is named, and a CAE claims challenge", () => {
    const c = parseChallenge(
      'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="insufficient_claims", claims="eyJhY2Nlc3NfdG9rZW4iOnt9fQ==", scope="https://vault.azure.net/.default"',
    );
    expect(scopeOf(c)).toBe("https://vault.azure.net/.default");
    expect(c.error).toBe("insufficient_claims");
    expect(c.claims).toBe("eyJhY2Nlc3NfdG9rZW4iOnt9fQ==");
  });

  it("refuses an authorization URI that is not one", () => {
    expect(() => parseChallenge('Bearer authorization="not a url"')).toThrow(/is invalid/);
  });

  it("checks the resource against the vault's domain, as the SDK does for real vaults", () => {
    expect(() =>
      verifyChallengeResource(
        "https://vault.azure.net/.default",
        "https://my.vault.azure.net/secrets/x",
      ),
    ).not.toThrow();
    expect(() =>
      verifyChallengeResource(
        "https://evil.example/.default",
        "https://my.vault.azure.net/secrets/x",
      ),
    ).toThrow(/does not match the requested domain/);
  });
});

describe("the transport and token source", () => {
  const none = {};
  it("App Service identity variables alone: the small client with the endpoint's tokens", () => {
    const t = chooseTransport(none, {
      IDENTITY_ENDPOINT: "http://127.0.0.1:1/token",
      IDENTITY_HEADER: "h",
    });
    expect(t).toEqual({
      tokens: {
        kind: "app-service",
        identity: { endpoint: new URL("http://127.0.0.1:1/token"), header: "h" },
      },
      tls: {},
    });
  });

  it.each([
    ["AZURE_CLIENT_ID", "a user-assigned identity's client id"],
    ["AZURE_TENANT_ID", "an environment credential in the making"],
    ["AZURE_FEDERATED_TOKEN_FILE", "workload identity"],
    ["AZURE_TOKEN_CREDENTIALS", "a restricted chain"],
    ["IDENTITY_SERVER_THUMBPRINT", "Service Fabric, which comes first"],
  ])("with %s set (%s), tokens come from DefaultAzureCredential", (name) => {
    const t = chooseTransport(none, {
      IDENTITY_ENDPOINT: "http://127.0.0.1:1/token",
      IDENTITY_HEADER: "h",
      [name]: "x",
    });
    expect(t).toEqual({ tokens: { kind: "default" }, tls: {} });
  });

  it("ENVSYNC_AZURE_SDK=1, a proxy, or client options other than a credential pick the SDK", () => {
    expect(chooseTransport(none, { ENVSYNC_AZURE_SDK: "1" })).toEqual({
      sdk: "ENVSYNC_AZURE_SDK=1",
    });
    expect(chooseTransport(none, { HTTPS_PROXY: "http://proxy:3128" })).toEqual({
      sdk: "HTTPS_PROXY is set",
    });
    expect(chooseTransport({ clientOptions: { "azure-kv": { retryOptions: {} } } }, {})).toEqual({
      sdk: "client option retryOptions",
    });
  });

  it("the SDK's tlsOptions (ca, cert, key) go to the vault's connections; other TLS settings pick the SDK", () => {
    expect(
      chooseTransport({ clientOptions: { "azure-kv": { tlsOptions: { ca: "PEM" } } } }, {}),
    ).toEqual({
      tokens: { kind: "default" },
      tls: { ca: "PEM" },
    });
    expect(
      chooseTransport(
        { clientOptions: { "azure-kv": { tlsOptions: { rejectUnauthorized: false } } } },
        {},
      ),
    ).toEqual({ sdk: "client option tlsOptions.rejectUnauthorized" });
  });
});

describe("answers in the SDK's shapes", () => {
  it("a secret bundle: dates from seconds, name and version from the id", () => {
    const s = secretOf({
      id: "https://v.vault.azure.net/secrets/app/0123abcd",
      value: "x",
      contentType: "text/plain",
      tags: { a: "b" },
      attributes: { enabled: true, created: 1700000000, updated: 1700000001 },
    });
    expect(s.name).toBe("app");
    expect(s.value).toBe("x");
    expect(s.properties).toMatchObject({
      name: "app",
      version: "0123abcd",
      vaultUrl: "https://v.vault.azure.net",
      enabled: true,
      createdOn: new Date(1700000000_000),
      updatedOn: new Date(1700000001_000),
      tags: { a: "b" },
      contentType: "text/plain",
    });
  });

  it("an error answer: statusCode, code and the inner code where errors.ts reads them", () => {
    const e = errorOfAnswer(
      403,
      JSON.stringify({
        error: { code: "Forbidden", message: "no", innererror: { code: "SecretDisabled" } },
      }),
    );
    expect(e.name).toBe("RestError");
    expect(e.statusCode).toBe(403);
    expect(e.code).toBe("Forbidden");
    expect(e.details).toEqual({
      error: {
        code: "Forbidden",
        message: "no",
        innerError: { code: "SecretDisabled", message: undefined, innerError: undefined },
      },
    });
    const html = errorOfAnswer(502, "<html>bad gateway</html>");
    expect([html.statusCode, html.code, html.message]).toEqual([
      502,
      undefined,
      "Unexpected status code: 502",
    ]);
  });
});

/** A loopback vault: a bearer challenge, 60 secrets paged by 25 with nextLink, one identity endpoint. */
interface Seen {
  method: string;
  url: string;
  auth: string | undefined;
  body: string;
}
let server: Server;
let vault: string;
const seen: Seen[] = [];
const TOKEN = "token-from-identity";
let identityAnswers = 200;

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const parts: Buffer[] = [];
    req.on("data", (c: Buffer) => parts.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", vault);
      const body = Buffer.concat(parts).toString("utf8");
      const reply = (status: number, payload?: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { "content-type": "application/json", ...headers });
        res.end(payload === undefined ? "" : JSON.stringify(payload));
      };
      if (url.pathname === "/identity") {
        if (req.headers["x-identity-header"] !== "the-header") return reply(401, {});
        if (identityAnswers !== 200) return reply(identityAnswers, { error: "unavailable" });
        expect(url.searchParams.get("api-version")).toBe("2019-08-01");
        expect(url.searchParams.get("resource")).toBe("https://vault.azure.net");
        return reply(200, {
          access_token: TOKEN,
          expires_on: String(Math.floor(Date.now() / 1000) + 3600),
        });
      }
      seen.push({
        method: req.method ?? "",
        url: req.url ?? "",
        auth: req.headers.authorization,
        body,
      });
      if (req.headers.authorization === undefined)
        return reply(
          401,
          { error: { code: "Unauthorized", message: "AKV10000" } },
          { "www-authenticate": CHALLENGE },
        );
      if (!/^Bearer (token-from-identity|token-from-credential)$/.test(req.headers.authorization))
        return reply(401, { error: { code: "Unauthorized", message: "bad token" } });
      if (url.pathname === "/secrets" || url.pathname === "/secrets/") {
        const skip = Number(url.searchParams.get("$skiptoken") ?? "0");
        const max = Number(url.searchParams.get("maxresults") ?? "25");
        const value = Array.from({ length: Math.min(max, 60 - skip) }, (_, i) => ({
          id: `${vault}/secrets/s${skip + i}`,
          attributes: { enabled: true, created: 1700000000, updated: 1700000000 },
          tags: { n: String(skip + i) },
        }));
        const next =
          skip + max < 60 ? `${vault}/secrets?$skiptoken=${skip + max}&maxresults=${max}` : null;
        return reply(200, { value, nextLink: next }, { date: "Mon, 07 Dec 2026 09:00:00 GMT" });
      }
      const m = /^\/secrets\/([^/]+)\/?$/.exec(url.pathname);
      if (m && req.method === "PUT") {
        const b = JSON.parse(body) as { value: string; tags?: Record<string, string> };
        return reply(200, {
          id: `${vault}/secrets/${m[1]}/v1`,
          value: b.value,
          tags: b.tags,
          attributes: { enabled: true, created: 1700000000, updated: 1700000000 },
        });
      }
      if (m && m[1] === "missing")
        return reply(404, {
          error: {
            code: "SecretNotFound",
            message: "A secret with (name/id) missing was not found",
          },
        });
      return reply(400, { error: { code: "BadParameter", message: "unsupported" } });
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  vault = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
});

const ctx = (clientOptions?: StoreContext["clientOptions"]): StoreContext => ({
  cwd: process.cwd(),
  env: {},
  logger: silentLogger,
  concurrency: 4,
  ...(clientOptions ? { clientOptions } : {}),
});

let credentialLoads = 0;
const fakeCredential: CredentialModule = {
  defaultCredential: () => ({
    getToken: () =>
      Promise.resolve({
        token: "token-from-credential",
        expiresOnTimestamp: Date.now() + 3600_000,
      }),
  }),
};
const loadCredential = (): Promise<CredentialModule> => {
  credentialLoads++;
  return Promise.resolve(fakeCredential);
};
const noSdk = (): never => {
  throw new Error("the SDK must not load");
};
const identityEnv = () => ({
  IDENTITY_ENDPOINT: `${vault}/identity`,
  IDENTITY_HEADER: "the-header",
});

function open(env: NodeJS.ProcessEnv): KvClient {
  return createKvClient(vault, ctx(), noSdk, loadCredential, env);
}

describe("the small client on a loopback vault", () => {
  it("first request without a token or body, then the challenge's token from the App Service endpoint", async () => {
    seen.length = 0;
    credentialLoads = 0;
    identityAnswers = 200;
    const c = open(identityEnv());
    expect(c.transport).toBe("small");
    const s = await c.setSecret("app", "canary-value", {
      tags: { a: "b" },
      contentType: "text/plain",
    });
    expect([s.name, s.value, s.properties.version, s.properties.tags]).toEqual([
      "app",
      "canary-value",
      "v1",
      { a: "b" },
    ]);
    expect(seen.map((r) => [r.method, r.auth, r.body === "" ? "no body" : "body"])).toEqual([
      ["PUT", undefined, "no body"],
      ["PUT", `Bearer ${TOKEN}`, "body"],
    ]);
    expect(seen[1]!.url).toContain("api-version=7.6");
    // Later calls carry the token from the start.
    await expect(c.getSecret("missing")).rejects.toMatchObject({
      name: "RestError",
      statusCode: 404,
      code: "SecretNotFound",
    });
    expect(seen[2]!.auth).toBe(`Bearer ${TOKEN}`);
    expect(credentialLoads).toBe(0);
    c.close();
  });

  it("pages by nextLink: every item once, maxresults as asked, the Date header seen", async () => {
    identityAnswers = 200;
    const c = open(identityEnv());
    const dates: (string | undefined)[] = [];
    const pages: string[][] = [];
    for await (const page of c
      .listPropertiesOfSecrets({ onResponse: (r) => dates.push(r.headers.get("date")) })
      .byPage({ maxPageSize: 25 }))
      pages.push(page.map((p) => p.name));
    expect(pages.map((p) => p.length)).toEqual([25, 25, 10]);
    expect(new Set(pages.flat()).size).toBe(60);
    expect(dates[0]).toBe("Mon, 07 Dec 2026 09:00:00 GMT");
    const items: string[] = [];
    for await (const p of c.listPropertiesOfSecrets()) items.push(p.name);
    expect(items).toEqual(pages.flat());
    c.close();
  });

  it("when the identity endpoint fails, DefaultAzureCredential is asked (as its chain goes on)", async () => {
    credentialLoads = 0;
    identityAnswers = 500;
    const c = open(identityEnv());
    await expect(c.getSecret("missing")).rejects.toMatchObject({ statusCode: 404 });
    expect(credentialLoads).toBe(1);
    identityAnswers = 200;
    c.close();
  });

  it("with no identity variables, tokens come from DefaultAzureCredential's chunk", async () => {
    credentialLoads = 0;
    const c = open({});
    await expect(c.getSecret("missing")).rejects.toMatchObject({ statusCode: 404 });
    expect(credentialLoads).toBe(1);
    c.close();
  });

  it("a closed port fails with Node's code, as the SDK's pipeline reports it", async () => {
    const c = createKvClient("http://127.0.0.1:9", ctx(), noSdk, loadCredential, identityEnv());
    await expect(c.getSecret("x")).rejects.toMatchObject({ code: "ECONNREFUSED" });
    c.close();
  });
});
