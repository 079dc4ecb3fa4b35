/**
 * The per-key Secrets Manager read sends its BatchGetSecretValue calls while the
 * listing goes on (src/providers/aws/secrets-manager.ts, readByList), against a small
 * Secrets Manager of the test's own over node:http (the small client's transport):
 * - the second ListSecrets page is answered only once a BatchGetSecretValue has
 *   arrived, so a read that waited for the whole listing would never end (the test's
 *   timeout fails it); synchronised on that request, never on time;
 * - a batch that fails ends the read with that failure, after the listing and the
 *   other reads in flight have ended (no request left open, no unhandled rejection).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { silentLogger } from "../../../../src/logger.js";
import { openStore } from "../../../../src/providers/registry.js";
import type { Store } from "../../../../src/providers/types.js";

const PREFIX = "app";
const KEYS = Array.from({ length: 150 }, (_, i) => `KEY_${String(i).padStart(3, "0")}`);
const managed = [{ Key: "managed-by", Value: "envsync" }];

/** One listing entry as Secrets Manager gives it. */
const entry = (key: string): object => ({
  Name: `${PREFIX}/${key}`,
  Tags: managed,
  SecretVersionsToStages: { [`v-${key}`]: ["AWSCURRENT"] },
});

interface Fake {
  server: Server;
  uri: string;
  ops: string[];
  open: () => number;
}

/**
 * Two ListSecrets pages (100 + 50 managed names); the second held until `release`
 * says so. `failBatch` answers that BatchGetSecretValue (1-based) with AccessDenied.
 */
async function fakeSecretsManager(
  release: (ops: readonly string[]) => boolean,
  failBatch?: number,
): Promise<Fake> {
  const ops: string[] = [];
  let open = 0;
  let held: (() => void)[] = [];
  let batches = 0;
  const wake = (): void => {
    if (!release(ops)) return;
    const h = held;
    held = [];
    for (const go of h) go();
  };
  const answer = (res: ServerResponse, status: number, body: object): void => {
    open--;
    res.writeHead(status, { "content-type": "application/x-amz-json-1.1" });
    res.end(JSON.stringify(body));
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    open++;
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const op = String(req.headers["x-amz-target"]).replace(/^.*\./, "");
      const input = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
        NextToken?: string;
        SecretIdList?: string[];
      };
      ops.push(op);
      if (op === "ListSecrets") {
        if (input.NextToken === undefined) {
          answer(res, 200, { SecretList: KEYS.slice(0, 100).map(entry), NextToken: "page-2" });
        } else {
          held.push(() => answer(res, 200, { SecretList: KEYS.slice(100).map(entry) }));
          wake();
        }
        return;
      }
      if (op === "BatchGetSecretValue") {
        batches++;
        if (batches === failBatch) {
          answer(res, 400, { __type: "AccessDeniedException", message: "denied" });
        } else {
          answer(res, 200, {
            SecretValues: (input.SecretIdList ?? []).map((name) => ({
              Name: name,
              SecretString: `value of ${name}`,
              VersionId: `v-${name.slice(PREFIX.length + 1)}`,
            })),
            Errors: [],
          });
        }
        wake();
        return;
      }
      answer(res, 400, { __type: "UnknownOperationException", message: op });
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  const endpoint = encodeURIComponent(`http://127.0.0.1:${port}`);
  return {
    server,
    uri: `aws-sm://${PREFIX}/*?region=us-east-1&endpoint=${endpoint}`,
    ops,
    open: () => open,
  };
}

/** Static keys as a client option: the small client, whatever this process's environment holds. */
const context = {
  cwd: process.cwd(),
  env: {},
  logger: silentLogger,
  concurrency: 4,
  clientOptions: { "aws-sm": { credentials: { accessKeyId: "test", secretAccessKey: "test" } } },
};

let fake: Fake | undefined;
let store: Store | undefined;
afterEach(async () => {
  await store?.close?.();
  await new Promise((r) => fake?.server.close(r));
  fake = undefined;
  store = undefined;
});

describe("per-key Secrets Manager read: the reads overlap the listing", () => {
  it("a batch goes out before the last page is answered; every value is read, 20 a call", async () => {
    fake = await fakeSecretsManager((ops) => ops.includes("BatchGetSecretValue"));
    store = await openStore(fake.uri, context);
    const r = await store.read();
    expect([...r.values.keys()].sort()).toEqual(KEYS);
    expect(r.values.get("KEY_149")).toBe(`value of ${PREFIX}/KEY_149`);
    const count = (op: string): number => fake!.ops.filter((o) => o === op).length;
    expect(count("ListSecrets")).toBe(2);
    expect(count("BatchGetSecretValue")).toBe(Math.ceil(KEYS.length / 20));
    // The second page was asked for before the first batch was answered in full.
    expect(fake.ops.indexOf("BatchGetSecretValue")).toBeLessThan(
      fake.ops.lastIndexOf("ListSecrets"),
    );
  });

  it("a failed batch ends the read with its failure, once nothing is in flight", async () => {
    // The last page waits until the failed batch has been answered.
    fake = await fakeSecretsManager(
      (ops) => ops.filter((o) => o === "BatchGetSecretValue").length >= 2,
      2,
    );
    store = await openStore(fake.uri, context);
    const f = fake;
    const outcome = await store.read().then(
      () => "read",
      (e: unknown) => ({ error: e, open: f.open() }),
    );
    expect(outcome).not.toBe("read");
    const { error, open } = outcome as { error: Error; open: number };
    expect(`${error.name} ${error.message}`).toMatch(/denied|AccessDenied|permission/i);
    expect(open).toBe(0);
    // No batch was sent for the names of the page listed after the failure.
    expect(fake.ops.filter((o) => o === "BatchGetSecretValue").length).toBeLessThanOrEqual(5);
  });
});
