/**
 * Foreign entries of the AWS per-key remotes: SSM parameters and Secrets Manager
 * secrets under the prefix without the tag `managed-by=envsync` (made by the AWS CLI,
 * chamber, Terraform…). Listing costs metadata calls only (DescribeParameters, 50 per
 * call; ListSecrets, 100 per call); reading uses GetParameters (10) and
 * BatchGetSecretValue (20); adopting tags each entry (AddTagsToResource, TagResource).
 */
import {
  BatchGetSecretValueCommand,
  ListSecretsCommand,
  SecretsManagerClient,
  TagResourceCommand,
  type SecretListEntry,
} from "@aws-sdk/client-secrets-manager";
import { AddTagsToResourceCommand, GetParametersCommand, SSMClient } from "@aws-sdk/client-ssm";
import type { ForeignAccess, ForeignEntry } from "../foreign.js";
import { keyCaseOf } from "../key-case.js";
import { chunk, mapLimit } from "../parallel.js";
import type { StoreContext } from "../types.js";
import { displayUri, type RemoteUri } from "../uri.js";
import { KEY_TAG, MANAGED_TAG, clientConfig, makeSend, parseAwsOptions } from "./common.js";
import { foreignSecrets, parseSmTarget } from "./secrets-manager.js";
import { MANAGED_FILTER, describeNames, foreignParameters, parseSsmTarget } from "./ssm.js";

/** The foreign-entry access of an `aws-ssm://` or per-key `aws-sm://` remote (null for a bundle). */
export function openForeign(uri: RemoteUri, context: StoreContext): ForeignAccess | null {
  const display = displayUri(uri);
  const options = parseAwsOptions(uri, display);
  const send = makeSend(context, display);
  if (uri.scheme === "aws-ssm") {
    const path = parseSsmTarget(uri.target, display);
    const kc = keyCaseOf(uri, display);
    const base = `${path}/`;
    const client = new SSMClient(clientConfig(options, context, "aws-ssm"));
    return {
      noun: "parameters",
      where: base,
      async list() {
        const pathFilter = { Key: "Path", Option: "Recursive", Values: [path] };
        const [all, managed] = await Promise.all([
          describeNames(client, send, [pathFilter]),
          describeNames(client, send, [pathFilter, MANAGED_FILTER]),
        ]);
        return foreignParameters(all, managed, base, kc);
      },
      async read(entries) {
        const byName = new Map(entries.map((e) => [e.name, e.key]));
        const out = new Map<string, string>();
        await mapLimit(chunk([...byName.keys()], 10), context.concurrency, async (Names) => {
          const r = await send("GetParameters", () =>
            client.send(new GetParametersCommand({ Names, WithDecryption: true })),
          );
          for (const p of r.Parameters ?? []) {
            const key = p.Name === undefined ? undefined : byName.get(p.Name);
            if (key !== undefined && p.Value !== undefined) out.set(key, p.Value);
          }
        });
        return out;
      },
      async adopt(entries) {
        await mapLimit([...entries], context.concurrency, async (e: ForeignEntry) => {
          await send("AddTagsToResource", () =>
            client.send(
              new AddTagsToResourceCommand({
                ResourceType: "Parameter",
                ResourceId: e.name,
                Tags: [{ ...MANAGED_TAG }],
              }),
            ),
          );
        });
      },
      close: () => Promise.resolve(client.destroy()),
    };
  }
  const t = parseSmTarget(uri.target, display);
  if (t.layout !== "per-key") return null;
  const base = `${t.prefix}/`;
  const client = new SecretsManagerClient(clientConfig(options, context, "aws-sm"));
  return {
    noun: "secrets",
    where: base,
    async list() {
      const listed: SecretListEntry[] = [];
      let token: string | undefined;
      do {
        const r = await send("ListSecrets", () =>
          client.send(
            new ListSecretsCommand({
              Filters: [{ Key: "name", Values: [base] }],
              MaxResults: 100,
              NextToken: token,
            }),
          ),
        );
        listed.push(...(r.SecretList ?? []));
        token = r.NextToken;
      } while (token);
      return foreignSecrets(listed, base);
    },
    async read(entries) {
      const byName = new Map(entries.map((e) => [e.name, e.key]));
      const out = new Map<string, string>();
      await mapLimit(chunk([...byName.keys()], 20), context.concurrency, async (ids) => {
        const r = await send("BatchGetSecretValue", () =>
          client.send(new BatchGetSecretValueCommand({ SecretIdList: ids })),
        );
        for (const v of r.SecretValues ?? []) {
          const key = v.Name === undefined ? undefined : byName.get(v.Name);
          if (key !== undefined && v.SecretString !== undefined) out.set(key, v.SecretString);
        }
      });
      return out;
    },
    async adopt(entries) {
      await mapLimit([...entries], context.concurrency, async (e: ForeignEntry) => {
        await send("TagResource", () =>
          client.send(
            new TagResourceCommand({
              SecretId: e.name,
              Tags: [{ ...MANAGED_TAG }, { Key: KEY_TAG, Value: e.key }],
            }),
          ),
        );
      });
    },
    close: () => Promise.resolve(client.destroy()),
  };
}
