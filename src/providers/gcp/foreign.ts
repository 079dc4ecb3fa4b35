/**
 * Foreign entries of a per-key Google Secret Manager remote: secrets whose id starts
 * with the prefix but lack the label `managed-by=envsync` (made by `gcloud`, Terraform,
 * the console). Listing reads metadata (ListSecrets); reading accesses each one's
 * `latest` version. Adopting adds the label with UpdateSecret (`update_mask: labels`,
 * the secret's other labels kept), guarded by the secret's etag: a label change made
 * meanwhile by someone else is re-read and kept, never overwritten.
 */
import type { ForeignAccess, ForeignEntry } from "../foreign.js";
import { mapLimit } from "../parallel.js";
import type { StoreContext } from "../types.js";
import { displayUri, type RemoteUri } from "../uri.js";
import { createGsmApi, parseTransport, TRANSPORT_ENV, type GsmApi } from "./api.js";
import { grpcCode, toEnvsyncError } from "./errors.js";
import { ENDPOINT_ENV } from "./secret-manager.js";
import {
  KEY_ANNOTATION,
  keyOfId,
  MANAGED_LABEL,
  parseEndpoint,
  parseGcpTarget,
  secretIdOf,
  type GcpTarget,
} from "./target.js";

/** Tries of GetSecret + UpdateSecret when the etag moved in between. */
const ETAG_ATTEMPTS = 5;

/** The foreign-entry access of a per-key `gcp-sm://` remote (null for a bundle). */
export function openForeign(uri: RemoteUri, context: StoreContext): ForeignAccess | null {
  if (parseGcpTarget(uri.target).layout !== "per-key") return null;
  const endpoint = parseEndpoint(uri.params.get("endpoint") ?? context.env[ENDPOINT_ENV]);
  const api = createGsmApi(
    endpoint,
    context.clientOptions?.["gcp-sm"] ?? {},
    context.requestTimeoutMs,
    parseTransport(uri.params.get("transport") ?? context.env[TRANSPORT_ENV]),
  );
  return openForeignWith(uri, context, api);
}

/**
 * {@link openForeign} over an existing {@link GsmApi} (one tests wrap), for a parsed
 * URI; null for a bundle.
 */
export function openForeignWith(
  uri: RemoteUri,
  context: StoreContext,
  api: GsmApi,
): ForeignAccess | null {
  const target = parseGcpTarget(uri.target);
  if (target.layout !== "per-key") return null;
  return foreignOver(target, displayUri(uri), context.concurrency, api);
}

/**
 * The foreign-entry access of a parsed per-key target over an existing {@link GsmApi}:
 * the per-key store's own (one client per store per command). Closing it closes the API.
 */
export function foreignOver(
  target: GcpTarget & { layout: "per-key" },
  display: string,
  concurrency: number,
  api: GsmApi,
): ForeignAccess {
  const parent = `projects/${target.project}`;
  const guard = async <T>(action: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (e) {
      throw toEnvsyncError(e, action, display, target.project);
    }
  };
  return {
    noun: "secrets",
    where: `${target.prefix}* in project ${target.project}`,
    async list() {
      const out: ForeignEntry[] = [];
      let token = "";
      do {
        const page = await guard("list", () => api.listSecrets(parent, token));
        for (const s of page.secrets) {
          const id = secretIdOf(s.name);
          if (!id.startsWith(target.prefix) || id.length === target.prefix.length) continue;
          if (s.labels[MANAGED_LABEL.key] === MANAGED_LABEL.value) continue;
          const key = keyOfId(id, target.prefix, s.annotations[KEY_ANNOTATION], false);
          if (key !== null) out.push({ name: id, key });
        }
        token = page.next;
      } while (token !== "");
      return out.sort((a, b) => (a.name < b.name ? -1 : 1));
    },
    async read(entries) {
      const out = new Map<string, string>();
      await mapLimit([...entries], concurrency, async (e: ForeignEntry) => {
        const v = await guard("read", () =>
          api.accessSecretVersion(`${parent}/secrets/${e.name}/versions/latest`),
        );
        out.set(e.key, v.data.toString("utf8"));
      });
      return out;
    },
    async adopt(entries) {
      await mapLimit([...entries], concurrency, async (e: ForeignEntry) => {
        const name = `${parent}/secrets/${e.name}`;
        // GetSecret then UpdateSecret with its etag: a concurrent label edit makes the
        // update fail (FAILED_PRECONDITION) and it is redone on the fresh labels.
        for (let attempt = 1; ; attempt++) {
          const s = await guard("read the labels of", () => api.getSecret(name));
          if (s.labels[MANAGED_LABEL.key] === MANAGED_LABEL.value) return;
          const labels = { ...s.labels, [MANAGED_LABEL.key]: MANAGED_LABEL.value };
          try {
            await api.updateSecretLabels(name, labels, s.etag ?? "");
            return;
          } catch (err) {
            // FAILED_PRECONDITION (9): the etag moved since GetSecret.
            const moved = grpcCode(err) === 9;
            if (moved && attempt < ETAG_ATTEMPTS) continue;
            throw toEnvsyncError(err, "label", display, target.project);
          }
        }
      });
    },
    close: () => api.close(),
  };
}
