/**
 * Google Cloud Secret Manager emulator for the integration tests.
 *
 * First choice (TESTING.md): the Go emulator
 * `github.com/blackwell-systems/gcp-secret-manager-emulator/cmd/server@v1.3.0`,
 * installed with `go install` into the emulator cache. On this workplace the Go
 * module proxy refuses that module (403 "This module version is not available",
 * for v1.3.0, @latest and the version list), so when it cannot be installed the
 * harness starts envsync's own out-of-process gRPC emulator instead: this file run
 * as a script (`tsx test/harness/emulators/gsm.ts --serve --port P`). It serves the
 * real `google.cloud.secretmanager.v1.SecretManagerService` gRPC API from the
 * `.proto` files that ship with `@google-cloud/secret-manager`, so the official
 * client is tested over a real socket with real protobuf encoding. It follows the
 * real service where the tests depend on it (the `latest` alias resolves to the
 * newest version whatever its state; accessing a disabled or destroyed version is
 * FAILED_PRECONDITION; version ids are sequential per secret; payloads of 1 byte
 * to 64 KiB) and
 * copies the Go emulator's documented differences that our code must survive
 * (ListSecrets ignores `filter` and returns each page in random order). Pages are as
 * Google serves them: stable under `pageToken` (a sorted listing cut into pages), the
 * size asked capped at 25,000; ListSecretVersions comes newest first.
 *
 * `ENVSYNC_GSM_EMULATOR=go` makes the Go emulator mandatory (fail if it cannot be
 * installed); `=envsync` always uses ours. `ENVSYNC_TEST_GSM_KIND` tells tests which one ran.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createServer as createHttpServer } from "node:http";
import * as grpc from "@grpc/grpc-js";
import type { Emulator, RunningEmulator } from "../common.js";
import { cacheDir, freePort, run, startService, stopService, tcpOpen, waitFor } from "../common.js";

const GO_MODULE = "github.com/blackwell-systems/gcp-secret-manager-emulator/cmd/server@v1.3.0";
const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, "..", "..", "..");

function goBinary(): string {
  return join(cacheDir("gsm"), "server");
}

function mode(): "auto" | "go" | "envsync" {
  const m = process.env.ENVSYNC_GSM_EMULATOR;
  return m === "go" || m === "envsync" ? m : "auto";
}

/** The GCP Secret Manager emulator of the harness. */
export const emulator: Emulator = {
  name: "gsm",
  installCommand: `GOBIN=${join("$HOME", ".cache", "envsync-emulators", "gsm")} go install ${GO_MODULE}`,
  async install(): Promise<void> {
    if (mode() === "envsync" || existsSync(goBinary())) return;
    try {
      await run("go", ["install", GO_MODULE], {
        env: { ...process.env, GOBIN: cacheDir("gsm") },
        log: join(cacheDir("gsm"), "install.log"),
      });
    } catch (e) {
      const log = join(cacheDir("gsm"), "install.log");
      // The last "server response" line says why (e.g. the proxy's 403 "not available").
      const why =
        readFileSync(log, "utf8")
          .split("\n")
          .map((l) => l.trim())
          .filter(Boolean)
          .slice(-2)
          .join(" ") || (e as Error).message;
      if (mode() === "go") throw e;
      process.stderr.write(
        `[gsm] ${GO_MODULE} could not be installed (${why}); using envsync's own gRPC emulator (test/harness/emulators/gsm.ts).\n`,
      );
    }
  },
  start: () => startGsm(),
};

/** Options of {@link startGsm} (envsync's emulator only). */
export interface GsmStartOptions {
  /** Added to every call, ms: models a cloud round trip for the bench. Default 0. */
  readonly latencyMs?: number;
  /** Largest page ListSecrets/ListSecretVersions serve. Default 25,000, as the real service. */
  readonly maxPage?: number;
  /** Secrets (no labels, no versions) to hold from the start: `count` ids `prefix00000…` in `project`. */
  readonly seed?: { readonly project: string; readonly prefix: string; readonly count: number };
  /**
   * Serve test controls on a second port (`ENVSYNC_TEST_GSM_CONTROL_URL`): `PUT
   * /listing-lag?on=1&scope=projects/P/` makes secrets of that scope created from then on
   * missing from ListSecrets and secrets deleted still in it, until `POST
   * /listing-settle?scope=projects/P/` (docs/CLOUD-BEHAVIOUR.md:
   * Google documents listings as eventually consistent). Reads by name stay fresh.
   */
  readonly control?: boolean;
  /** Use envsync's emulator even when the Go emulator is installed (latency and page options need it). */
  readonly own?: boolean;
}

/** Starts an emulator on a free port and waits until it accepts connections. */
export async function startGsm(options: GsmStartOptions = {}): Promise<RunningEmulator> {
  const port = await freePort();
  const controlPort = options.control ? await freePort() : 0;
  const useGo = !options.own && !options.control && mode() !== "envsync" && existsSync(goBinary());
  const log = join(cacheDir("gsm"), `server-${port}.log`);
  const child = useGo
    ? startService(goBinary(), ["--port", String(port)], { log })
    : startService(
        process.execPath,
        [
          "--import",
          "tsx",
          join(here, "gsm.ts"),
          "--serve",
          "--port",
          String(port),
          "--latency-ms",
          String(options.latencyMs ?? 0),
          "--max-page",
          String(options.maxPage ?? REAL_MAX_PAGE),
          ...(options.seed
            ? ["--seed", `${options.seed.project}:${options.seed.prefix}:${options.seed.count}`]
            : []),
          ...(controlPort > 0 ? ["--control-port", String(controlPort)] : []),
        ],
        { cwd: repoRoot, log },
      );
  await waitFor(`gsm emulator on port ${port} (log: ${log})`, () => tcpOpen(port), 60_000, child);
  return {
    env: {
      ENVSYNC_TEST_GSM_ENDPOINT: `127.0.0.1:${port}`,
      ENVSYNC_TEST_GSM_KIND: useGo ? "go" : "envsync",
      METADATA_SERVER_DETECTION: "none",
      ...(controlPort > 0
        ? { ENVSYNC_TEST_GSM_CONTROL_URL: `http://127.0.0.1:${controlPort}` }
        : {}),
    },
    stop: () => stopService(child),
  };
}

// ---------------------------------------------------------------------------
// envsync's own emulator (runs only in the child process started above).

interface Timestamp {
  seconds: string;
  nanos: number;
}
type VersionState = "ENABLED" | "DISABLED" | "DESTROYED";
interface StoredVersion {
  id: number;
  state: VersionState;
  createTime: Timestamp;
  destroyTime: Timestamp | null;
  data: Buffer | null;
}
interface StoredSecret {
  name: string;
  createTime: Timestamp;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  versions: StoredVersion[];
  /** As Google: a quoted string, new at creation and at every UpdateSecret (AIP-154). */
  etag: string;
}

const MAX_PAYLOAD = 65_536;
/** The largest page Secret Manager serves (a larger pageSize is capped to it). */
export const REAL_MAX_PAGE = 25_000;
const ID_RULE = /^[A-Za-z0-9_-]{1,255}$/;

function now(): Timestamp {
  const ms = Date.now();
  return { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 };
}

function fail(code: grpc.status, details: string): grpc.ServiceError {
  return Object.assign(new Error(details), { code, details, metadata: new grpc.Metadata() });
}

let etagSeq = 0;
/** A fresh etag, quoted as Google's are (`"…"`). */
function newEtag(): string {
  etagSeq += 1;
  return `"${Date.now().toString(16)}${etagSeq.toString(16).padStart(6, "0")}"`;
}

/** Google's label rule: lower-case key starting with a letter, ≤ 63 characters; values ≤ 63. */
const LABEL_KEY = /^[\p{Ll}\p{Lo}][\p{Ll}\p{Lo}\p{N}_-]{0,62}$/u;
const LABEL_VALUE = /^[\p{Ll}\p{Lo}\p{N}_-]{0,63}$/u;

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

function serve(
  port: number,
  latencyMs: number,
  maxPage: number,
  seed: string,
  controlPort = 0,
): void {
  const require = createRequire(import.meta.url);
  // @grpc/proto-loader is google-gax's dependency (not ours): loaded at run time only.
  const protoLoader = require("@grpc/proto-loader") as {
    loadSync(
      file: string,
      options: Record<string, unknown>,
    ): Parameters<typeof grpc.loadPackageDefinition>[0];
  };
  const smRoot = join(
    dirname(require.resolve("@google-cloud/secret-manager/package.json")),
    "build",
    "protos",
  );
  // google-gax (the client's own dependency) ships google/api, google/iam and google/protobuf.
  const gaxMain = createRequire(require.resolve("@google-cloud/secret-manager")).resolve(
    "google-gax",
  );
  const gaxRoot = join(dirname(gaxMain), "..", "protos");
  const def = protoLoader.loadSync("google/cloud/secretmanager/v1/service.proto", {
    includeDirs: [smRoot, gaxRoot],
    longs: String,
    enums: String,
    defaults: false,
    oneofs: true,
  });
  const pkg = grpc.loadPackageDefinition(def) as unknown as {
    google: {
      cloud: {
        secretmanager: { v1: { SecretManagerService: { service: grpc.ServiceDefinition } } };
      };
    };
  };
  const secrets = new Map<string, StoredSecret>();
  // Scoped by resource-name prefix (`projects/P/`), so a test's lag never hides another
  // test's secrets (the test files run in parallel against one stand-in).
  const listing = {
    scopes: new Set<string>(),
    hidden: new Set<string>(),
    stillListed: new Map<string, StoredSecret>(),
  };
  if (seed) {
    const [project = "", prefix = "", count = "0"] = seed.split(":");
    for (let i = 0; i < Number(count); i++) {
      const name = `projects/${project}/secrets/${prefix}${String(i).padStart(5, "0")}`;
      secrets.set(name, {
        name,
        createTime: now(),
        labels: {},
        annotations: {},
        versions: [],
        etag: newEtag(),
      });
    }
  }

  const secretOf = (name: string): StoredSecret => {
    const s = secrets.get(name);
    if (!s) throw fail(grpc.status.NOT_FOUND, `Secret [${name}] not found or has no versions.`);
    return s;
  };
  const splitVersion = (name: string): { secret: StoredSecret; version: StoredVersion } => {
    const m = /^(projects\/[^/]+\/secrets\/[^/]+)\/versions\/([^/]+)$/.exec(name);
    if (!m)
      throw fail(
        grpc.status.INVALID_ARGUMENT,
        `Invalid resource field value in the request: ${name}`,
      );
    const secret = secretOf(m[1]!);
    const id = m[2] === "latest" ? secret.versions.length : Number(m[2]);
    const version = secret.versions[id - 1];
    if (!version) throw fail(grpc.status.NOT_FOUND, `Secret Version [${name}] not found.`);
    return { secret, version };
  };
  const secretMsg = (s: StoredSecret): Record<string, unknown> => ({
    name: s.name,
    createTime: s.createTime,
    labels: s.labels,
    annotations: s.annotations,
    replication: { automatic: {} },
    etag: s.etag,
  });
  const versionMsg = (s: StoredSecret, v: StoredVersion): Record<string, unknown> => ({
    name: `${s.name}/versions/${v.id}`,
    createTime: v.createTime,
    ...(v.destroyTime ? { destroyTime: v.destroyTime } : {}),
    state: v.state,
  });
  const setState = (name: string, state: VersionState): Record<string, unknown> => {
    const { secret, version } = splitVersion(name);
    if (version.state === "DESTROYED")
      throw fail(
        grpc.status.FAILED_PRECONDITION,
        `Secret Version [${name}] is in DESTROYED state.`,
      );
    version.state = state;
    if (state === "DESTROYED") {
      version.data = null;
      version.destroyTime = now();
    }
    return versionMsg(secret, version);
  };
  const page = <T>(
    items: T[],
    req: { pageSize?: number; pageToken?: string },
  ): { page: T[]; next: string } => {
    // As Google: the page size asked, capped at 25,000 (0: the server's choice, the cap).
    const size = Math.min(req.pageSize && req.pageSize > 0 ? req.pageSize : maxPage, maxPage);
    const start = req.pageToken ? Number(req.pageToken) : 0;
    const end = start + size;
    return { page: items.slice(start, end), next: end < items.length ? String(end) : "" };
  };

  type Handler = (req: Record<string, unknown>) => unknown;
  const unary =
    (fn: Handler): grpc.handleUnaryCall<Record<string, unknown>, unknown> =>
    (call, callback) => {
      const answer = (): void => {
        try {
          callback(null, fn(call.request));
        } catch (e) {
          callback(e as grpc.ServiceError);
        }
      };
      if (latencyMs > 0) setTimeout(answer, latencyMs);
      else answer();
    };
  const handlers: Record<string, Handler> = {
    CreateSecret: (req) => {
      const parent = String(req.parent);
      const id = typeof req.secretId === "string" ? req.secretId : "";
      if (!/^projects\/[^/]+$/.test(parent))
        throw fail(grpc.status.INVALID_ARGUMENT, `Invalid parent ${parent}`);
      if (!ID_RULE.test(id)) throw fail(grpc.status.INVALID_ARGUMENT, `Invalid secret id [${id}].`);
      const name = `${parent}/secrets/${id}`;
      if (secrets.has(name))
        throw fail(grpc.status.ALREADY_EXISTS, `Secret [${name}] already exists.`);
      const body = (req.secret ?? {}) as {
        labels?: Record<string, string>;
        annotations?: Record<string, string>;
      };
      const s: StoredSecret = {
        name,
        createTime: now(),
        labels: { ...body.labels },
        annotations: { ...body.annotations },
        versions: [],
        etag: newEtag(),
      };
      secrets.set(name, s);
      return secretMsg(s);
    },
    // As Google: `update_mask` is required and names the fields replaced (a map field is
    // replaced whole); a given etag must be the current one (FAILED_PRECONDITION, HTTP
    // 400, otherwise); every update makes a new etag. Versions do not change the secret's.
    UpdateSecret: (req) => {
      const body = (req.secret ?? {}) as {
        name?: string;
        labels?: Record<string, string>;
        annotations?: Record<string, string>;
        etag?: string;
      };
      const paths = ((req.updateMask ?? {}) as { paths?: string[] }).paths ?? [];
      if (paths.length === 0)
        throw fail(grpc.status.INVALID_ARGUMENT, "Field [update_mask] is required.");
      const s = secretOf(String(body.name ?? ""));
      for (const p of paths)
        if (p !== "labels" && p !== "annotations")
          throw fail(
            grpc.status.INVALID_ARGUMENT,
            `The update_mask path [${p}] is invalid or not supported.`,
          );
      if (body.etag && body.etag !== s.etag)
        throw fail(
          grpc.status.FAILED_PRECONDITION,
          `The etag provided for Secret [${s.name}] does not match the current etag.`,
        );
      if (paths.includes("labels")) {
        const labels = { ...body.labels };
        if (Object.keys(labels).length > 64)
          throw fail(grpc.status.INVALID_ARGUMENT, "A secret may have at most 64 labels.");
        for (const [k, v] of Object.entries(labels))
          if (!LABEL_KEY.test(k) || !LABEL_VALUE.test(v))
            throw fail(grpc.status.INVALID_ARGUMENT, `Invalid label [${k}].`);
        s.labels = labels;
      }
      if (paths.includes("annotations")) s.annotations = { ...body.annotations };
      s.etag = newEtag();
      return secretMsg(s);
    },
    GetSecret: (req) => secretMsg(secretOf(String(req.name))),
    DeleteSecret: (req) => {
      secretOf(String(req.name));
      secrets.delete(String(req.name));
      return {};
    },
    // Like the Go emulator: `filter` is ignored and each page comes in random order.
    ListSecrets: (req) => {
      const prefix = `${String(req.parent)}/secrets/`;
      const all = [
        ...[...secrets.values()].filter((s) => !listing.hidden.has(s.name)),
        ...[...listing.stillListed.values()].filter((s) => !secrets.has(s.name)),
      ]
        .filter((s) => s.name.startsWith(prefix))
        .sort((a, b) => a.name.localeCompare(b.name));
      const { page: items, next } = page(all, req as { pageSize?: number; pageToken?: string });
      return { secrets: shuffle(items.map(secretMsg)), nextPageToken: next, totalSize: all.length };
    },
    AddSecretVersion: (req) => {
      const s = secretOf(String(req.parent));
      const data = (req.payload as { data?: Buffer } | undefined)?.data ?? Buffer.alloc(0);
      // Like the real service ("Field [payload] is required"): no empty versions.
      if (data.length === 0)
        throw fail(grpc.status.INVALID_ARGUMENT, "Field [payload] is required.");
      if (data.length > MAX_PAYLOAD)
        throw fail(
          grpc.status.INVALID_ARGUMENT,
          "Secret payload data length must be at most 65536 bytes.",
        );
      const v: StoredVersion = {
        id: s.versions.length + 1,
        state: "ENABLED",
        createTime: now(),
        destroyTime: null,
        data,
      };
      s.versions.push(v);
      return versionMsg(s, v);
    },
    GetSecretVersion: (req) => {
      const { secret, version } = splitVersion(String(req.name));
      return versionMsg(secret, version);
    },
    AccessSecretVersion: (req) => {
      const name = String(req.name);
      const { secret, version } = splitVersion(name);
      const resolved = `${secret.name}/versions/${version.id}`;
      if (version.state !== "ENABLED")
        throw fail(
          grpc.status.FAILED_PRECONDITION,
          `Secret Version [${resolved}] is in ${version.state} state.`,
        );
      return { name: resolved, payload: { data: version.data } };
    },
    ListSecretVersions: (req) => {
      const s = secretOf(String(req.parent));
      const all = [...s.versions].reverse().map((v) => versionMsg(s, v));
      const { page: items, next } = page(all, req as { pageSize?: number; pageToken?: string });
      return { versions: items, nextPageToken: next, totalSize: all.length };
    },
    DisableSecretVersion: (req) => setState(String(req.name), "DISABLED"),
    EnableSecretVersion: (req) => setState(String(req.name), "ENABLED"),
    DestroySecretVersion: (req) => setState(String(req.name), "DESTROYED"),
  };
  // Listing lag (test control): creations hidden from ListSecrets, deletions still in it.
  const lagging = (name: string): boolean => [...listing.scopes].some((p) => name.startsWith(p));
  const create = handlers.CreateSecret!;
  handlers.CreateSecret = (req) => {
    const r = create(req) as { name?: unknown };
    const name = String(r.name);
    if (lagging(name) && !listing.stillListed.delete(name)) listing.hidden.add(name);
    return r;
  };
  const remove = handlers.DeleteSecret!;
  handlers.DeleteSecret = (req) => {
    const name = String(req.name);
    const before = secrets.get(name);
    const r = remove(req);
    if (lagging(name) && before && !listing.hidden.delete(name))
      listing.stillListed.set(name, before);
    return r;
  };
  if (controlPort > 0) {
    createHttpServer((q, res) => {
      const url = new URL(q.url ?? "/", "http://127.0.0.1");
      const scope = url.searchParams.get("scope");
      if (!scope && (url.pathname === "/listing-lag" || url.pathname === "/listing-settle")) {
        res.writeHead(400).end("scope=projects/PROJECT/ is required");
        return;
      }
      if (url.pathname === "/listing-lag" && q.method === "PUT") {
        if (url.searchParams.get("on") === "1") listing.scopes.add(scope!);
        else listing.scopes.delete(scope!);
      } else if (url.pathname === "/listing-settle" && q.method === "POST") {
        for (const n of listing.hidden) if (n.startsWith(scope!)) listing.hidden.delete(n);
        for (const n of listing.stillListed.keys())
          if (n.startsWith(scope!)) listing.stillListed.delete(n);
      } else {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    }).listen(controlPort, "127.0.0.1");
  }

  const impl: grpc.UntypedServiceImplementation = {};
  for (const [method, fn] of Object.entries(handlers)) impl[method] = unary(fn);

  const server = new grpc.Server();
  server.addService(pkg.google.cloud.secretmanager.v1.SecretManagerService.service, impl);
  server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err) => {
    if (err) {
      process.stderr.write(`gsm emulator could not listen: ${err.message}\n`);
      process.exit(1);
    }
    process.stdout.write(`envsync gsm emulator listening on 127.0.0.1:${port}\n`);
  });
  const stop = (): void => server.tryShutdown(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

if (
  process.argv[1] &&
  import.meta.url === pathToFileURL(process.argv[1]).href &&
  process.argv.includes("--serve")
) {
  const arg = (flag: string, dflt: string): number => {
    const i = process.argv.indexOf(flag);
    return Number(i === -1 ? dflt : (process.argv[i + 1] ?? dflt));
  };
  const seedAt = process.argv.indexOf("--seed");
  serve(
    arg("--port", "9090"),
    arg("--latency-ms", "0"),
    arg("--max-page", String(REAL_MAX_PAGE)),
    seedAt === -1 ? "" : (process.argv[seedAt + 1] ?? ""),
    arg("--control-port", "0"),
  );
}
