/**
 * The official `SecretClient` behind {@link KvClient} (./client.ts), for what the small
 * client leaves to the SDK (`ENVSYNC_AZURE_SDK=1`, a proxy in the environment, client
 * options). In a chunk of its own (scripts/bundle.mjs): loaded only then.
 */
import type { TokenCredential } from "@azure/identity";
import { SecretClient, type SecretClientOptions } from "@azure/keyvault-secrets";
import type { KvClient } from "./client.js";
import { defaultCredential } from "./sdk-credential.js";

/** The SDK's client of a vault with `credential` (DefaultAzureCredential when none is given). */
export function openSdkClient(
  vaultUrl: string,
  options: SecretClientOptions,
  credential: TokenCredential | undefined,
): Promise<KvClient> {
  const client = new SecretClient(vaultUrl, credential ?? defaultCredential(), options);
  return Promise.resolve(
    Object.assign(client, { transport: "sdk" as const, why: "", close: () => undefined }),
  );
}
