/**
 * Google's two transports on the harness's stand-in: envsync's REST client
 * (rest-api.ts) and the official gRPC client (grpc-api.ts) see one state, and every
 * failure the store reads a code from has the same gRPC code on both. The REST side
 * is also checked on the wire, as Google documents it
 * (https://cloud.google.com/secret-manager/docs/reference/rest): `{error: {code,
 * status, message}}` with the HTTP status of its code, proto3 JSON (RFC 3339 times,
 * base64 payloads) and stable `pageToken` pages.
 */
import { afterAll, describe, expect, it } from "vitest";
import { createGsmApi, type GsmApi } from "../../src/providers/gcp/api.js";
import { parseEndpoint } from "../../src/providers/gcp/target.js";
import { freshGsmProject, gsmAdmin, gsmEndpoint } from "../support/gsm-admin.js";

const gsm = gsmAdmin();
const apis: GsmApi[] = [];
afterAll(async () => {
  await gsm.close();
  for (const a of apis) await a.close();
});

function both(): { rest: GsmApi; grpc: GsmApi } {
  const endpoint = parseEndpoint(`http://${gsmEndpoint()}`);
  const rest = createGsmApi(endpoint, {}, undefined, "rest");
  const grpc = createGsmApi(endpoint, {}, undefined, "grpc");
  apis.push(rest, grpc);
  return { rest, grpc };
}

async function codeOf(p: Promise<unknown>): Promise<number | string> {
  try {
    await p;
  } catch (e) {
    return (e as { code?: number }).code ?? "no code";
  }
  return "ok";
}

/** A raw REST call on the stand-in: status and parsed body. */
async function raw(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await fetch(`http://${gsmEndpoint()}/v1/${path}`, {
    method,
    headers: { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await r.text();
  return { status: r.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

describe("Google transports on the stand-in", () => {
  it("what REST writes gRPC reads, and the other way round", async () => {
    const { rest, grpc } = both();
    const parent = `projects/${freshGsmProject("tr")}`;
    await rest.createSecret(parent, "A", { "managed-by": "envsync" }, { "envsync-key": "A" });
    const v1 = await rest.addSecretVersion(`${parent}/secrets/A`, Buffer.from("from-rest"));
    expect(v1).toBe(`${parent}/secrets/A/versions/1`);
    expect((await grpc.accessSecretVersion(`${parent}/secrets/A/versions/latest`)).data).toEqual(
      Buffer.from("from-rest"),
    );
    await grpc.addSecretVersion(`${parent}/secrets/A`, Buffer.from([0, 255, 10, 13]));
    const got = await rest.accessSecretVersion(`${parent}/secrets/A/versions/latest`);
    expect(got).toEqual({
      name: `${parent}/secrets/A/versions/2`,
      data: Buffer.from([0, 255, 10, 13]),
    });
    await rest.disableSecretVersion(`${parent}/secrets/A/versions/1`);
    const [r, g] = [
      await rest.listSecretVersions(`${parent}/secrets/A`, ""),
      await grpc.listSecretVersions(`${parent}/secrets/A`, ""),
    ];
    expect(r).toEqual(g);
    expect(r.versions.map((v) => [v.id, v.state])).toEqual([
      ["2", "ENABLED"],
      ["1", "DISABLED"],
    ]);
    expect(r.versions[0]!.createTime).toBeInstanceOf(Date);
    expect(await rest.getSecret(`${parent}/secrets/A`)).toEqual(
      await grpc.getSecret(`${parent}/secrets/A`),
    );
    const sorted = (l: Awaited<ReturnType<GsmApi["listSecrets"]>>) =>
      [...l.secrets].sort((a, b) => a.name.localeCompare(b.name));
    expect(sorted(await rest.listSecrets(parent, ""))).toEqual(
      sorted(await grpc.listSecrets(parent, "")),
    );
    await grpc.deleteSecret(`${parent}/secrets/A`);
    expect(await codeOf(rest.getSecret(`${parent}/secrets/A`))).toBe(5);
  });

  it("every failure has the same gRPC code on both transports", async () => {
    const { rest, grpc } = both();
    const parent = `projects/${freshGsmProject("trerr")}`;
    await rest.createSecret(parent, "S", {}, {});
    await rest.createSecret(parent, "EMPTY", {}, {});
    await rest.addSecretVersion(`${parent}/secrets/S`, Buffer.from("v1"));
    await rest.addSecretVersion(`${parent}/secrets/S`, Buffer.from("v2"));
    await rest.disableSecretVersion(`${parent}/secrets/S/versions/2`);
    const stale = (await rest.getSecret(`${parent}/secrets/S`)).etag ?? "";
    await rest.updateSecretLabels(`${parent}/secrets/S`, { a: "1" }, stale);
    const cases: [string, (api: GsmApi) => Promise<unknown>, number][] = [
      ["GetSecret of a missing secret", (a) => a.getSecret(`${parent}/secrets/NONE`), 5],
      [
        "latest of a secret with no version",
        (a) => a.accessSecretVersion(`${parent}/secrets/EMPTY/versions/latest`),
        5,
      ],
      [
        "a disabled latest version",
        (a) => a.accessSecretVersion(`${parent}/secrets/S/versions/latest`),
        9,
      ],
      [
        "a version that does not exist",
        (a) => a.getSecretVersion(`${parent}/secrets/S/versions/9`),
        5,
      ],
      ["CreateSecret of an existing id", (a) => a.createSecret(parent, "S", {}, {}), 6],
      ["a secret id Google refuses", (a) => a.createSecret(parent, "bad.id", {}, {}), 3],
      [
        "UpdateSecret with a stale etag",
        (a) => a.updateSecretLabels(`${parent}/secrets/S`, { b: "2" }, stale),
        9,
      ],
      ["an empty payload", (a) => a.addSecretVersion(`${parent}/secrets/S`, Buffer.alloc(0)), 3],
      [
        "a payload over 64 KiB",
        (a) => a.addSecretVersion(`${parent}/secrets/S`, Buffer.alloc(65_537, 1)),
        3,
      ],
      [
        "disabling a version that does not exist",
        (a) => a.disableSecretVersion(`${parent}/secrets/S/versions/7`),
        5,
      ],
      ["DeleteSecret of a missing secret", (a) => a.deleteSecret(`${parent}/secrets/NONE`), 5],
    ];
    for (const [what, fn, code] of cases) {
      expect({ what, code: await codeOf(fn(grpc)) }).toEqual({ what, code });
      expect({ what, code: await codeOf(fn(rest)) }).toEqual({ what, code });
    }
    // Nothing above changed the state.
    expect((await grpc.getSecret(`${parent}/secrets/S`)).labels).toEqual({ a: "1" });
    expect((await rest.listSecretVersions(`${parent}/secrets/S`, "")).versions).toHaveLength(2);
  });

  it("REST on the wire: Google's error JSON and HTTP statuses, proto3 JSON bodies", async () => {
    const project = freshGsmProject("wire");
    const missing = await raw("GET", `projects/${project}/secrets/NONE`);
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({ error: { code: 404, status: "NOT_FOUND" } });
    expect(typeof (missing.json.error as { message?: unknown }).message).toBe("string");

    const created = await raw("POST", `projects/${project}/secrets?secretId=W`, {
      replication: { automatic: {} },
      labels: { team: "a" },
    });
    expect(created.status).toBe(200);
    expect(created.json).toMatchObject({
      name: `projects/${project}/secrets/W`,
      labels: { team: "a" },
    });
    expect(created.json.createTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    expect(created.json.etag).toMatch(/^".+"$/);
    expect(
      (
        await raw("POST", `projects/${project}/secrets?secretId=W`, {
          replication: { automatic: {} },
        })
      ).json,
    ).toMatchObject({ error: { code: 409, status: "ALREADY_EXISTS" } });

    const added = await raw("POST", `projects/${project}/secrets/W:addVersion`, {
      payload: { data: Buffer.from("héllo").toString("base64") },
    });
    expect(added.json).toMatchObject({
      name: `projects/${project}/secrets/W/versions/1`,
      state: "ENABLED",
    });
    const access = await raw("GET", `projects/${project}/secrets/W/versions/latest:access`);
    expect(access.json).toEqual({
      name: `projects/${project}/secrets/W/versions/1`,
      payload: { data: Buffer.from("héllo").toString("base64") },
    });

    // A stale etag: FAILED_PRECONDITION, HTTP 400, and the labels stay.
    const stale = created.json.etag as string;
    await raw("PATCH", `projects/${project}/secrets/W?updateMask=labels`, {
      labels: { team: "b" },
    });
    const refused = await raw("PATCH", `projects/${project}/secrets/W?updateMask=labels`, {
      labels: { team: "c" },
      etag: stale,
    });
    expect(refused).toMatchObject({
      status: 400,
      json: { error: { code: 400, status: "FAILED_PRECONDITION" } },
    });
    expect((await raw("GET", `projects/${project}/secrets/W`)).json.labels).toEqual({ team: "b" });

    // The disabled newest version: FAILED_PRECONDITION on access.
    await raw("POST", `projects/${project}/secrets/W/versions/1:disable`, {});
    expect(
      (await raw("GET", `projects/${project}/secrets/W/versions/latest:access`)).json,
    ).toMatchObject({ error: { code: 400, status: "FAILED_PRECONDITION" } });
  });

  it("REST pages are stable under pageToken, the same pages gRPC serves", async () => {
    const project = freshGsmProject("pages");
    const ids = Array.from({ length: 7 }, (_, i) => `K${i}`);
    for (const id of ids)
      await raw("POST", `projects/${project}/secrets?secretId=${id}`, {
        replication: { automatic: {} },
      });
    const restPages: string[][] = [];
    let token = "";
    do {
      const r = await raw(
        "GET",
        `projects/${project}/secrets?pageSize=3${token ? `&pageToken=${token}` : ""}`,
      );
      const page = (r.json.secrets as { name: string }[]).map((s) => s.name.split("/").pop()!);
      restPages.push(page.sort());
      token = (r.json.nextPageToken as string | undefined) ?? "";
    } while (token !== "");
    expect(restPages.map((p) => p.length)).toEqual([3, 3, 1]);
    expect(restPages.flat().sort()).toEqual(ids);
    const grpcPages: string[][] = [];
    let next: string | undefined = "";
    do {
      const [secrets, , res]: [
        { name?: string | null }[],
        unknown,
        { nextPageToken?: string | null } | undefined,
      ] = await gsm
        .client()
        .listSecrets(
          { parent: `projects/${project}`, pageSize: 3, pageToken: next },
          { autoPaginate: false },
        );
      grpcPages.push(secrets.map((s) => (s.name ?? "").split("/").pop()!).sort());
      next = res?.nextPageToken ?? "";
    } while (next);
    expect(grpcPages).toEqual(restPages);
  });
});
