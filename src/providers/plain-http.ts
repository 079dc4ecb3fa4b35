/**
 * Secrets and tokens travel over TLS, except to loopback (docs/RELIABILITY.md, "TLS
 * except to loopback"). Before a store, its foreign-entry access or its online checks
 * open a connection, {@link refusePlainHttp} asks the provider where its client will
 * connect ({@link ProviderHooks.address}; by default the `endpoint=` of the URI) and
 * stops with exit 2 when that is `http://` to a host that is not loopback, unless the
 * user opted in with ENVSYNC_ALLOW_INSECURE_HTTP=1, which warns on every run.
 */
import { EnvsyncError } from "../errors.js";
import type { Logger } from "../logger.js";
import { redactUrl } from "../redact.js";
import type { ProviderHooks, StoreContext } from "./types.js";
import { displayUri, type RemoteUri } from "./uri.js";

/** The environment variable that allows plain HTTP to a host that is not loopback. */
export const ALLOW_INSECURE_HTTP_ENV = "ENVSYNC_ALLOW_INSECURE_HTTP";

/**
 * True for a URL host (as `new URL().hostname` gives it) on the loopback interface:
 * `localhost`, 127.0.0.0/8 and ::1 (IPv4-mapped 127.x included). A name other than
 * `localhost` is not loopback, whatever it resolves to today.
 */
export function isLoopbackHost(hostname: string): boolean {
  // The URL parser has already normalised the host: IPv4 in dotted decimal (127.1 and
  // 2130706433 read as 127.0.0.1), IPv6 in brackets and compressed. (node:net's isIP
  // would load the stream modules into every start-up.)
  const host = hostname.toLowerCase();
  if (host === "localhost") return true;
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(host)) return host.startsWith("127.");
  if (host === "[::1]") return true;
  // IPv4-mapped loopback: ::ffff:127.x.y.z is written ::ffff:7f00:1 (first hextet 7f00–7fff).
  const mapped = /^\[::ffff:([0-9a-f]{1,4}):[0-9a-f]{1,4}\]$/.exec(host);
  return mapped !== null && (parseInt(mapped[1]!, 16) & 0xff00) === 0x7f00;
}

/** Loggers already warned about an address in this process (one warning a run). */
const warned = new WeakMap<Logger, Set<string>>();

/**
 * Stops with exit 2 (URI) when the store for `uri` would talk plain HTTP to a host that
 * is not loopback; with ENVSYNC_ALLOW_INSECURE_HTTP=1 it warns once a run instead.
 * An address that is not a URL is left for the store to report.
 */
export function refusePlainHttp(uri: RemoteUri, hooks: ProviderHooks, context: StoreContext): void {
  const address = hooks.address
    ? hooks.address(uri, context.env)
    : (uri.params.get("endpoint") ?? undefined);
  if (!address) return;
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    return;
  }
  if (url.protocol !== "http:" || isLoopbackHost(url.hostname)) return;
  const where = `${displayUri(uri)} would send secrets and credentials over plain HTTP (no TLS) to ${redactUrl(url.origin)}, which is not a loopback address`;
  if (context.env[ALLOW_INSECURE_HTTP_ENV] === "1") {
    const seen = warned.get(context.logger) ?? new Set<string>();
    warned.set(context.logger, seen);
    if (!seen.has(url.origin)) {
      seen.add(url.origin);
      context.logger.warn(
        `warning: ${where}; allowed by ${ALLOW_INSECURE_HTTP_ENV}=1. Anyone on the network path can read them.`,
      );
    }
    return;
  }
  throw new EnvsyncError("URI", `${where}: refused before any request.`, {
    hint: `Use https:// (for Vault, drop tls=false or use an https VAULT_ADDR), or a loopback address for a local server. To accept the risk on a network you trust, set ${ALLOW_INSECURE_HTTP_ENV}=1 (a warning is printed on every run).`,
  });
}
