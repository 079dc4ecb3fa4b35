/**
 * The official SSM client behind {@link AwsClient} (./client.ts), for the
 * credential, region and endpoint sources the small client leaves to the SDK. In a
 * chunk of its own (scripts/bundle.mjs): loaded only when such a source is in use.
 */
import * as sdk from "@aws-sdk/client-ssm";
import type { SdkAdapter } from "./client.js";

/** Builds the SDK client with `config` (./common.ts, clientConfig). */
export function loadSdk(config: Record<string, unknown>): Promise<SdkAdapter> {
  const client = new sdk.SSMClient(config);
  const commands = sdk as unknown as Record<string, new (input: unknown) => never>;
  return Promise.resolve({
    middlewareStack: client.middlewareStack as unknown as SdkAdapter["middlewareStack"],
    send: (operation, input) => client.send(new commands[`${operation}Command`]!(input)),
    destroy: () => client.destroy(),
  });
}
