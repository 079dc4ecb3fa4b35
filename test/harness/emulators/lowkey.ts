/**
 * Azure Key Vault emulator for the integration tests.
 *
 * First choice (TESTING.md): lowkey-vault, the Spring Boot jar from Maven Central,
 * run on the machine's Java 25 (found through JAVA25_HOME, JAVA_HOME or a search of
 * /usr/lib/jvm for a `release` file saying JAVA_VERSION="25…"; never a fixed path),
 * its self-signed certificate extracted from the jar and trusted through
 * NODE_EXTRA_CA_CERTS, and its token port standing in for a managed identity
 * endpoint (IDENTITY_ENDPOINT + IDENTITY_HEADER), so DefaultAzureCredential gets a
 * token through its real chain.
 *
 * On this workplace Maven Central refuses every `com.github.nagyesta.lowkey-vault`
 * artifact (no maven-metadata.xml, 404 for 7.0.9 through 7.3.112), so when the jar
 * cannot be installed the harness starts envsync's own out-of-process Key Vault
 * emulator instead: this file run as a script (`--serve`). It speaks the Key Vault
 * secrets REST API over HTTPS (a certificate made with openssl and trusted the same
 * way), answers unauthenticated requests with Key Vault's bearer challenge, issues
 * tokens on an App-Service-style managed identity endpoint, and follows the real
 * service where our code depends on it: case-insensitive names of `0-9a-zA-Z-`
 * (127), 25 KB values, 15 tags, 25-item pages with nextLink, soft delete that holds
 * the name (409 ObjectIsDeletedButRecoverable on set), recover, purge, empty values
 * accepted (lowkey-vault rejects them). Like a real vault it is eventually consistent:
 * after DELETE the deleted view answers 404 and set 409 ObjectIsBeingDeleted for a
 * window; after recover GET answers 404 and set 409 ObjectIsBeingRecovered; after purge
 * set answers 409 ObjectIsBeingDeleted (windows of ENVSYNC_KV_DELETE_WINDOW_MS /
 * ENVSYNC_KV_RECOVER_WINDOW_MS, 400 ms by default). Versions are listed in version-id
 * order, stamped to the second; a disabled secret answers 403 with inner code
 * SecretDisabled; the vault on 127.0.0.1 keeps deleted secrets 7 days
 * (CustomizedRecoverable+Purgeable), the same server as `localhost` 90 days
 * (Recoverable+Purgeable). A second port answers every authenticated request with
 * 403 ForbiddenByRbac, for the access-denied tests.
 *
 * `ENVSYNC_AZURE_EMULATOR=lowkey` makes lowkey-vault mandatory (fail if it cannot be
 * installed); `=envsync` always uses ours. `ENVSYNC_TEST_AZURE_EMULATOR` tells tests
 * which one ran. Ours also has test controls on its token port
 * (`ENVSYNC_TEST_KV_CONTROL_URL`, vault at `ENVSYNC_TEST_KV_EMULATOR_URL`):
 * `PUT /control/faults?name=S&count=N&status=503` answers the next N authenticated
 * requests about secret S with that status (retry tests), `GET /control/requests?name=S`
 * counts them, and `PUT /control/latency?ms=N` delays every response by N ms to model
 * the round trip to a cloud region in `npm run bench`. Per name S: `PUT
 * /control/window?name=S&ms=N` sets the length of S's next windows, `POST
 * /control/settle?name=S` ends its window now, `GET /control/window-hits?name=S` counts
 * answers given from inside a window, `PUT /control/clock?name=S&seconds=T` stamps S's
 * versions with time T (as several writes within one second). Listing lag (as the
 * cloud documents for listings): `PUT /control/listing-lag?on=1&scope=P` makes secrets
 * whose names start with P created from then on missing from the list and secrets deleted
 * still in it, until `POST /control/listing-settle?scope=P`; reads by name stay fresh.
 */
import { execFileSync } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Emulator, RunningEmulator } from "../common.js";
import { cacheDir, freePort, httpOk, run, startService, stopService, waitFor } from "../common.js";

/** The lowkey-vault release tried first (newest 7.x seen; needs Java 25). */
export const LOWKEY_VERSION = process.env.ENVSYNC_LOWKEY_VERSION ?? "7.3.112";
const ARTIFACT = `com.github.nagyesta.lowkey-vault:lowkey-vault-app:${LOWKEY_VERSION}:jar`;
const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, "..", "..", "..");
/** A refused download is not retried for a day (each try costs Maven's start-up). */
const REFUSAL_TTL_MS = 24 * 3600_000;

function mode(): "auto" | "lowkey" | "envsync" {
  const m = process.env.ENVSYNC_AZURE_EMULATOR;
  return m === "lowkey" || m === "envsync" ? m : "auto";
}

const lowkeyDir = (): string => cacheDir("lowkey");
const jarPath = (): string => join(lowkeyDir(), "lowkey-vault-app.jar");
const refusalMarker = (): string => join(lowkeyDir(), `unavailable-${LOWKEY_VERSION}`);

/** JAVA_HOME of a Java 25 runtime, or undefined. */
export function findJava25(): string | undefined {
  const isJava25 = (home: string): boolean => {
    try {
      return (
        existsSync(join(home, "bin", "java")) &&
        /^JAVA_VERSION="25[."]/m.test(readFileSync(join(home, "release"), "utf8"))
      );
    } catch {
      return false;
    }
  };
  for (const v of [process.env.JAVA25_HOME, process.env.JAVA_HOME]) if (v && isJava25(v)) return v;
  const jvm = "/usr/lib/jvm";
  if (!existsSync(jvm)) return undefined;
  return readdirSync(jvm)
    .sort()
    .reverse()
    .map((d) => join(jvm, d))
    .find(isJava25);
}

/** Extracts lowkey-vault's certificate from the jar into a PEM file (once). */
function lowkeyCertPem(javaHome: string): string {
  const pem = join(lowkeyDir(), "lowkey-cert.pem");
  if (existsSync(pem)) return pem;
  const dir = lowkeyDir();
  execFileSync(
    join(javaHome, "bin", "jar"),
    ["xf", jarPath(), "BOOT-INF/classes/cert/keystore.p12"],
    { cwd: dir },
  );
  const p12 = join(dir, "BOOT-INF", "classes", "cert", "keystore.p12");
  const convert = (legacy: boolean): Buffer =>
    execFileSync("openssl", [
      "pkcs12",
      ...(legacy ? ["-legacy"] : []),
      "-in",
      p12,
      "-passin",
      "pass:changeit",
      "-nokeys",
    ]);
  let out: Buffer;
  try {
    out = convert(false);
  } catch {
    out = convert(true);
  }
  writeFileSync(pem, out);
  rmSync(join(dir, "BOOT-INF"), { recursive: true, force: true });
  return pem;
}

/** A self-signed certificate for our emulator, valid for 127.0.0.1 and localhost (made once). */
function ownCert(): { cert: string; key: string } {
  const dir = cacheDir("kv-emulator");
  const cert = join(dir, "cert.pem");
  const key = join(dir, "key.pem");
  if (!existsSync(cert) || !existsSync(key)) {
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
        "3650",
        "-subj",
        "/CN=envsync Key Vault emulator",
        "-addext",
        "subjectAltName=IP:127.0.0.1,DNS:localhost",
      ],
      { stdio: "ignore" },
    );
  }
  return { cert, key };
}

let lowkeyInstallError: string | undefined;

function lowkeyUsable(): boolean {
  return mode() !== "envsync" && existsSync(jarPath()) && findJava25() !== undefined;
}

/** Starts lowkey-vault and prepares a Recoverable+Purgeable vault on 127.0.0.1. */
async function startLowkey(): Promise<{
  url: string;
  tokenPort: number;
  ca: string;
  stop(): Promise<void>;
}> {
  const javaHome = findJava25() as string;
  const ca = lowkeyCertPem(javaHome);
  const port = await freePort();
  const tokenPort = await freePort();
  const log = join(lowkeyDir(), `lowkey-${port}.log`);
  const child = startService(
    join(javaHome, "bin", "java"),
    [
      "-Xmx384m",
      "-jar",
      jarPath(),
      `--server.port=${port}`,
      "--server.address=127.0.0.1",
      `--app.token.port=${tokenPort}`,
      "--LOWKEY_VAULT_NAMES=-",
    ],
    { log, env: { ...process.env, JAVA_HOME: javaHome } },
  );
  await waitFor(
    `lowkey-vault on ${port} (log: ${log})`,
    () => httpOk(`http://127.0.0.1:${tokenPort}/ping`),
    120_000,
    child,
  );
  // Default vaults cannot be purged; soft delete and purge need a vault made so.
  const url = `https://127.0.0.1:${port}`;
  const body = JSON.stringify({
    baseUri: url,
    recoveryLevel: "Recoverable+Purgeable",
    recoverableDays: 7,
  });
  const res = await import("node:https").then(
    ({ request }) =>
      new Promise<number>((resolve, reject) => {
        const req = request(
          `${url}/management/vault`,
          { method: "POST", ca: readFileSync(ca), headers: { "content-type": "application/json" } },
          (r) => {
            r.resume();
            resolve(r.statusCode ?? 0);
          },
        );
        req.on("error", reject);
        req.end(body);
      }),
  );
  if (res !== 200)
    throw new Error(`lowkey-vault refused to create the vault ${url} (HTTP ${res}); see ${log}`);
  return { url, tokenPort, ca, stop: () => stopService(child) };
}

/** The Azure Key Vault emulator of the harness. */
export const emulator: Emulator = {
  name: "lowkey",
  installCommand: `mvn -B -q org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy -Dartifact=${ARTIFACT} -DoutputDirectory=${join("$HOME", ".cache", "envsync-emulators", "lowkey")} -Dmdep.stripVersion=true   # and a Java 25 JDK (JAVA25_HOME)`,
  async install(): Promise<void> {
    ownCert();
    if (mode() === "envsync" || existsSync(jarPath())) return;
    const marker = refusalMarker();
    if (
      mode() === "auto" &&
      existsSync(marker) &&
      Date.now() - statSync(marker).mtimeMs < REFUSAL_TTL_MS
    ) {
      lowkeyInstallError = readFileSync(marker, "utf8");
    } else {
      try {
        await run(
          "mvn",
          [
            "-B",
            "-q",
            "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy",
            `-Dartifact=${ARTIFACT}`,
            `-DoutputDirectory=${lowkeyDir()}`,
            "-Dmdep.stripVersion=true",
          ],
          { log: join(lowkeyDir(), "install.log") },
        );
      } catch (e) {
        lowkeyInstallError = (e as Error).message;
        writeFileSync(marker, lowkeyInstallError);
      }
    }
    if (lowkeyInstallError !== undefined || findJava25() === undefined) {
      const why = lowkeyInstallError ?? "no Java 25 runtime found (set JAVA25_HOME)";
      if (mode() === "lowkey") throw new Error(why);
      process.stderr.write(
        `[lowkey] lowkey-vault ${LOWKEY_VERSION} is not available (${why}); using envsync's own Key Vault emulator (test/harness/emulators/lowkey.ts).\n`,
      );
    }
  },
  async start(): Promise<RunningEmulator> {
    const own = ownCert();
    const withLowkey = lowkeyUsable();
    const identityHeader = randomBytes(16).toString("hex");
    const [port, forbiddenPort, tokenPort] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
    ]);
    // Our emulator always runs: it serves the 403 vault, and the vault itself without lowkey.
    const log = join(cacheDir("kv-emulator"), `server-${port}.log`);
    const child = startService(
      process.execPath,
      [
        "--import",
        "tsx",
        join(here, "lowkey.ts"),
        "--serve",
        ...[
          "--port",
          String(port),
          "--forbidden-port",
          String(forbiddenPort),
          "--token-port",
          String(tokenPort),
        ],
        ...["--cert", own.cert, "--key", own.key],
      ],
      {
        cwd: repoRoot,
        log,
        env: {
          ...process.env,
          ENVSYNC_KV_IDENTITY_HEADER: identityHeader,
          // With lowkey-vault, tokens come from its token port: ours cannot know them.
          ENVSYNC_KV_ANY_TOKEN: withLowkey ? "1" : "",
        },
      },
    );
    await waitFor(
      `Key Vault emulator on ${port} (log: ${log})`,
      () => httpOk(`http://127.0.0.1:${tokenPort}/ping`),
      60_000,
      child,
    );
    const lowkey = withLowkey ? await startLowkey() : undefined;
    const caFile = join(cacheDir("kv-emulator"), "trust.pem");
    writeFileSync(
      caFile,
      readFileSync(own.cert, "utf8") + (lowkey ? `\n${readFileSync(lowkey.ca, "utf8")}` : ""),
    );
    const tokenBase = `http://127.0.0.1:${lowkey ? lowkey.tokenPort : tokenPort}`;
    return {
      env: {
        ENVSYNC_TEST_LOWKEY_URL: lowkey ? lowkey.url : `https://127.0.0.1:${port}`,
        ENVSYNC_TEST_AZURE_EMULATOR: lowkey ? "lowkey" : "envsync",
        ENVSYNC_TEST_KV_FORBIDDEN_URL: `https://127.0.0.1:${forbiddenPort}`,
        ENVSYNC_TEST_KV_EMULATOR_URL: `https://127.0.0.1:${port}`,
        ENVSYNC_TEST_KV_CONTROL_URL: `http://127.0.0.1:${tokenPort}/control`,
        ENVSYNC_TEST_LOWKEY_CA: caFile,
        NODE_EXTRA_CA_CERTS: caFile,
        // App Service managed identity: DefaultAzureCredential's ManagedIdentityCredential
        // asks this endpoint (lowkey-vault's token port, or ours) for a token.
        IDENTITY_ENDPOINT: `${tokenBase}/metadata/identity/oauth2/token`,
        IDENTITY_HEADER: lowkey ? "lowkey" : identityHeader,
      },
      stop: async () => {
        await Promise.all([stopService(child), lowkey?.stop()]);
      },
    };
  },
};

// ---------------------------------------------------------------------------
// envsync's own Key Vault emulator (runs only in the child process started above).

interface StoredVersion {
  readonly id: string;
  readonly value: string;
  tags: Record<string, string> | undefined;
  readonly contentType: string | undefined;
  readonly created: number;
  updated: number;
  enabled: boolean;
}
interface StoredSecret {
  readonly name: string;
  readonly versions: StoredVersion[];
  deletedDate?: number;
}
/**
 * Where a name is in Key Vault's life cycle. Delete, recover and purge are eventually
 * consistent in the real service: `deleting` (after DELETE: neither live nor listed as
 * deleted, set answers 409 ObjectIsBeingDeleted), `recovering` (after recover: GET
 * answers 404, set 409 ObjectIsBeingRecovered) and `purging` (after purge: set answers
 * 409 ObjectIsBeingDeleted) each last a window, then become `deleted`, `live` or gone.
 */
type Phase = "live" | "deleting" | "deleted" | "recovering" | "purging";
interface Entry {
  readonly secret: StoredSecret;
  phase: Phase;
  /** When the current transitional phase ends, ms since the epoch. */
  settlesAt: number;
}
/** Per-name test controls: window length, a frozen clock for version times, answers given from a window. */
interface NameControl {
  windowMs?: number;
  clockSeconds?: number;
  windowHits: number;
}

const NAME_RULE = /^[0-9a-zA-Z-]{1,127}$/;
const MAX_VALUE_BYTES = 25_600;
const MAX_TAGS = 15;
const MAX_PAGE = 25;
/** Soft-delete retention of the vault on 127.0.0.1 (the one on `localhost` keeps 90). */
const RECOVERABLE_DAYS = 7;
/**
 * Default length of the delete, recover and purge windows, ms: short so tests stay
 * quick, long enough that code which does not wait them out fails. Real vaults take
 * ≈ 8 s (delete) and ≈ 10 s (recover); ENVSYNC_KV_DELETE_WINDOW_MS and
 * ENVSYNC_KV_RECOVER_WINDOW_MS set them.
 */
const DEFAULT_WINDOW_MS = 400;

/**
 * Key Vault's recovery level for a retention: 90 days is the default
 * (`Recoverable+Purgeable`); fewer days are a customised retention.
 */
export function recoveryLevelFor(days: number): string {
  return days < 90 ? "CustomizedRecoverable+Purgeable" : "Recoverable+Purgeable";
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly inner?: string,
  ) {
    super(message);
  }
}

/** Defaults of the delete/recover/purge windows, ms (real vaults: ≈ 8 s and ≈ 10 s). */
export interface KvWindows {
  readonly deleteMs: number;
  readonly recoverMs: number;
}

function serve(opts: {
  port: number;
  forbiddenPort: number;
  tokenPort: number;
  cert: string;
  key: string;
  identityHeader: string;
  latencyMs: number;
  anyToken: boolean;
  windows: KvWindows;
}): void {
  // One vault per host name: 127.0.0.1 keeps deleted secrets 7 days, localhost 90.
  const vaults = new Map<string, Map<string, Entry>>();
  const vaultOf = (host: string): Map<string, Entry> => {
    let v = vaults.get(host);
    if (!v) vaults.set(host, (v = new Map()));
    return v;
  };
  const retentionOf = (host: string): number => (host === "localhost" ? 90 : RECOVERABLE_DAYS);
  const tokens = new Set<string>();
  // Test controls: failures to answer for one secret name, and authenticated requests seen per name.
  const faults = new Map<string, { count: number; status: number }>();
  const requests = new Map<string, number>();
  const controls = new Map<string, NameControl>();
  const controlOf = (key: string): NameControl => {
    let c = controls.get(key);
    if (!c) controls.set(key, (c = { windowHits: 0 }));
    return c;
  };
  const seconds = (ms: number): number => Math.floor(ms / 1000);
  // Listing lag (docs/CLOUD-BEHAVIOUR.md): while on, secrets created are missing from
  // the list and secrets deleted are still in it, until the test settles the listing.
  // Scoped by name prefix, so a test's lag never hides another test's secrets (the test
  // files run in parallel against one stand-in).
  const listing = {
    scopes: new Set<string>(),
    hidden: new Set<string>(),
    stillListed: new Set<string>(),
  };
  const lagging = (secret: string): boolean =>
    [...listing.scopes].some((p) => secret.startsWith(p));
  /** `host/name` keys of `set` whose name is under `scope`. */
  const under = (set: Set<string>, scope: string): string[] =>
    [...set].filter((k) => k.slice(k.indexOf("/") + 1).startsWith(scope));

  function handle(method: string, url: URL, base: string, body: unknown): [number, unknown] {
    const host = url.hostname;
    const vault = vaultOf(host);
    const days = retentionOf(host);
    const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    const [coll, rawName, sub, extra] = parts;
    const key = rawName?.toLowerCase() ?? "";
    const nowMs = Date.now();

    /** The entry of a name with finished windows applied. */
    const entryOf = (k: string): Entry | undefined => {
      const e = vault.get(k);
      if (!e || e.settlesAt > Date.now()) return e;
      if (e.phase === "deleting") e.phase = "deleted";
      else if (e.phase === "recovering") e.phase = "live";
      else if (e.phase === "purging") {
        vault.delete(k);
        return undefined;
      }
      return e;
    };
    const inWindow = (k: string): void => {
      controlOf(k).windowHits++;
    };
    const windowFor = (k: string, dflt: number): number => controls.get(k)?.windowMs ?? dflt;
    const createdAt = (k: string): number => {
      const frozen = controls.get(k)?.clockSeconds;
      return frozen === undefined ? nowMs : frozen * 1000;
    };
    const attributes = (v: StoredVersion): Record<string, unknown> => ({
      enabled: v.enabled,
      created: seconds(v.created),
      updated: seconds(v.updated),
      recoveryLevel: recoveryLevelFor(days),
      recoverableDays: days,
    });
    const latest = (s: StoredSecret): StoredVersion =>
      s.versions[s.versions.length - 1] as StoredVersion;
    const bundle = (s: StoredSecret, v: StoredVersion, withValue: boolean) => ({
      ...(withValue ? { value: v.value } : {}),
      id: `${base}/secrets/${s.name}/${v.id}`,
      attributes: attributes(v),
      ...(v.tags ? { tags: v.tags } : {}),
      ...(v.contentType !== undefined ? { contentType: v.contentType } : {}),
    });
    const item = (v: StoredVersion, id: string): Record<string, unknown> => ({
      id,
      attributes: attributes(v),
      ...(v.tags ? { tags: v.tags } : {}),
      ...(v.contentType !== undefined ? { contentType: v.contentType } : {}),
    });
    const deletedBundle = (s: StoredSecret): Record<string, unknown> => ({
      ...bundle(s, latest(s), false),
      recoveryId: `${base}/deletedsecrets/${s.name}`,
      deletedDate: seconds(s.deletedDate ?? nowMs),
      scheduledPurgeDate: seconds((s.deletedDate ?? nowMs) + days * 86_400_000),
    });
    const notFound = (name: string): HttpError =>
      new HttpError(
        404,
        "SecretNotFound",
        `A secret with (name/id) ${name} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182`,
      );
    const deletedNotFound = (name: string): HttpError =>
      new HttpError(404, "SecretNotFound", `Deleted Secret not found: ${name}`);
    const beingDeleted = (name: string): HttpError =>
      new HttpError(
        409,
        "Conflict",
        `Secret ${name} is currently being deleted and cannot be re-created; retry later.`,
        "ObjectIsBeingDeleted",
      );
    const checkName = (name: string): void => {
      if (!NAME_RULE.test(name)) {
        throw new HttpError(
          400,
          "BadParameter",
          "The request URI contains an invalid name: secret names may contain only 0-9, a-z, A-Z, and -.",
        );
      }
    };
    const page = (path: string, items: Record<string, unknown>[]): Record<string, unknown> => {
      const max = Math.min(
        MAX_PAGE,
        Math.max(1, Number(url.searchParams.get("maxresults") ?? MAX_PAGE)),
      );
      const skip = Number(url.searchParams.get("$skiptoken") ?? "0");
      const next = skip + max < items.length ? skip + max : null;
      const apiVersion = url.searchParams.get("api-version") ?? "7.6";
      return {
        value: items.slice(skip, skip + max),
        nextLink:
          next === null
            ? null
            : `${base}${path}?api-version=${apiVersion}&$skiptoken=${next}&maxresults=${max}`,
      };
    };
    const inPhase = (phase: Phase): StoredSecret[] =>
      [...vault.keys()]
        .map((k) => entryOf(k))
        .filter((e): e is Entry => e?.phase === phase)
        .map((e) => e.secret)
        .sort((a, b) => a.name.localeCompare(b.name));

    if (coll === "secrets" && rawName === undefined && method === "GET") {
      const listed = [...vault.keys()]
        .map((k) => ({ k, e: entryOf(k) }))
        .filter(({ k, e }) =>
          e === undefined
            ? false
            : e.phase === "live"
              ? !listing.hidden.has(`${host}/${k}`)
              : listing.stillListed.has(`${host}/${k}`),
        )
        .map(({ e }) => (e as Entry).secret)
        .sort((a, b) => a.name.localeCompare(b.name));
      const items = listed.map((s) => item(latest(s), `${base}/secrets/${s.name}`));
      return [200, page("/secrets", items)];
    }
    if (coll === "deletedsecrets" && rawName === undefined && method === "GET") {
      return [200, page("/deletedsecrets", inPhase("deleted").map(deletedBundle))];
    }
    if (coll === "secrets" && rawName !== undefined) {
      checkName(rawName);
      const e = entryOf(key);
      if (method === "PUT" && sub === undefined) {
        if (e && e.phase !== "live") inWindow(key);
        if (e?.phase === "deleting" || e?.phase === "purging") throw beingDeleted(rawName);
        if (e?.phase === "recovering") {
          throw new HttpError(
            409,
            "Conflict",
            `Secret ${rawName} is currently being recovered and cannot be re-created; retry later.`,
            "ObjectIsBeingRecovered",
          );
        }
        if (e?.phase === "deleted") {
          throw new HttpError(
            409,
            "Conflict",
            `Secret ${rawName} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.`,
            "ObjectIsDeletedButRecoverable",
          );
        }
        const b = (body ?? {}) as { value?: unknown; tags?: unknown; contentType?: unknown };
        if (typeof b.value !== "string")
          throw new HttpError(400, "BadParameter", "Property value is required.");
        if (Buffer.byteLength(b.value, "utf8") > MAX_VALUE_BYTES) {
          throw new HttpError(
            400,
            "BadParameter",
            "Secret value is too large: the maximum size is 25 KB.",
          );
        }
        const tags = b.tags as Record<string, string> | undefined;
        if (tags && Object.keys(tags).length > MAX_TAGS)
          throw new HttpError(400, "BadParameter", "Too many tags.");
        const at = createdAt(key);
        const v: StoredVersion = {
          id: randomUUID().replace(/-/g, ""),
          value: b.value,
          tags,
          contentType: typeof b.contentType === "string" ? b.contentType : undefined,
          created: at,
          updated: at,
          enabled: true,
        };
        const s = e?.secret ?? { name: rawName, versions: [] };
        s.versions.push(v);
        if (!e) vault.set(key, { secret: s, phase: "live", settlesAt: 0 });
        return [200, bundle(s, v, true)];
      }
      if (e?.phase !== "live") {
        if (e) inWindow(key);
        throw notFound(rawName);
      }
      const s = e.secret;
      if (method === "GET" && sub === "versions") {
        // Key Vault lists versions in version-id order, not by time.
        const items = [...s.versions]
          .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
          .map((v) => item(v, `${base}/secrets/${s.name}/${v.id}`));
        return [200, page(`/secrets/${s.name}/versions`, items)];
      }
      if (method === "GET" && extra === undefined) {
        const v = sub ? s.versions.find((x) => x.id === sub) : latest(s);
        if (!v) throw notFound(`${rawName}/${sub}`);
        if (!v.enabled)
          throw new HttpError(
            403,
            "Forbidden",
            "Operation get is not allowed on a disabled secret.",
            "SecretDisabled",
          );
        return [200, bundle(s, v, true)];
      }
      if (method === "PATCH" && sub !== undefined) {
        const v = s.versions.find((x) => x.id === sub);
        if (!v) throw notFound(`${rawName}/${sub}`);
        const b = (body ?? {}) as { attributes?: { enabled?: unknown }; tags?: unknown };
        if (typeof b.attributes?.enabled === "boolean") v.enabled = b.attributes.enabled;
        // Update Secret replaces the version's tags when the body has them (Azure REST).
        if (b.tags !== undefined && b.tags !== null && typeof b.tags === "object") {
          const tags = b.tags as Record<string, string>;
          if (Object.keys(tags).length > MAX_TAGS)
            throw new HttpError(400, "BadParameter", "Too many tags.");
          v.tags = tags;
        }
        v.updated = createdAt(key);
        return [200, bundle(s, v, false)];
      }
      if (method === "DELETE" && sub === undefined) {
        s.deletedDate = nowMs;
        e.phase = "deleting";
        e.settlesAt = nowMs + windowFor(key, opts.windows.deleteMs);
        return [200, deletedBundle(s)];
      }
    }
    if (coll === "deletedsecrets" && rawName !== undefined) {
      checkName(rawName);
      const e = entryOf(key);
      if (e?.phase === "deleting" && method !== "GET") {
        inWindow(key);
        throw beingDeleted(rawName);
      }
      if (e?.phase !== "deleted") {
        if (e && e.phase !== "live") inWindow(key);
        throw deletedNotFound(rawName);
      }
      const s = e.secret;
      if (method === "GET" && sub === undefined) return [200, deletedBundle(s)];
      if (method === "DELETE" && sub === undefined) {
        e.phase = "purging";
        e.settlesAt = nowMs + windowFor(key, opts.windows.deleteMs);
        return [204, undefined];
      }
      if (method === "POST" && sub === "recover") {
        delete s.deletedDate;
        e.phase = "recovering";
        e.settlesAt = nowMs + windowFor(key, opts.windows.recoverMs);
        return [200, bundle(s, latest(s), false)];
      }
    }
    throw new HttpError(400, "BadParameter", `Unsupported request: ${method} ${url.pathname}`);
  }

  /** Ends the transitional window of a name in every vault now (test control). */
  const settle = (key: string): void => {
    for (const vault of vaults.values()) {
      const e = vault.get(key);
      if (e) e.settlesAt = 0;
    }
  };

  const send = (
    res: ServerResponse,
    status: number,
    payload: unknown,
    headers: Record<string, string> = {},
  ): void => {
    const text = payload === undefined ? "" : JSON.stringify(payload);
    const write = (): void => {
      res.writeHead(status, {
        ...headers,
        ...(text ? { "content-type": "application/json; charset=utf-8" } : {}),
        "content-length": String(Buffer.byteLength(text)),
        "x-ms-request-id": randomUUID(),
      });
      res.end(text);
    };
    if (opts.latencyMs > 0) setTimeout(write, opts.latencyMs);
    else write();
  };
  const challenge = {
    "www-authenticate":
      'Bearer authorization="https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000", resource="https://vault.azure.net"',
  };
  const authorized = (req: IncomingMessage): boolean => {
    const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? "");
    return m !== null && (opts.anyToken || tokens.has(m[1] as string));
  };
  const readBody = (req: IncomingMessage): Promise<unknown> =>
    new Promise((resolve) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        try {
          resolve(text ? JSON.parse(text) : undefined);
        } catch {
          resolve(undefined);
        }
      });
    });

  const tls = { cert: readFileSync(opts.cert), key: readFileSync(opts.key) };
  const vault = createHttpsServer(tls, (req, res) => {
    void (async () => {
      const body = await readBody(req);
      if (!authorized(req))
        return send(
          res,
          401,
          {
            error: {
              code: "Unauthorized",
              message: "AKV10000: Request is missing a Bearer or PoP token.",
            },
          },
          challenge,
        );
      const url = new URL(req.url ?? "/", `https://${req.headers.host ?? "127.0.0.1"}`);
      const secret = decodeURIComponent(url.pathname.split("/")[2] ?? "").toLowerCase();
      requests.set(secret, (requests.get(secret) ?? 0) + 1);
      const fault = faults.get(secret);
      if (fault && fault.count > 0) {
        fault.count--;
        return send(res, fault.status, { error: { code: "InjectedFault", message: "injected" } });
      }
      try {
        // Listing lag: a name made or deleted now changes the list only when settled.
        const parts = url.pathname.split("/").filter(Boolean);
        const one =
          parts[0] === "secrets" && parts.length === 2 ? `${url.hostname}/${secret}` : null;
        const wasLive = one !== null && vaultOf(url.hostname).get(secret)?.phase === "live";
        const [status, payload] = handle(
          req.method ?? "GET",
          url,
          `https://${req.headers.host ?? ""}`,
          body,
        );
        if (one !== null && lagging(secret) && status === 200) {
          if (req.method === "PUT" && !wasLive && !listing.stillListed.delete(one))
            listing.hidden.add(one);
          if (req.method === "DELETE" && wasLive && !listing.hidden.delete(one))
            listing.stillListed.add(one);
        }
        send(res, status, payload);
      } catch (e) {
        if (!(e instanceof HttpError)) throw e;
        send(res, e.status, {
          error: {
            code: e.code,
            message: e.message,
            ...(e.inner ? { innererror: { code: e.inner } } : {}),
          },
        });
      }
    })();
  });
  const forbidden = createHttpsServer(tls, (req, res) => {
    void readBody(req).then(() => {
      if (!authorized(req))
        return send(res, 401, { error: { code: "Unauthorized", message: "AKV10000" } }, challenge);
      send(res, 403, {
        error: {
          code: "Forbidden",
          message: "Caller is not authorized to perform action on resource.",
          innererror: { code: "ForbiddenByRbac" },
        },
      });
    });
  });
  const token = createHttpServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (url.pathname === "/ping") return send(res, 200, { status: "ok" });
    if (url.pathname === "/control/faults" && req.method === "PUT") {
      const name = (url.searchParams.get("name") ?? "").toLowerCase();
      faults.set(name, {
        count: Number(url.searchParams.get("count") ?? "1"),
        status: Number(url.searchParams.get("status") ?? "503"),
      });
      requests.set(name, 0);
      return send(res, 200, {});
    }
    if (url.pathname === "/control/requests" && req.method === "GET") {
      const name = (url.searchParams.get("name") ?? "").toLowerCase();
      return send(res, 200, { requests: requests.get(name) ?? 0 });
    }
    if (url.pathname.startsWith("/control/") && url.searchParams.has("name")) {
      const name = (url.searchParams.get("name") ?? "").toLowerCase();
      const c = controlOf(name);
      if (url.pathname === "/control/window" && req.method === "PUT") {
        c.windowMs = Math.max(0, Number(url.searchParams.get("ms") ?? "0"));
        c.windowHits = 0;
        return send(res, 200, { windowMs: c.windowMs });
      }
      if (url.pathname === "/control/settle" && req.method === "POST") {
        settle(name);
        return send(res, 200, {});
      }
      if (url.pathname === "/control/window-hits" && req.method === "GET")
        return send(res, 200, { hits: c.windowHits });
      if (url.pathname === "/control/clock" && req.method === "PUT") {
        c.clockSeconds = Number(url.searchParams.get("seconds") ?? "0");
        return send(res, 200, {});
      }
    }
    const scope = url.searchParams.get("scope")?.toLowerCase();
    if (url.pathname === "/control/listing-lag" && req.method === "PUT") {
      if (!scope) return send(res, 400, { error: "scope=NAME_PREFIX is required" });
      if (url.searchParams.get("on") === "1") listing.scopes.add(scope);
      else listing.scopes.delete(scope);
      return send(res, 200, { lag: listing.scopes.has(scope) });
    }
    if (url.pathname === "/control/listing-settle" && req.method === "POST") {
      if (!scope) return send(res, 400, { error: "scope=NAME_PREFIX is required" });
      for (const k of under(listing.hidden, scope)) listing.hidden.delete(k);
      for (const k of under(listing.stillListed, scope)) listing.stillListed.delete(k);
      return send(res, 200, {});
    }
    if (url.pathname === "/control/latency" && req.method === "PUT") {
      opts.latencyMs = Math.max(0, Number(url.searchParams.get("ms") ?? "0"));
      return send(res, 200, { latencyMs: opts.latencyMs });
    }
    if (url.pathname.replace(/\/$/, "") !== "/metadata/identity/oauth2/token")
      return send(res, 404, {});
    if (req.headers["x-identity-header"] !== opts.identityHeader) {
      return send(res, 401, {
        error: "invalid_request",
        error_description: "X-IDENTITY-HEADER is missing or wrong.",
      });
    }
    const resource = url.searchParams.get("resource") ?? "";
    const t = randomBytes(24).toString("base64url");
    tokens.add(t);
    send(res, 200, {
      access_token: t,
      expires_on: String(seconds(Date.now()) + 3600),
      resource,
      token_type: "Bearer",
      client_id: "00000000-0000-0000-0000-000000000000",
    });
  });
  vault.listen(opts.port, "127.0.0.1");
  forbidden.listen(opts.forbiddenPort, "127.0.0.1");
  token.listen(opts.tokenPort, "127.0.0.1");
  const stop = (): void => {
    vault.close();
    forbidden.close();
    token.close(() => process.exit(0));
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

if (
  process.argv[1] &&
  import.meta.url === pathToFileURL(process.argv[1]).href &&
  process.argv.includes("--serve")
) {
  const arg = (name: string): string => {
    const i = process.argv.indexOf(name);
    const v = process.argv[i + 1];
    if (i < 0 || v === undefined) throw new Error(`missing ${name}`);
    return v;
  };
  serve({
    port: Number(arg("--port")),
    forbiddenPort: Number(arg("--forbidden-port")),
    tokenPort: Number(arg("--token-port")),
    cert: arg("--cert"),
    key: arg("--key"),
    identityHeader: process.env.ENVSYNC_KV_IDENTITY_HEADER ?? "",
    latencyMs: 0,
    anyToken: process.env.ENVSYNC_KV_ANY_TOKEN === "1",
    windows: {
      deleteMs: Number(process.env.ENVSYNC_KV_DELETE_WINDOW_MS ?? DEFAULT_WINDOW_MS),
      recoverMs: Number(process.env.ENVSYNC_KV_RECOVER_WINDOW_MS ?? DEFAULT_WINDOW_MS),
    },
  });
}
