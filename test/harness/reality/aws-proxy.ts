/**
 * The reality layer in front of moto (docs/CLOUD-BEHAVIOUR.md): an HTTP proxy on
 * loopback that makes Secrets Manager and Parameter Store behave as AWS documents them
 * where moto does not.
 *
 * - Listings lag behind writes. While `lag(true)`, a secret or parameter created
 *   through the proxy is hidden from ListSecrets, BatchGetSecretValue with filters,
 *   GetParametersByPath and DescribeParameters, and a secret deleted through it is still listed (without its
 *   DeletedDate), until `settle()`. Reads by name (GetSecretValue, BatchGetSecretValue
 *   by id, DescribeSecret, GetParameters) stay fresh. The lag is driven by these calls,
 *   never by a clock, so no assertion waits.
 * - Throttling: `throttle(op, n)` answers the next n calls of `op` (optionally only
 *   those whose body matches) with HTTP 400 `ThrottlingException` "Rate exceeded", as
 *   both services do; `throttleEvery(k)` throttles every k-th call of any operation.
 * - A secret scheduled for deletion refuses PutSecretValue and UpdateSecret with
 *   `InvalidRequestException` (moto accepts them), and CreateSecret of its name.
 * - Parameter Store limits moto does not enforce: a name more than 15 levels deep
 *   (`HierarchyLevelLimitExceededException`), a Standard-tier value over 4096
 *   characters (`ValidationException`).
 *
 * Everything else is forwarded to moto unchanged.
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

type Json = Record<string, unknown>;

/** The control API of a running proxy (in-process: the test holds it). */
export interface AwsReality {
  /** The proxy's URL, used as `?endpoint=` in place of moto's. */
  readonly endpoint: string;
  /** Starts (true) or stops (false) recording creations and deletions the listings lag behind. */
  lag(on: boolean): void;
  /** The listings catch up: every hidden creation shows, every listed deletion goes. */
  settle(): void;
  /** Throttles the next `count` calls of `operation` (e.g. `ListSecrets`) whose body `match`es. */
  throttle(operation: string, count: number, match?: (body: Json) => boolean): void;
  /** Throttles every `k`-th call of any operation from now on (0 turns it off). */
  throttleEvery(k: number): void;
  /** Calls seen by operation, and how many of them were throttled. */
  readonly seen: ReadonlyMap<string, number>;
  readonly throttled: ReadonlyMap<string, number>;
  /** Stops the proxy. */
  close(): Promise<void>;
}

interface Rule {
  operation: string;
  left: number;
  match: (body: Json) => boolean;
}

const bump = (m: Map<string, number>, k: string): void => {
  m.set(k, (m.get(k) ?? 0) + 1);
};

const readBody = (req: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on("data", (c: Buffer) => parts.push(c));
    req.on("end", () => resolve(Buffer.concat(parts)));
    req.on("error", reject);
  });

const parse = (b: Buffer): Json => {
  try {
    const v: unknown = JSON.parse(b.toString("utf8") || "{}");
    return v !== null && typeof v === "object" ? (v as Json) : {};
  } catch {
    return {};
  }
};

function awsError(res: ServerResponse, type: string, message: string): void {
  const body = JSON.stringify({ __type: type, message, Message: message });
  res.writeHead(400, {
    "content-type": "application/x-amz-json-1.1",
    "x-amzn-errortype": type,
    "content-length": Buffer.byteLength(body),
  });
  res.end(body);
}

/** A name from a SecretId (ARNs end in `:secret:NAME-xxxxxx`; envsync uses names). */
const nameOfId = (id: unknown): string =>
  typeof id === "string" ? id.replace(/^arn:[^:]*:secretsmanager:[^:]*:[^:]*:secret:/, "") : "";

/** Starts the proxy in front of moto's `upstream` URL. */
export async function startAwsReality(upstream: string): Promise<AwsReality> {
  const target = new URL(upstream);
  let lagging = false;
  /** Names created while lagging: not yet in listings. */
  const hidden = new Set<string>();
  /** Secrets deleted while lagging: still in listings, as they were before. */
  const stillListed = new Map<string, Json>();
  /** Secrets scheduled for deletion (recovery window) through this proxy. */
  const scheduled = new Set<string>();
  const rules: Rule[] = [];
  let every = 0;
  let calls = 0;
  const seen = new Map<string, number>();
  const throttled = new Map<string, number>();

  const forward = (
    req: IncomingMessage,
    body: Buffer,
    headers?: Record<string, string>,
  ): Promise<{ status: number; headers: IncomingMessage["headers"]; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const h = { ...req.headers, ...headers, host: target.host };
      h["content-length"] = String(body.length);
      const up = request(
        {
          hostname: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: h,
        },
        (r) => {
          const parts: Buffer[] = [];
          r.on("data", (c: Buffer) => parts.push(c));
          r.on("end", () =>
            resolve({
              status: r.statusCode ?? 502,
              headers: r.headers,
              body: Buffer.concat(parts),
            }),
          );
          r.on("error", reject);
        },
      );
      up.on("error", reject);
      up.end(body);
    });

  /** The listing entry a secret had, from DescribeSecret (before it is deleted). */
  const entryOf = async (req: IncomingMessage, name: string): Promise<Json | null> => {
    const r = await forward(req, Buffer.from(JSON.stringify({ SecretId: name })), {
      "x-amz-target": "secretsmanager.DescribeSecret",
    });
    if (r.status !== 200) return null;
    const d = parse(r.body);
    const { VersionIdsToStages, DeletedDate: _deleted, ...rest } = d;
    return { ...rest, SecretVersionsToStages: VersionIdsToStages };
  };

  /** Whether a listed name passes ListSecrets' name filters (prefix match, as AWS). */
  const nameFilterMatches = (body: Json, name: string): boolean => {
    const filters = Array.isArray(body.Filters) ? (body.Filters as Json[]) : [];
    const byName = filters.filter((f) => f.Key === "name");
    if (byName.length === 0) return filters.length === 0;
    return byName.every((f) =>
      ((f.Values as string[] | undefined) ?? []).some((v) => name.startsWith(v)),
    );
  };

  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const amzTarget = String(req.headers["x-amz-target"] ?? "");
      const op = amzTarget.slice(amzTarget.indexOf(".") + 1);
      const input = parse(body);
      if (op) {
        bump(seen, op);
        calls++;
        const rule = rules.find((r) => r.left > 0 && r.operation === op && r.match(input));
        if (rule || (every > 0 && calls % every === 0)) {
          if (rule) rule.left--;
          bump(throttled, op);
          awsError(res, "ThrottlingException", "Rate exceeded");
          return;
        }
      }
      const id = nameOfId(input.SecretId ?? input.Name);
      if (amzTarget.startsWith("secretsmanager.") && scheduled.has(id)) {
        if (op === "PutSecretValue" || op === "UpdateSecret") {
          awsError(
            res,
            "InvalidRequestException",
            "You can't perform this operation on the secret because it was marked for deletion.",
          );
          return;
        }
        if (op === "CreateSecret") {
          awsError(
            res,
            "InvalidRequestException",
            "You can't create this secret because a secret with this name is already scheduled for deletion.",
          );
          return;
        }
      }
      if (op === "PutParameter") {
        const name = typeof input.Name === "string" ? input.Name : "";
        if (name.split("/").filter((x) => x !== "").length > 15) {
          awsError(
            res,
            "HierarchyLevelLimitExceededException",
            "A hierarchy can have a maximum of 15 levels.",
          );
          return;
        }
        const tier = typeof input.Tier === "string" ? input.Tier : "Standard";
        if (tier === "Standard" && typeof input.Value === "string" && input.Value.length > 4096) {
          awsError(
            res,
            "ValidationException",
            "Standard tier parameters support a maximum parameter value of 4096 characters. To create a larger parameter value, upgrade the parameter to use the advanced-parameter tier.",
          );
          return;
        }
      }
      let before: Json | null = null;
      if (op === "DeleteSecret" && lagging) before = await entryOf(req, id);
      const up = await forward(req, body);
      let out = up.body;
      if (up.status === 200) {
        const result = parse(up.body);
        let changed = false;
        if (amzTarget.startsWith("secretsmanager.")) {
          if (op === "CreateSecret" && lagging) hidden.add(String(input.Name));
          if (op === "DeleteSecret") {
            if (input.ForceDeleteWithoutRecovery !== true) scheduled.add(id);
            if (before) stillListed.set(id, before);
          }
          if (op === "RestoreSecret") {
            scheduled.delete(id);
            stillListed.delete(id);
          }
          if (op === "ListSecrets") {
            let list = ((result.SecretList as Json[] | undefined) ?? []).filter(
              (e) => !hidden.has(String(e.Name)),
            );
            if (result.NextToken === undefined || result.NextToken === null) {
              const names = new Set(list.map((e) => String(e.Name)));
              for (const [name, e] of stillListed)
                if (!names.has(name) && nameFilterMatches(input, name)) list = [...list, e];
            }
            result.SecretList = list.map((e) =>
              stillListed.has(String(e.Name)) ? stillListed.get(String(e.Name))! : e,
            );
            changed = true;
          }
          if (op === "BatchGetSecretValue" && input.Filters !== undefined) {
            result.SecretValues = ((result.SecretValues as Json[] | undefined) ?? []).filter(
              (e) => !hidden.has(String(e.Name)),
            );
            changed = true;
          }
        } else if (amzTarget.startsWith("AmazonSSM.")) {
          if (op === "PutParameter" && lagging && result.Version === 1)
            hidden.add(String(input.Name));
          if (op === "DescribeParameters") {
            result.Parameters = ((result.Parameters as Json[] | undefined) ?? []).filter(
              (p) => !hidden.has(String(p.Name)),
            );
            changed = true;
          }
          if (op === "GetParametersByPath") {
            result.Parameters = ((result.Parameters as Json[] | undefined) ?? []).filter(
              (p) => !hidden.has(String(p.Name)),
            );
            changed = true;
          }
        }
        if (changed) out = Buffer.from(JSON.stringify(result));
      }
      const headers = { ...up.headers, "content-length": String(out.length) };
      delete headers["transfer-encoding"];
      res.writeHead(up.status, headers);
      res.end(out);
    })().catch((e: unknown) => {
      res.writeHead(502, { "content-type": "text/plain" });
      res.end(`reality proxy: ${String(e)}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    lag(on) {
      lagging = on;
    },
    settle() {
      hidden.clear();
      stillListed.clear();
    },
    throttle(operation, count, match = () => true) {
      rules.push({ operation, left: count, match });
    },
    throttleEvery(k) {
      every = k;
      calls = 0;
    },
    seen,
    throttled,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
