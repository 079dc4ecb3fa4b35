/**
 * Interprets the target of an `azure-kv://` URI (docs/DESIGN.md, "Remotes"): which vault, which
 * layout, which secret or prefix. Pure, so it is unit-tested without the SDK.
 */
import { EnvsyncError } from "../../errors.js";
import { displayUri, type RemoteUri } from "../uri.js";
import { VAULT_NAME_MAX, VAULT_NAME_PATTERN } from "./names.js";

/** Where and what an `azure-kv://` remote is. */
export interface AzureTarget {
  /** The vault URL, `https://NAME.vault.azure.net` or as given (no trailing slash). */
  readonly vaultUrl: string;
  /** `bundle`: one secret; `per-key`: one secret per key under a prefix. */
  readonly layout: "bundle" | "per-key";
  /** Bundle: the secret name. Per-key: the prefix (may be empty). */
  readonly name: string;
}

/** A Key Vault name: 3–24 characters, letters, digits and dashes, starting with a letter. */
const VAULT_SHORT_NAME = /^[a-zA-Z][a-zA-Z0-9-]{1,23}$/;
const PREFIX_PATTERN = /^[0-9a-zA-Z-]*$/;

const usage =
  "Write azure-kv://VAULT/SECRET (bundle) or azure-kv://VAULT/PREFIX* (per-key), where VAULT is a vault name, a host[:port] or a full https:// URL.";

function vaultUrlOf(vault: string, raw: string): string {
  if (/^https?:\/\//i.test(vault)) {
    let url: URL;
    try {
      url = new URL(vault);
    } catch (cause) {
      throw new EnvsyncError("URI", `The vault URL in "${raw}" is not a valid URL.`, {
        cause,
        hint: usage,
      });
    }
    if (url.protocol !== "https:") {
      throw new EnvsyncError("URI", `The vault URL in "${raw}" must use https.`, {
        hint: "Key Vault and its emulators are served over TLS only.",
      });
    }
    return url.origin + url.pathname.replace(/\/+$/, "");
  }
  if (VAULT_SHORT_NAME.test(vault) && !vault.includes("."))
    return `https://${vault.toLowerCase()}.vault.azure.net`;
  if (/^[a-zA-Z0-9.-]+(:\d{1,5})?$/.test(vault) || /^\[[0-9a-fA-F:]+\](:\d{1,5})?$/.test(vault)) {
    if (URL.canParse(`https://${vault}`)) return `https://${vault}`;
    throw new EnvsyncError("URI", `The vault host "${vault}" in "${raw}" is not a valid host.`, {
      hint: "A port is a number from 1 to 65535; an IPv6 address is written in brackets.",
    });
  }
  throw new EnvsyncError(
    "URI",
    `"${vault}" in "${raw}" is neither a vault name, a host nor a URL.`,
    { hint: usage },
  );
}

/** Parses an `azure-kv://` URI. Throws URI (exit 2) for malformed targets. */
export function parseAzureTarget(uri: RemoteUri): AzureTarget {
  const t = uri.target;
  let vault: string;
  let rest: string;
  const full = /^(https?:\/\/[^/]+)(?:\/(.*))?$/i.exec(t);
  if (full) {
    vault = full[1] ?? "";
    rest = full[2] ?? "";
  } else {
    const slash = t.indexOf("/");
    vault = slash === -1 ? t : t.slice(0, slash);
    rest = slash === -1 ? "" : t.slice(slash + 1);
  }
  const endpoint = uri.params.get("endpoint");
  const vaultUrl = vaultUrlOf(endpoint ?? vault, displayUri(uri));
  if (rest === "") {
    throw new EnvsyncError("URI", `The remote "${displayUri(uri)}" names no secret.`, {
      hint: usage,
    });
  }
  if (rest.endsWith("*")) {
    const prefix = rest.slice(0, -1);
    if (!PREFIX_PATTERN.test(prefix) || prefix.length >= VAULT_NAME_MAX) {
      throw new EnvsyncError(
        "URI",
        `The prefix "${prefix}" in "${displayUri(uri)}" is not allowed in Key Vault names.`,
        {
          hint: "A prefix may hold only 0-9, a-z, A-Z and -, e.g. azure-kv://myvault/app-dev-*.",
        },
      );
    }
    return { vaultUrl, layout: "per-key", name: prefix };
  }
  if (!VAULT_NAME_PATTERN.test(rest)) {
    throw new EnvsyncError(
      "URI",
      `The secret name "${rest}" in "${displayUri(uri)}" is not a Key Vault name.`,
      {
        hint: "Secret names hold only 0-9, a-z, A-Z and -, at most 127 characters; end the name with * for the per-key layout.",
      },
    );
  }
  return { vaultUrl, layout: "bundle", name: rest };
}

/** True for hosts only an emulator can be on (loopback), where challenge resource checks must be off. */
export function isLoopbackVault(vaultUrl: string): boolean {
  const host = new URL(vaultUrl).hostname.toLowerCase();
  return (
    host === "localhost" ||
    host.endsWith(".localhost") ||
    /^127\.\d+\.\d+\.\d+$/.test(host) ||
    host === "[::1]"
  );
}
