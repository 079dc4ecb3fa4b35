/**
 * What the AWS contract tests share against moto: its endpoint (set by the harness;
 * absent → a failure naming the install, never a skip), a store context, remote URIs
 * pointed at moto, unique names and raw-client options for arranging states envsync
 * itself would not create.
 */
import { randomUUID } from "node:crypto";
import { CreateSecretCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { silentLogger } from "../../src/logger.js";
import type { CountsCalls } from "../../src/providers/aws/common.js";
import { openStore } from "../../src/providers/registry.js";
import type { Store, StoreContext } from "../../src/providers/types.js";
import { requireEnv } from "../harness/require-env.js";

/** moto's endpoint URL (ENVSYNC_TEST_MOTO_ENDPOINT). */
export const motoEndpoint = (): string => requireEnv("ENVSYNC_TEST_MOTO_ENDPOINT", "moto");

/** The store context of the AWS contract tests (silent, 8 calls in parallel). */
export const motoContext: StoreContext = {
  cwd: process.cwd(),
  env: process.env,
  logger: silentLogger,
  concurrency: 8,
};

/** Constructor options of a raw SDK client on moto. */
export const rawClientConfig = (): { endpoint: string; region: string } => ({
  endpoint: motoEndpoint(),
  region: "us-east-1",
});

/** A short unique suffix for the names of one test. */
export const uid = (): string => randomUUID().slice(0, 8);

/** `uri` with the region and moto's endpoint added. */
export const onMoto = (uri: string): string =>
  `${uri}?region=us-east-1&endpoint=${encodeURIComponent(motoEndpoint())}`;

/** Opens `uri` on moto, with its SDK call counter. */
export const openOnMoto = async (
  uri: string,
  context: StoreContext = motoContext,
): Promise<Store & CountsCalls> => (await openStore(onMoto(uri), context)) as Store & CountsCalls;

/** `n` keys `KEY_000…` with values `v0…`. */
export const numberedKeys = (n: number): Map<string, string> =>
  new Map(Array.from({ length: n }, (_, i) => [`KEY_${String(i).padStart(3, "0")}`, `v${i}`]));

/**
 * Two secrets another tool made under `prefix`: `FOREIGN`, untagged, and `OTHER_TOOL`,
 * tagged `managed-by=someone-else` (and `owner=envsync`, a look-alike tag).
 */
export async function createForeignSecrets(
  client: SecretsManagerClient,
  prefix: string,
): Promise<void> {
  await client.send(new CreateSecretCommand({ Name: `${prefix}/FOREIGN`, SecretString: "x" }));
  await client.send(
    new CreateSecretCommand({
      Name: `${prefix}/OTHER_TOOL`,
      SecretString: "y",
      Tags: [
        { Key: "managed-by", Value: "someone-else" },
        { Key: "owner", Value: "envsync" },
      ],
    }),
  );
}
