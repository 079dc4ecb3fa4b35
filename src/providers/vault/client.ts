/**
 * A small Vault / OpenBao HTTP client on the small HTTP/1.1 client of
 * ../shared/http1.ts, over `node:net`/`node:tls` (Vault has no official Node SDK). It sets up TLS and the token as the vault CLI does:
 *
 * - token: VAULT_TOKEN, else an AppRole login with VAULT_ROLE_ID/VAULT_SECRET_ID
 *   (mount VAULT_APPROLE_MOUNT, default `approle`), else `~/.vault-token`;
 * - VAULT_NAMESPACE → `X-Vault-Namespace`;
 * - VAULT_CACERT / VAULT_CAPATH (trusted CAs), VAULT_CLIENT_CERT / VAULT_CLIENT_KEY,
 *   VAULT_TLS_SERVER_NAME, VAULT_SKIP_VERIFY (Go booleans).
 *
 * The token lives in memory only: never logged, never written, never in an error.
 */
import { readFileSync, readdirSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { EnvsyncError } from "../../errors.js";
import type { Logger } from "../../logger.js";
import { isTransient, withRetry, type RetryPolicy } from "../retry.js";
import { Http1Pool } from "../shared/http1.js";
import { parseGoBool } from "./target.js";

/** A non-2xx answer from Vault: the status and its `errors` list (which never hold values). */
export class VaultHttpError extends Error {
  override readonly name = "VaultHttpError";
  /** HTTP status. */
  readonly status: number;
  /** Vault's `errors` array. */
  readonly errors: readonly string[];
  /** The body's `data`, when Vault sent one with the error (soft-deleted reads). */
  readonly data: unknown;
  constructor(status: number, errors: readonly string[], data: unknown, what: string) {
    super(`${what}: HTTP ${status}${errors.length ? ` (${errors.join("; ")})` : ""}`);
    this.status = status;
    this.errors = errors;
    this.data = data;
  }
  /** True when the server is sealed (503 "Vault is sealed"); never retried. */
  get sealed(): boolean {
    return this.status === 503 && this.errors.some((e) => /sealed/i.test(e));
  }
}

/** Where the token came from (shown by doctor; never the token itself). */
export type TokenSource = "VAULT_TOKEN" | "AppRole" | "~/.vault-token";

/** Options of {@link VaultClient}. */
export interface VaultClientOptions {
  /** Base URL, no trailing slash. */
  readonly address: string;
  /** The environment (VAULT_* variables, HOME). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly logger: Logger;
  /** Max sockets (the per-key parallelism). */
  readonly concurrency: number;
  readonly retry?: RetryPolicy;
  readonly requestTimeoutMs?: number;
  /** `namespace=` of the URI, which wins over VAULT_NAMESPACE. */
  readonly namespace?: string;
}

/** One JSON response. */
export interface VaultResponse {
  readonly status: number;
  readonly body: Record<string, unknown> | null;
  /** The body's exact text (numbers keep every digit; see shared/json-bundle.ts). */
  readonly text: string;
}

/** A request body sent as this exact JSON text (a patched data map keeps its tokens). */
export class RawJson {
  constructor(readonly text: string) {}
}

const TRANSIENT_STATUS = (s: number): boolean => s === 429 || s === 502 || s === 503 || s === 504;

function readCas(env: Readonly<Record<string, string | undefined>>): Buffer[] | undefined {
  const out: Buffer[] = [];
  const file = env.VAULT_CACERT;
  const dir = env.VAULT_CAPATH;
  try {
    if (file) out.push(readFileSync(file));
    if (dir)
      for (const f of readdirSync(dir).sort())
        if (/\.(pem|crt|cer)$/i.test(f)) out.push(readFileSync(join(dir, f)));
  } catch (cause) {
    throw new EnvsyncError(
      "CONFIG",
      `Could not read the CA certificate(s) named by ${file ? "VAULT_CACERT" : "VAULT_CAPATH"}.`,
      {
        cause,
        hint: "Point VAULT_CACERT at a PEM file (or VAULT_CAPATH at a folder of them) that envsync can read.",
      },
    );
  }
  return out.length > 0 ? out : undefined;
}

/** Vault HTTP client: TLS and token set up as the vault CLI does; retries transient failures. */
export class VaultClient {
  /** Requests made so far (for tests and the bench). */
  calls = 0;
  /** Where the token came from, once resolved. */
  tokenSource: TokenSource | null = null;
  readonly address: string;
  readonly namespace: string | undefined;
  private token: string | null = null;
  private tokenPromise: Promise<string> | null = null;
  /** Connections to the server (../shared/http1.ts: `node:http` would cost more than the call). */
  private readonly pool: Http1Pool;

  constructor(private readonly opts: VaultClientOptions) {
    this.address = opts.address;
    this.namespace = opts.namespace ?? (opts.env.VAULT_NAMESPACE || undefined);
    const secure = opts.address.startsWith("https:");
    const sockets = Math.max(1, opts.concurrency);
    if (secure) {
      const env = opts.env;
      const skip = parseGoBool(env.VAULT_SKIP_VERIFY, "VAULT_SKIP_VERIFY");
      const ca = readCas(env);
      let cert: Buffer | undefined;
      let key: Buffer | undefined;
      try {
        if (env.VAULT_CLIENT_CERT) cert = readFileSync(env.VAULT_CLIENT_CERT);
        if (env.VAULT_CLIENT_KEY) key = readFileSync(env.VAULT_CLIENT_KEY);
      } catch (cause) {
        throw new EnvsyncError("CONFIG", "Could not read VAULT_CLIENT_CERT or VAULT_CLIENT_KEY.", {
          cause,
          hint: "Point both at readable PEM files, or unset them.",
        });
      }
      if (skip)
        opts.logger.warn(
          "vault: VAULT_SKIP_VERIFY is set: the server's TLS certificate is not checked.",
        );
      const servername = env.VAULT_TLS_SERVER_NAME || undefined;
      this.pool = new Http1Pool(new URL(opts.address), {
        maxSockets: sockets,
        tls: {
          rejectUnauthorized: !skip,
          ...(ca ? { ca } : {}),
          ...(cert ? { cert } : {}),
          ...(key ? { key } : {}),
          ...(servername ? { servername } : {}),
        },
      });
    } else {
      this.pool = new Http1Pool(new URL(opts.address), { maxSockets: sockets });
    }
  }

  /** Resolves the token once (an AppRole login happens here). */
  private resolveToken(): Promise<string> {
    if (this.token !== null) return Promise.resolve(this.token);
    this.tokenPromise ??= this.findToken().then((t) => {
      // A token travels in an HTTP header: a character a header cannot hold (a line
      // break, a control or non-ASCII character) is a bad token, not a network failure.
      if (!/^[\x21-\x7e]+$/.test(t))
        throw new EnvsyncError(
          "AUTH",
          `The Vault token from ${this.tokenSource ?? "the environment"} holds a character an HTTP header cannot carry (a space, line break, control or non-ASCII character).`,
          {
            hint: "Copy the token again without surrounding text (Vault tokens are ASCII, e.g. hvs.…), or log in again with `vault login`.",
          },
        );
      this.token = t;
      return t;
    });
    return this.tokenPromise;
  }

  private async findToken(): Promise<string> {
    const env = this.opts.env;
    if (env.VAULT_TOKEN) {
      this.tokenSource = "VAULT_TOKEN";
      return env.VAULT_TOKEN;
    }
    if (env.VAULT_ROLE_ID) {
      if (!env.VAULT_SECRET_ID)
        throw new EnvsyncError("AUTH", "VAULT_ROLE_ID is set but VAULT_SECRET_ID is not.", {
          hint: "Set both for an AppRole login (or VAULT_TOKEN for a token).",
        });
      const mount = env.VAULT_APPROLE_MOUNT || "approle";
      const res = await this.send(
        "POST",
        `auth/${mount}/login`,
        {
          role_id: env.VAULT_ROLE_ID,
          secret_id: env.VAULT_SECRET_ID,
        },
        null,
      ).catch((e: unknown) => {
        if (e instanceof VaultHttpError && e.status >= 400 && e.status < 500)
          throw new EnvsyncError(
            "AUTH",
            `The AppRole login at auth/${mount} was refused (HTTP ${e.status}${e.errors.length ? `: ${e.errors.join("; ")}` : ""}).`,
            {
              cause: e,
              hint: "Check VAULT_ROLE_ID and VAULT_SECRET_ID (a secret id may be single-use or expired) and VAULT_APPROLE_MOUNT if AppRole is mounted elsewhere.",
            },
          );
        throw e;
      });
      const auth = res.body?.auth as { client_token?: unknown } | undefined;
      if (typeof auth?.client_token !== "string")
        throw new EnvsyncError("AUTH", `The AppRole login at auth/${mount} returned no token.`, {
          hint: "Check the AppRole's configuration (token_policies, bind_secret_id).",
        });
      this.tokenSource = "AppRole";
      return auth.client_token;
    }
    const file = join(env.HOME || homedir(), ".vault-token");
    try {
      const t = readFileSync(file, "utf8").trim();
      if (t !== "") {
        this.tokenSource = "~/.vault-token";
        return t;
      }
    } catch {
      /* no token file: fall through */
    }
    throw new EnvsyncError(
      "AUTH",
      `No Vault token: VAULT_TOKEN is not set, no AppRole (VAULT_ROLE_ID/VAULT_SECRET_ID), and ${file} does not exist.`,
      {
        hint: "Log in with `vault login` (or `bao login`), which writes ~/.vault-token, or set VAULT_TOKEN, or VAULT_ROLE_ID and VAULT_SECRET_ID for AppRole.",
      },
    );
  }

  /**
   * One API call under `/v1/`, retried when transient (network errors, 429, 502-504;
   * never a sealed server). Non-2xx answers throw {@link VaultHttpError}.
   */
  async request(method: string, path: string, body?: unknown): Promise<VaultResponse> {
    const token = await this.resolveToken();
    return withRetry(() => this.send(method, path, body, token), {
      ...(this.opts.retry ? { policy: this.opts.retry } : {}),
      transient: (e) =>
        e instanceof VaultHttpError ? !e.sealed && TRANSIENT_STATUS(e.status) : isTransient(e),
      onRetry: (attempt, delay, e) =>
        this.opts.logger.debug(
          `vault: ${method} ${path} failed (attempt ${attempt}: ${e instanceof VaultHttpError ? `HTTP ${e.status}` : ((e as { code?: string }).code ?? "error")}), retrying in ${delay} ms`,
        ),
    });
  }

  /** An unauthenticated call (sys/health, sys/seal-status). */
  requestAnonymous(method: string, path: string): Promise<VaultResponse> {
    return this.send(method, path, undefined, null);
  }

  private async send(
    method: string,
    path: string,
    body: unknown,
    token: string | null,
  ): Promise<VaultResponse> {
    this.calls++;
    const url = new URL(`${this.address}/v1/${path}`);
    const payload =
      body === undefined ? undefined : body instanceof RawJson ? body.text : JSON.stringify(body);
    const headers: Record<string, string> = { Accept: "application/json" };
    if (token !== null) headers["X-Vault-Token"] = token;
    if (this.namespace) headers["X-Vault-Namespace"] = this.namespace;
    if (payload !== undefined) {
      headers["Content-Type"] = "application/json";
      headers["Content-Length"] = String(Buffer.byteLength(payload));
    }
    headers.Host = url.host;
    const timeout = this.opts.requestTimeoutMs;
    const call = this.pool.request(
      method,
      `${url.pathname}${url.search}`,
      headers,
      payload ?? "",
      timeout !== undefined && timeout > 0
        ? {
            ms: timeout,
            error: () =>
              Object.assign(new Error(`${method} ${path} timed out after ${timeout} ms`), {
                code: "ETIMEDOUT",
              }),
          }
        : undefined,
    );
    return call.response.then((res) => {
      const status = res.status;
      const text = res.body.toString("utf8");
      let json: Record<string, unknown> | null = null;
      if (text.trim() !== "") {
        try {
          json = JSON.parse(text) as Record<string, unknown>;
        } catch {
          json = null;
        }
      }
      if (status >= 200 && status < 300) return { status, body: json, text };
      const errors = Array.isArray(json?.errors)
        ? (json.errors as unknown[]).map((x) => String(x).slice(0, 300))
        : [];
      throw new VaultHttpError(status, errors, json?.data ?? null, `${method} ${path}`);
    });
  }

  /** Closes idle keep-alive sockets. */
  close(): void {
    this.pool.destroy();
  }
}
