/**
 * The HTTP/1.1 of the stores' own clients (the small AWS client ../aws/client.ts,
 * Google's REST transport ../gcp/rest-api.ts, the small Key Vault client
 * ../azure/client.ts, the Vault client ../vault/client.ts): one request at a time per
 * connection, over `node:net` or `node:tls`, with idle connections kept for the
 * next call. `node:http` costs a 1-key read ≈ 6 ms of CPU more than this (its modules,
 * `ClientRequest`, the agent and the parser; measured in docs/BENCHMARKS.md's notes):
 * the JSON calls need none of it. TLS is `tls.connect` with its defaults, as
 * `node:https` uses it: the system's trusted roots and NODE_EXTRA_CA_CERTS, the
 * certificate checked against the host name.
 *
 * Answers are read by `Content-Length`, by `Transfer-Encoding: chunked`, or to the end
 * of the connection; a connection that answered with `Connection: close`, or without a
 * length, is not reused. Errors are the socket's (`ECONNREFUSED`, `ECONNRESET`…); a
 * kept connection the server closed before answering fails with `ECONNRESET`, which
 * the retry layer retries, as it does `node:http`'s.
 */
import type { Socket } from "node:net";
import type { ConnectionOptions } from "node:tls";

/** The TLS settings a pool may set (the host and port are the pool's). */
export type TlsOptions = Pick<
  ConnectionOptions,
  "ca" | "cert" | "key" | "pfx" | "passphrase" | "rejectUnauthorized" | "servername"
>;

/** One answer: status, headers (lower-case names, repeated ones joined by `, `), body. */
export interface Http1Response {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

/** A request in flight: its answer, and what the caller's timers need. */
export interface Http1Call {
  readonly response: Promise<Http1Response>;
  /** Resolves when the connection is made (at once for a kept one). */
  readonly connected: Promise<void>;
  /** Ends the call: the connection is closed and `response` rejects with `error`. */
  abort(error: Error): void;
}

const CRLF = Buffer.from("\r\n\r\n");
/** What `node:http` accepts in a header name (a token) and value (no line breaks or controls). */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const BAD_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

const errnoError = (message: string, code: string): NodeJS.ErrnoException =>
  Object.assign(new Error(message), { code });

/** Connections to one origin (`http:` or `https:`). */
export class Http1Pool {
  private readonly spare: Socket[] = [];
  private readonly open = new Set<Socket>();
  private readonly host: string;
  private readonly port: number;
  private readonly secure: boolean;
  /** Connections open or being opened (at most `maxSockets`). */
  private count = 0;
  /** Calls waiting for a connection when `maxSockets` are in use. */
  private readonly waiting: (() => void)[] = [];

  /**
   * @param url the origin (its path is not used).
   * @param options `tls`: what `tls.connect` takes beyond the host and port (CAs, client
   *   certificate, `rejectUnauthorized`, `servername`); `maxSockets`: connections at most
   *   (further calls wait for one), as `http.Agent`'s.
   */
  constructor(
    url: URL,
    private readonly options: { tls?: TlsOptions; maxSockets?: number } = {},
  ) {
    this.secure = url.protocol === "https:";
    this.host = url.hostname.replace(/^\[|\]$/g, "");
    this.port = url.port ? Number(url.port) : this.secure ? 443 : 80;
  }

  /**
   * Sends one request; `headers` must hold `host`. With `idle`, the call fails with
   * `idle.error()` when its connection stays silent for `idle.ms` (as `node:http`'s
   * `request.setTimeout`).
   */
  request(
    method: string,
    path: string,
    headers: Readonly<Record<string, string>>,
    body: string | Buffer,
    idle?: { ms: number; error: () => Error },
  ): Http1Call {
    let head = `${method} ${path} HTTP/1.1\r\n`;
    for (const [k, v] of Object.entries(headers)) {
      if (!HEADER_NAME.test(k) || BAD_VALUE.test(v))
        throw Object.assign(new TypeError(`Invalid character in header "${k}"`), {
          code: "ERR_INVALID_CHAR",
        });
      head += `${k}: ${v}\r\n`;
    }
    const bytes = Buffer.concat([
      // Latin-1, as node:http writes headers (a value holds no character above U+00FF).
      Buffer.from(`${head}\r\n`, "latin1"),
      typeof body === "string" ? Buffer.from(body, "utf8") : body,
    ]);
    let socket: Socket | undefined;
    let settle: { resolve: (r: Http1Response) => void; reject: (e: Error) => void } | undefined;
    const response = new Promise<Http1Response>((resolve, reject) => {
      settle = { resolve, reject };
    });
    let connectedResolve!: () => void;
    const connected = new Promise<void>((r) => (connectedResolve = r));
    let done = false;
    const fail = (e: Error): void => {
      if (done) return;
      done = true;
      socket?.destroy();
      settle!.reject(e);
    };
    const start = async (): Promise<void> => {
      let kept = this.spare.pop();
      while (!kept && this.count >= (this.options.maxSockets ?? Infinity)) {
        await new Promise<void>((r) => this.waiting.push(r));
        if (done) return this.wake();
        kept = this.spare.pop();
      }
      if (kept) {
        kept.ref();
        socket = kept;
        connectedResolve();
      } else {
        socket = await this.connect(connectedResolve);
      }
      if (done) {
        socket.destroy();
        return;
      }
      const s = socket;
      const reused = kept !== undefined;
      let buf: Buffer = Buffer.alloc(0);
      let got = false;
      const onIdle = (): void => fail(idle!.error());
      const cleanup = (): void => {
        if (idle) {
          s.setTimeout(0);
          s.off("timeout", onIdle);
        }
        s.off("data", onData);
        s.off("error", onError);
        s.off("end", onEnd);
        s.off("close", onEnd);
      };
      const finish = (res: Http1Response, keep: boolean): void => {
        cleanup();
        if (done) return;
        done = true;
        if (keep && !s.destroyed) this.keep(s);
        else s.destroy();
        settle!.resolve(res);
      };
      const parse = (ended: boolean): void => {
        const end = buf.indexOf(CRLF);
        if (end < 0) {
          if (ended) fail(errnoError("socket hang up", "ECONNRESET"));
          return;
        }
        const lines = buf.subarray(0, end).toString("latin1").split("\r\n");
        const m = /^HTTP\/1\.([01]) (\d{3})/.exec(lines[0]!);
        if (!m) return fail(errnoError(`bad HTTP answer: ${lines[0]!.slice(0, 40)}`, "EPROTO"));
        const status = Number(m[2]);
        const headers: Record<string, string> = {};
        for (const line of lines.slice(1)) {
          const i = line.indexOf(":");
          if (i <= 0) continue;
          const k = line.slice(0, i).trim().toLowerCase();
          const v = line.slice(i + 1).trim();
          headers[k] = headers[k] === undefined ? v : `${headers[k]}, ${v}`;
        }
        const rest = buf.subarray(end + 4);
        if (status >= 100 && status < 200) {
          // An interim answer (100 Continue): the real one follows.
          buf = rest;
          return parse(ended);
        }
        const connection = (headers.connection ?? "").toLowerCase();
        const keep =
          m[1] === "1" ? !connection.includes("close") : connection.includes("keep-alive");
        if (method === "HEAD" || status === 204 || status === 304)
          return finish({ status, headers, body: Buffer.alloc(0) }, keep);
        if ((headers["transfer-encoding"] ?? "").toLowerCase().includes("chunked")) {
          const parts: Buffer[] = [];
          let at = 0;
          for (;;) {
            const nl = rest.indexOf("\r\n", at);
            if (nl < 0) break;
            const size = parseInt(rest.subarray(at, nl).toString("latin1"), 16);
            if (Number.isNaN(size))
              return fail(errnoError("bad chunk in an HTTP answer", "EPROTO"));
            if (size === 0) {
              // The last chunk, then trailers up to an empty line.
              const trailerEnd = rest.subarray(nl, nl + 4).equals(CRLF)
                ? nl + 4
                : rest.indexOf(CRLF, nl);
              if (trailerEnd < 0) break;
              return finish({ status, headers, body: Buffer.concat(parts) }, keep);
            }
            if (rest.length < nl + 2 + size + 2) break;
            parts.push(rest.subarray(nl + 2, nl + 2 + size));
            at = nl + 2 + size + 2;
          }
          if (ended) fail(errnoError("socket hang up", "ECONNRESET"));
          return;
        }
        const length = headers["content-length"];
        if (length !== undefined) {
          const n = Number(length);
          if (!Number.isInteger(n) || n < 0)
            return fail(errnoError("bad Content-Length in an HTTP answer", "EPROTO"));
          if (rest.length >= n) return finish({ status, headers, body: rest.subarray(0, n) }, keep);
          if (ended) fail(errnoError("socket hang up", "ECONNRESET"));
          return;
        }
        // No length: the body ends with the connection.
        if (ended) finish({ status, headers, body: rest }, false);
      };
      const onData = (chunk: Buffer): void => {
        got = true;
        buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
        parse(false);
      };
      const onError = (e: Error): void => {
        cleanup();
        fail(e);
      };
      const onEnd = (): void => {
        if (done) return;
        if (!got && reused) {
          cleanup();
          return fail(errnoError("socket hang up", "ECONNRESET"));
        }
        parse(true);
        cleanup();
        fail(errnoError("socket hang up", "ECONNRESET"));
      };
      s.on("data", onData);
      s.on("error", onError);
      s.on("end", onEnd);
      s.on("close", onEnd);
      if (idle) {
        s.setTimeout(idle.ms);
        s.on("timeout", onIdle);
      }
      s.write(bytes);
    };
    start().catch(fail);
    return {
      response,
      connected,
      abort: fail,
    };
  }

  /** Closes every connection. */
  destroy(): void {
    for (const s of this.open) s.destroy();
    this.open.clear();
    this.spare.length = 0;
  }

  /** Lets the first waiting call go on (a connection came free or closed). */
  private wake(): void {
    this.waiting.shift()?.();
  }

  private async connect(onConnect: () => void): Promise<Socket> {
    this.count++;
    let s: Socket;
    try {
      if (this.secure) {
        const tls = await import("node:tls");
        const { isIP } = await import("node:net");
        s = tls.connect({
          host: this.host,
          port: this.port,
          ...(isIP(this.host) === 0 ? { servername: this.host } : {}),
          ...this.options.tls,
        });
        s.once("secureConnect", onConnect);
      } else {
        const net = await import("node:net");
        s = net.connect({ host: this.host, port: this.port });
        s.once("connect", onConnect);
      }
    } catch (e) {
      this.count--;
      this.wake();
      throw e;
    }
    s.setNoDelay(true);
    // An error after its call has ended (a reset once the answer is read, a TLS alert
    // after the close) must not go unhandled: the call has its own listener meanwhile.
    s.on("error", () => s.destroy());
    this.open.add(s);
    s.once("close", () => {
      this.count--;
      this.open.delete(s);
      const i = this.spare.indexOf(s);
      if (i >= 0) this.spare.splice(i, 1);
      this.wake();
    });
    return s;
  }

  private keep(s: Socket): void {
    // An idle connection does not keep the process alive.
    s.unref();
    this.spare.push(s);
    this.wake();
  }
}
