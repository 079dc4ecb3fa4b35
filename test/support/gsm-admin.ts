/**
 * A raw official Secret Manager client on the harness's Google emulator, acting as
 * "someone else" (the console, gcloud, Terraform) in tests, and fresh project ids (the
 * emulator has no reset). One client per test file, closed after it:
 *
 *     const gsm = gsmAdmin();
 *     afterAll(() => gsm.close());
 *     await gsm.client().createSecret({ … });
 */
import { randomBytes } from "node:crypto";
import { SecretManagerServiceClient } from "@google-cloud/secret-manager";
import * as grpc from "@grpc/grpc-js";
import { requireEnv } from "../harness/require-env.js";

/** `host:port` of the harness's Google emulator (fails with the install hint when absent). */
export const gsmEndpoint = (): string => requireEnv("ENVSYNC_TEST_GSM_ENDPOINT", "gsm");

/** A project id no other test uses (`envsync-LABEL-xxxxxxxxxx`). */
export const freshGsmProject = (label = "t"): string =>
  `envsync-${label}-${randomBytes(5).toString("hex")}`;

/** An official client on `endpoint` (`host:port`, plain text, no credentials needed). */
export function gsmClientOn(endpoint: string): SecretManagerServiceClient {
  const [host = "", port = ""] = endpoint.split(":");
  return new SecretManagerServiceClient({
    apiEndpoint: host,
    port: Number(port),
    sslCreds: grpc.credentials.createInsecure(),
  });
}

/** A lazily made client on the harness's emulator, and how to close it. */
export interface GsmAdmin {
  client(): SecretManagerServiceClient;
  close(): Promise<void>;
}

/** One lazily made client on the harness's emulator (see the module comment). */
export function gsmAdmin(): GsmAdmin {
  let raw: SecretManagerServiceClient | undefined;
  return {
    client: () => (raw ??= gsmClientOn(gsmEndpoint())),
    close: async () => {
      await raw?.close();
      raw = undefined;
    },
  };
}
