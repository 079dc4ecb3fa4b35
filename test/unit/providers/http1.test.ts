/**
 * The small HTTP/1.1 client (src/providers/shared/http1.ts) against raw TCP servers
 * that answer byte for byte what a test writes: every framing (Content-Length,
 * chunked with trailers, to the end of the connection, interim 100), kept connections
 * reused and dropped, a kept connection the server closed, header injection refused,
 * the idle timeout, and a refused connection.
 */
import { once } from "node:events";
import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { Http1Pool } from "../../../src/providers/shared/http1.js";

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** A server that calls `answer` with each request's head (and the socket) once it is whole. */
async function serve(answer: (head: string, socket: Socket, n: number) => void): Promise<{
  url: URL;
  connections: () => number;
}> {
  let connections = 0;
  let n = 0;
  const server = createServer((socket) => {
    connections++;
    let buf = "";
    socket.on("data", (d: Buffer) => {
      buf += d.toString("latin1");
      for (;;) {
        const end = buf.indexOf("\r\n\r\n");
        if (end < 0) return;
        const head = buf.slice(0, end);
        const len = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
        if (buf.length < end + 4 + len) return;
        buf = buf.slice(end + 4 + len);
        answer(head, socket, n++);
      }
    });
    socket.on("error", () => undefined);
  });
  servers.push(server);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return { url: new URL(`http://127.0.0.1:${port}`), connections: () => connections };
}

/** How many connections the pool holds (its private count), for a test to wait on. */
const keptConnections = (pool: Http1Pool): number => (pool as unknown as { count: number }).count;

const get = (pool: Http1Pool, url: URL, body = "") =>
  pool.request("POST", "/", { host: url.host, "content-length": String(body.length) }, body)
    .response;

describe("Http1Pool", () => {
  it("reads Content-Length, chunked (with trailers) and to-the-end bodies, and skips a 100", async () => {
    const { url } = await serve((_head, s, n) => {
      if (n === 0)
        s.write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Amzn-RequestId: r1\r\n\r\nhel");
      if (n === 0) setTimeout(() => s.write("lo"), 5);
      if (n === 1)
        s.write(
          "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n",
        );
      if (n === 1) setTimeout(() => s.write("A;ext=1\r\n0123456789\r\n0\r\nX-T: 1\r\n\r\n"), 5);
      if (n === 2) s.end("HTTP/1.1 500 Oops\r\nConnection: close\r\n\r\nno length");
    });
    const pool = new Http1Pool(url);
    const a = await get(pool, url, "{}");
    expect([a.status, a.body.toString(), a.headers["x-amzn-requestid"]]).toEqual([
      200,
      "hello",
      "r1",
    ]);
    const b = await get(pool, url);
    expect([b.status, b.body.toString()]).toEqual([404, "abc0123456789"]);
    const c = await get(pool, url);
    expect([c.status, c.body.toString()]).toEqual([500, "no length"]);
    pool.destroy();
  });

  it("reuses a kept connection, opens a new one after Connection: close", async () => {
    const { url, connections } = await serve((head, s, n) => {
      const close = n === 1 ? "Connection: close\r\n" : "";
      s.write(`HTTP/1.1 200 OK\r\n${close}Content-Length: 2\r\n\r\nok`);
      if (close) s.end();
      expect(head).toMatch(/^POST \/ HTTP\/1\.1\r\n/);
    });
    const pool = new Http1Pool(url);
    for (let i = 0; i < 3; i++) expect((await get(pool, url)).body.toString()).toBe("ok");
    expect(connections()).toBe(2);
    pool.destroy();
  });

  it("a kept connection the server closed fails with ECONNRESET (retried above), the next call connects anew", async () => {
    let sockets: Socket[] = [];
    const { url, connections } = await serve((_head, s) => {
      sockets.push(s);
      s.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    });
    const pool = new Http1Pool(url);
    await get(pool, url);
    // The server drops the connection without a word, as an idle timeout does.
    const closed = sockets.map((s) => once(s, "close"));
    for (const s of sockets) s.destroy();
    sockets = [];
    await Promise.all(closed);
    const again = await get(pool, url).then(
      (r) => r.body.toString(),
      (e: NodeJS.ErrnoException) => e.code,
    );
    // The pool saw the close and connected anew ("ok"), or the write met the dead
    // socket: a reset the retry layer retries (TIMEOUT_CODES in src/providers/aws/client.ts).
    expect(["ok", "ECONNRESET", "EPIPE"]).toContain(again);
    expect((await get(pool, url)).body.toString()).toBe("ok");
    expect(connections()).toBeGreaterThanOrEqual(2);
    pool.destroy();
  });

  it("an answer cut short is ECONNRESET; a connection refused is ECONNREFUSED", async () => {
    const { url } = await serve((_head, s) => {
      s.end("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort");
    });
    const pool = new Http1Pool(url);
    await expect(get(pool, url)).rejects.toMatchObject({ code: "ECONNRESET" });
    pool.destroy();
    const closed = new URL(url.href);
    servers[0]!.close();
    await once(servers[0]!, "close");
    const p2 = new Http1Pool(closed);
    await expect(get(p2, closed)).rejects.toMatchObject({ code: "ECONNREFUSED" });
  });

  it("a reset on a kept connection after its answer only drops it (no unhandled error)", async () => {
    const resets: Promise<unknown>[] = [];
    const { url, connections } = await serve((_head, s) => {
      s.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", () => {
        resets.push(once(s, "close"));
        s.resetAndDestroy();
      });
    });
    const pool = new Http1Pool(url);
    expect((await get(pool, url)).body.toString()).toBe("ok");
    // Synchronised on the events, not on time: the server has reset the connection, and
    // the pool has seen it close (it keeps no connection).
    while (resets.length === 0) await new Promise((r) => setImmediate(r));
    await Promise.all(resets);
    while (keptConnections(pool) > 0) await new Promise((r) => setImmediate(r));
    expect((await get(pool, url)).body.toString()).toBe("ok");
    expect(connections()).toBe(2);
    pool.destroy();
  });

  it("refuses what node:http refuses in a header: a line break or control in a value, a name that is not a token", async () => {
    const { url } = await serve(() => undefined);
    const pool = new Http1Pool(url);
    for (const [k, v] of [
      ["x-token", "a\r\nx-evil: 1"],
      ["x-token", "a\u0001b"],
      ["x-token", "snowman \u2603"],
      ["x evil", "1"],
      ["x-evil:", "1"],
    ] as const)
      expect(() => pool.request("GET", "/", { host: url.host, [k]: v }, ""), `${k}: ${v}`).toThrow(
        /Invalid character/,
      );
    pool.destroy();
  });

  it("fails with the caller's error when the connection stays silent past the idle timeout, and on abort", async () => {
    const { url } = await serve(() => undefined);
    const pool = new Http1Pool(url);
    const idle = pool.request("GET", "/", { host: url.host }, "", {
      ms: 50,
      error: () => new Error("deadline"),
    });
    await expect(idle.response).rejects.toThrow("deadline");
    const call = pool.request("GET", "/", { host: url.host }, "");
    await call.connected;
    call.abort(Object.assign(new Error("took too long"), { name: "TimeoutError" }));
    await expect(call.response).rejects.toMatchObject({ name: "TimeoutError" });
    pool.destroy();
  });
});
