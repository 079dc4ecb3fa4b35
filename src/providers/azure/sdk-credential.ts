/**
 * `DefaultAzureCredential` for the small Key Vault client (./client.ts), for every
 * token source it does not read itself (environment service principals, workload
 * identity, other managed identity endpoints, IMDS, Azure CLI, azd, PowerShell…). In
 * a chunk of its own (scripts/bundle.mjs): loaded only when such a source is in use.
 */
import { DefaultAzureCredential, type TokenCredential } from "@azure/identity";

/** A new `DefaultAzureCredential` (its own order of sources, read from the environment). */
export function defaultCredential(): TokenCredential {
  return new DefaultAzureCredential();
}
