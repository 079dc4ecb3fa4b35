/**
 * Issue 25, item 2: secrets and tokens travel only over TLS, except to loopback. A
 * listener on a non-loopback address of this machine stands for a server across the
 * network: every store pointed at it over plain HTTP (Vault `tls=false` or an `http://`
 * VAULT_ADDR, `endpoint=http://…` on AWS, Google and Azure) exits 2 saying why, and the
 * listener receives not one connection, so no token or credential byte left the
 * process. With ENVSYNC_ALLOW_INSECURE_HTTP=1 the same run warns on stderr and does
 * connect, which shows the listener would have seen a request.
 */
import { createServer, type Server, type Socket } from "node:net";
import { networkInterfaces } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canary, runCli, tempDir } from "./helpers.js";

/**
 * A non-loopback address of this machine to listen on, as a URL host: the first external
 * IPv4 address, else a global IPv6 one (link-local addresses need a zone id).
 */
function externalHost(): { listen: string; url: string } {
  const all = Object.values(networkInterfaces()).flatMap((l) => l ?? []);
  const v4 = all.find((a) => a.family === "IPv4" && !a.internal);
  if (v4) return { listen: v4.address, url: v4.address };
  const v6 = all.find((a) => a.family === "IPv6" && !a.internal && !/^fe80:/i.test(a.address));
  if (v6) return { listen: v6.address, url: `[${v6.address}]` };
  throw new Error(
    "this machine has no non-loopback address to listen on: the test needs one to stand for a server across the network",
  );
}

const { listen: LISTEN, url: HOST } = externalHost();
let server: Server;
let port = 0;
/** Every byte any client sent to the listener, and how many connections it got. */
let received = Buffer.alloc(0);
let connections = 0;

beforeAll(async () => {
  server = createServer((socket: Socket) => {
    connections++;
    socket.on("data", (d: Buffer) => {
      received = Buffer.concat([received, d]);
      socket.destroy();
    });
    socket.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, LISTEN, resolve));
  port = (server.address() as { port: number }).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const TOKEN = canary("VAULT_TOKEN");
const AWS_KEY = canary("AWSKEY");
const AWS_SECRET = canary("AWSSECRET");
const CREDENTIALS = {
  VAULT_TOKEN: TOKEN,
  AWS_ACCESS_KEY_ID: AWS_KEY,
  AWS_SECRET_ACCESS_KEY: AWS_SECRET,
  AWS_REGION: "us-east-1",
  ENVSYNC_ALLOW_INSECURE_HTTP: undefined,
};

function cases(): { name: string; remote: string; env?: Record<string, string> }[] {
  const http = `http://${HOST}:${port}`;
  return [
    { name: "vault tls=false", remote: `vault://${HOST}:${port}/secret/app?tls=false` },
    {
      name: "vault VAULT_ADDR=http://",
      remote: "vault:///secret/app",
      env: { VAULT_ADDR: http },
    },
    { name: "vault endpoint=http://", remote: `vault://vault.example/secret/app?endpoint=${http}` },
    { name: "aws-sm endpoint=http://", remote: `aws-sm://app?region=us-east-1&endpoint=${http}` },
    {
      name: "aws-ssm endpoint=http://",
      remote: `aws-ssm://app/*?region=us-east-1&endpoint=${http}`,
    },
    {
      name: "aws-sm AWS_ENDPOINT_URL=http://",
      remote: "aws-sm://app?region=us-east-1",
      env: { AWS_ENDPOINT_URL: http },
    },
    { name: "gcp-sm endpoint=http://", remote: `gcp-sm://proj/app?endpoint=${http}` },
    {
      name: "gcp-sm ENVSYNC_GCP_SM_ENDPOINT=http://",
      remote: "gcp-sm://proj/app",
      env: { ENVSYNC_GCP_SM_ENDPOINT: http },
    },
    { name: "azure-kv endpoint=http://", remote: `azure-kv://kv/app?endpoint=${http}` },
  ];
}

describe("plain HTTP to a non-loopback host is refused before any request", () => {
  it("every store, through pull (and run, export, copy, doctor): exit 2 naming TLS; the listener sees no connection", async () => {
    const dir = tempDir("envsync-plain-http-");
    for (const c of cases()) {
      // Every store through pull; the other paths (run, export, copy) for one store each.
      const more = c.name === "vault tls=false" || c.name === "aws-sm endpoint=http://";
      for (const args of [
        ["pull", "-r", c.remote, "--retries", "0"],
        ...(more
          ? [
              ["run", "-r", c.remote, "--retries", "0", "--", "true"],
              ["export", "-r", c.remote, "--retries", "0"],
              ["copy", c.remote, "file:copy.env", "--retries", "0"],
              ["doctor", "-r", c.remote, "--retries", "0"],
            ]
          : []),
      ]) {
        const r = await runCli(args, { cwd: dir, env: { ...CREDENTIALS, ...c.env } });
        const what = `${c.name}: envsync ${args[0]}`;
        const text = `${r.stdout}${r.stderr}`;
        // doctor reports the refusal as failed checks (exit 1); the others stop with exit 2.
        expect(r.code, `${what}: ${text}`).toBe(args[0] === "doctor" ? 1 : 2);
        expect(text, what).toMatch(/plain HTTP \(no TLS\).*not a loopback address/);
        expect(text, what).toContain("ENVSYNC_ALLOW_INSECURE_HTTP");
        expect(connections, what).toBe(0);
      }
    }
    expect(received.length).toBe(0);
  });

  it("ENVSYNC_ALLOW_INSECURE_HTTP=1 lets it through with a warning (the listener then sees the request)", async () => {
    const dir = tempDir("envsync-plain-http-");
    const before = connections;
    const r = await runCli(
      ["pull", "-r", `vault://${HOST}:${port}/secret/app?tls=false`, "--retries", "0"],
      { cwd: dir, env: { ...CREDENTIALS, ENVSYNC_ALLOW_INSECURE_HTTP: "1" } },
    );
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/warning.*plain HTTP/i);
    expect(connections).toBeGreaterThan(before);
    // The token did travel in clear: what the refusal above prevents.
    expect(received.toString("latin1")).toContain(TOKEN);
  });

  it("loopback over plain HTTP needs no opt-in and prints no warning", async () => {
    const dir = tempDir("envsync-plain-http-");
    const r = await runCli(
      ["pull", "-r", "vault://127.0.0.1:1/secret/app?tls=false", "--retries", "0"],
      { cwd: dir, env: CREDENTIALS },
    );
    expect(r.code, r.stderr).toBe(1); // nothing listens on port 1: a network error
    expect(r.stderr).not.toMatch(/plain HTTP/i);
  });
});
