/**
 * The small AWS client (src/providers/aws/client.ts, sigv4.ts): its SigV4 signature
 * equals the official signer's (@smithy/signature-v4) byte for byte; it serves a store
 * only where its credential, region and endpoint sources are exactly the SDK's, and
 * leaves every other source to the SDK; its error codes are cleaned as the SDK does.
 */
import { createHash, createHmac } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SignatureV4 } from "@smithy/signature-v4";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { chooseTransport, errorCodeOf, revive } from "../../../../src/providers/aws/client.js";
import { signRequest } from "../../../../src/providers/aws/sigv4.js";
import { digestKeyVersions } from "../../../../src/providers/shared/digest.js";
import { hmacSha256, sha256 } from "../../../../src/providers/shared/sha256.js";

const bytes = (d: string | ArrayBuffer | ArrayBufferView): string | Uint8Array =>
  typeof d === "string"
    ? d
    : d instanceof ArrayBuffer
      ? new Uint8Array(d)
      : new Uint8Array(d.buffer, d.byteOffset, d.byteLength);

/** The Sha256 constructor the official signer takes, over node:crypto. */
class Sha256 {
  readonly #h: ReturnType<typeof createHash> | ReturnType<typeof createHmac>;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.#h = secret === undefined ? createHash("sha256") : createHmac("sha256", bytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.#h.update(bytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.#h.digest()));
  }
}

describe("SHA-256 and HMAC of the small client", () => {
  // Lengths around the 64-byte block and the 56-byte padding limit, and beyond.
  const lengths = fc.oneof(
    fc.integer({ min: 0, max: 300 }),
    fc.constantFrom(55, 56, 57, 63, 64, 65, 119, 120, 128, 4096),
  );
  const bytes = lengths.chain((n) => fc.uint8Array({ minLength: n, maxLength: n }));

  it("equal node:crypto's on random inputs", () => {
    fc.assert(
      fc.property(bytes, bytes, (key, data) => {
        expect(Buffer.from(sha256(data)).toString("hex")).toBe(
          createHash("sha256").update(data).digest("hex"),
        );
        expect(Buffer.from(hmacSha256(key, data)).toString("hex")).toBe(
          createHmac("sha256", key).update(data).digest("hex"),
        );
      }),
      { numRuns: 1000 },
    );
  });

  it("the per-key version digest is the one node:crypto gave", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.string(), { minKeys: 1 }), (d) => {
        const h = createHash("sha256");
        for (const k of Object.keys(d).sort()) h.update(`${k}\0${d[k]}\0`);
        expect(digestKeyVersions(new Map(Object.entries(d)))).toBe(
          `keys:${h.digest("hex").slice(0, 16)}`,
        );
      }),
    );
  });

  it("the FIPS 180-4 example", () => {
    expect(Buffer.from(sha256(Buffer.from("abc"))).toString("hex")).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
  });
});

describe("SigV4 of the small client", () => {
  it("equals @smithy/signature-v4 for JSON-1.1 POSTs (bodies, paths, session tokens, dates), with JS and native hashes", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ maxLength: 200 }),
        fc.constantFrom("/", "/prefix/", "/a/b c/../d"),
        fc.option(
          fc.string({ minLength: 1, maxLength: 40 }).map((s) => s.trim() || "t"),
          {
            nil: undefined,
          },
        ),
        // Few days, regions and secrets, so that runs in a row share a signing scope (the
        // signer keeps the last scope's key) as often as they change one part of it.
        fc.oneof(
          fc.date({
            min: new Date("2000-01-01T00:00:00Z"),
            max: new Date("2099-12-31T23:59:59Z"),
            noInvalidDate: true,
          }),
          fc.constantFrom(
            new Date("2026-12-07T00:00:00Z"),
            new Date("2026-12-07T23:59:59Z"),
            new Date("2026-12-08T00:00:00Z"),
          ),
        ),
        fc.constantFrom("secretsmanager", "ssm"),
        fc.constantFrom("eu-west-1", "us-east-1"),
        fc.constantFrom("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "another-secret-key"),
        fc.boolean(),
        async (body, path, sessionToken, date, service, region, secretAccessKey, native) => {
          const credentials = {
            accessKeyId: "AKIDEXAMPLE",
            secretAccessKey,
            ...(sessionToken !== undefined ? { sessionToken } : {}),
          };
          const headers = {
            "content-type": "application/x-amz-json-1.1",
            host: "127.0.0.1:5000",
            "x-amz-target": `${service}.GetSecretValue`,
          };
          const ours = signRequest({
            method: "POST",
            path,
            headers,
            body,
            region,
            service,
            credentials,
            date,
            native,
          });
          const signer = new SignatureV4({
            credentials,
            region,
            service,
            sha256: Sha256,
            applyChecksum: false,
          });
          const theirs = await signer.sign(
            {
              method: "POST",
              protocol: "http:",
              hostname: "127.0.0.1",
              port: 5000,
              path,
              query: {},
              headers: { ...headers },
              body,
            },
            { signingDate: date },
          );
          expect(ours.authorization).toBe(theirs.headers.authorization);
          expect(ours["x-amz-date"]).toBe(theirs.headers["x-amz-date"]);
          expect(ours["x-amz-security-token"]).toBe(theirs.headers["x-amz-security-token"]);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("chooseTransport: the small client only where it reads what the SDK reads", () => {
  const empty = join(mkdtempSync(join(tmpdir(), "envsync-awscfg-")), "absent");
  const keys = {
    AWS_ACCESS_KEY_ID: "AKID",
    AWS_SECRET_ACCESS_KEY: "secret",
    AWS_CONFIG_FILE: empty,
  };
  const choose = (env: NodeJS.ProcessEnv, options = {}, clientOptions = {}) =>
    chooseTransport("secretsmanager", { region: "eu-west-1", ...options }, { clientOptions }, env);

  it("static keys from the environment, region and endpoint given: small", () => {
    const c = choose({ ...keys, AWS_SESSION_TOKEN: "tok" }, { endpoint: "http://127.0.0.1:5000" });
    expect(c).toEqual({
      credentials: { accessKeyId: "AKID", secretAccessKey: "secret", sessionToken: "tok" },
      region: "eu-west-1",
      url: new URL("http://127.0.0.1:5000"),
    });
  });

  it("the region from AWS_REGION, the endpoint of the aws partition", () => {
    const c = chooseTransport("ssm", {}, {}, { ...keys, AWS_REGION: "ap-southeast-2" });
    expect(c).toMatchObject({
      region: "ap-southeast-2",
      url: new URL("https://ssm.ap-southeast-2.amazonaws.com"),
    });
  });

  it("a config file with only a region and output: still small", () => {
    const cfg = join(mkdtempSync(join(tmpdir(), "envsync-awscfg-")), "config");
    writeFileSync(cfg, "[default]\nregion = us-east-1\noutput = json\n");
    expect(choose({ ...keys, AWS_CONFIG_FILE: cfg })).not.toHaveProperty("sdk");
  });

  const sdkCases: [string, NodeJS.ProcessEnv, object, object][] = [
    ["ENVSYNC_AWS_SDK=1", { ...keys, ENVSYNC_AWS_SDK: "1" }, {}, {}],
    ["AWS_PROFILE", { ...keys, AWS_PROFILE: "dev" }, {}, {}],
    ["profile= in the URI", keys, { profile: "dev" }, {}],
    ["no keys (SSO, process, web identity, IMDS/ECS…)", { AWS_CONFIG_FILE: empty }, {}, {}],
    ["only the key id", { AWS_ACCESS_KEY_ID: "AKID", AWS_CONFIG_FILE: empty }, {}, {}],
    ["expiring keys", { ...keys, AWS_CREDENTIAL_EXPIRATION: "2030-01-01T00:00:00Z" }, {}, {}],
    ["a service endpoint URL", { ...keys, AWS_ENDPOINT_URL_SECRETS_MANAGER: "http://x" }, {}, {}],
    ["a global endpoint URL", { ...keys, AWS_ENDPOINT_URL: "http://x" }, {}, {}],
    ["FIPS", { ...keys, AWS_USE_FIPS_ENDPOINT: "true" }, {}, {}],
    ["dual-stack", { ...keys, AWS_USE_DUALSTACK_ENDPOINT: "true" }, {}, {}],
    ["a China region", keys, { region: "cn-north-1" }, {}],
    ["GovCloud", keys, { region: "us-gov-west-1" }, {}],
    ["another client option", keys, {}, { maxAttempts: 3 }],
    ["credentials as a provider function", keys, {}, { credentials: () => ({}) }],
  ];
  it.each(sdkCases)("%s: the SDK", (_why, env, options, clientOptions) => {
    expect(choose(env, options, { "aws-sm": clientOptions })).toHaveProperty("sdk");
  });

  it("no region in the URI or AWS_REGION (the SDK reads ~/.aws/config): the SDK", () => {
    expect(chooseTransport("ssm", {}, {}, keys)).toHaveProperty("sdk");
  });

  it.each(["endpoint_url = http://x", "use_fips_endpoint = true", "services = local"])(
    "a config file with %s: the SDK",
    (line) => {
      const cfg = join(mkdtempSync(join(tmpdir(), "envsync-awscfg-")), "config");
      writeFileSync(cfg, `[default]\nregion = us-east-1\n${line}\n`);
      expect(choose({ ...keys, AWS_CONFIG_FILE: cfg })).toHaveProperty("sdk");
    },
  );
});

describe("answers read as the SDK's deserializer reads them", () => {
  /** The JSON.parse reviver the small client used before, the reference. */
  const reviver = (key: string, value: unknown): unknown => {
    if (value === null && key !== "") return undefined;
    if (typeof value === "number" && key.endsWith("Date"))
      return new Date(Math.round(value * 1000));
    if (key === "SecretBinary" && typeof value === "string")
      return new Uint8Array(Buffer.from(value, "base64"));
    return value;
  };
  // JSON with the members the deserializer changes mixed into any other.
  const { tree } = fc.letrec((tie) => ({
    tree: fc.oneof(
      { depthSize: "small" },
      fc.constantFrom(null, 0, 1.5, 1765000000.123, "", "aGVsbG8=", true),
      fc.string(),
      fc.array(tie("tree"), { maxLength: 4 }),
      fc.dictionary(
        fc.oneof(
          fc.constantFrom("DeletedDate", "CreatedDate", "SecretBinary", "Name", "Tags", "Date"),
          fc.string({ maxLength: 8 }),
        ),
        tie("tree"),
        { maxKeys: 5 },
      ),
    ),
  }));

  it("equal what a JSON.parse reviver makes of the same text (dates, bytes, nulls left out)", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 8 }), tree, { maxKeys: 6 }), (answer) => {
        const text = JSON.stringify(answer);
        const ours = JSON.parse(text) as object;
        revive(ours);
        expect(ours).toStrictEqual(JSON.parse(text, reviver));
      }),
      { numRuns: 500 },
    );
  });
});

describe("error codes as the SDK cleans them", () => {
  it.each([
    [
      { __type: "com.amazonaws.secretsmanager#ResourceNotFoundException" },
      undefined,
      "ResourceNotFoundException",
    ],
    [{ __type: "ThrottlingException" }, "Other", "ThrottlingException"],
    [{ code: "ValidationException:http://internal" }, undefined, "ValidationException"],
    [{}, "InternalFailure", "InternalFailure"],
    [{}, undefined, undefined],
  ])("%j with header %s → %s", (body, header, code) => {
    expect(errorCodeOf(body, header)).toBe(code);
  });
});
