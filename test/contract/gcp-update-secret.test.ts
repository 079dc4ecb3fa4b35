/**
 * UpdateSecret on envsync's Google stand-in, with the official client, as the real
 * service documents it (each case fails if the stand-in is simplified):
 * `update_mask` is required; the masked map is replaced whole; a stale etag is refused
 * with FAILED_PRECONDITION; every update makes a new quoted etag; a new version does
 * not change the secret's etag (https://cloud.google.com/secret-manager/docs/etags).
 */
import * as grpc from "@grpc/grpc-js";
import { afterAll, describe, expect, it } from "vitest";
import { freshGsmProject, gsmAdmin } from "../support/gsm-admin.js";

const gsm = gsmAdmin();
afterAll(() => gsm.close());

async function codeOf(p: Promise<unknown>): Promise<number | undefined> {
  try {
    await p;
  } catch (e) {
    return (e as { code?: number }).code;
  }
  return undefined;
}

async function secret(labels: Record<string, string>): Promise<{ name: string; etag: string }> {
  const project = freshGsmProject("upd");
  const [s] = await gsm.client().createSecret({
    parent: `projects/${project}`,
    secretId: "s",
    secret: { replication: { automatic: {} }, labels },
  });
  return { name: s.name ?? "", etag: s.etag ?? "" };
}

describe("UpdateSecret on the Google stand-in", () => {
  it("replaces the labels named by the mask, with a new quoted etag each time", async () => {
    const { name, etag } = await secret({ a: "1", b: "2" });
    expect(etag).toMatch(/^".+"$/);
    const [u] = await gsm.client().updateSecret({
      secret: { name, labels: { b: "3", c: "4" }, etag },
      updateMask: { paths: ["labels"] },
    });
    expect({ ...u.labels }).toEqual({ b: "3", c: "4" });
    expect(u.etag).not.toBe(etag);
    const [got] = await gsm.client().getSecret({ name });
    expect({ ...got.labels }).toEqual({ b: "3", c: "4" });
    expect(got.etag).toBe(u.etag);
  });

  it("a stale etag is FAILED_PRECONDITION and changes nothing; no etag skips the check", async () => {
    const { name, etag } = await secret({ a: "1" });
    await gsm.client().updateSecret({
      secret: { name, labels: { a: "2" } },
      updateMask: { paths: ["labels"] },
    });
    expect(
      await codeOf(
        gsm.client().updateSecret({
          secret: { name, labels: { a: "3" }, etag },
          updateMask: { paths: ["labels"] },
        }),
      ),
    ).toBe(grpc.status.FAILED_PRECONDITION);
    expect({ ...(await gsm.client().getSecret({ name }))[0].labels }).toEqual({ a: "2" });
  });

  it("update_mask is required; unknown paths and bad labels are INVALID_ARGUMENT; a missing secret NOT_FOUND", async () => {
    const { name } = await secret({});
    const update = (paths: string[] | undefined, labels: Record<string, string> = {}, n = name) =>
      codeOf(
        gsm.client().updateSecret({
          secret: { name: n, labels },
          ...(paths ? { updateMask: { paths } } : {}),
        }),
      );
    expect(await update(undefined)).toBe(grpc.status.INVALID_ARGUMENT);
    expect(await update(["replication"])).toBe(grpc.status.INVALID_ARGUMENT);
    expect(await update(["labels"], { Upper: "x" })).toBe(grpc.status.INVALID_ARGUMENT);
    expect(await update(["labels"], {}, `${name}-missing`)).toBe(grpc.status.NOT_FOUND);
  });

  it("a new version does not change the secret's etag", async () => {
    const { name, etag } = await secret({});
    await gsm.client().addSecretVersion({ parent: name, payload: { data: Buffer.from("v") } });
    expect((await gsm.client().getSecret({ name }))[0].etag).toBe(etag);
  });
});
