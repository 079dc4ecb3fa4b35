/**
 * One client per store per command (issue 24, item 5) on AWS: the SSM and per-key
 * Secrets Manager stores list, read and adopt the entries other tools made over their
 * own SDK client. The SDK clients' shared `send`/`destroy` are spied on (nothing
 * replaced): every call of the foreign access is made by the store's client, no
 * client of the other AWS service is used, closing the access leaves the client open,
 * and only the store destroys it. Official SDK on the harness's moto (forced with
 * ENVSYNC_AWS_SDK=1: with the harness's static keys the stores would take the small
 * client, src/providers/aws/client.ts, which `sharedOf` builds once per store too).
 */
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Store } from "../../src/providers/types.js";
import { motoContext, onMoto, rawClientConfig, uid } from "../support/moto.js";
import { openStore } from "../../src/providers/registry.js";

/** The smithy client class both SDK clients extend: `send` and `destroy` live there. */
const clientProto = Object.getPrototypeOf(SSMClient.prototype) as {
  send: (...args: unknown[]) => Promise<unknown>;
  destroy: () => void;
};

/** Records each SDK call (client instance, command) and each destroy from now on. */
function spyClients(): {
  calls: { client: object; command: string }[];
  destroyed: object[];
} {
  const calls: { client: object; command: string }[] = [];
  const destroyed: object[] = [];
  const send = clientProto.send;
  const destroy = clientProto.destroy;
  vi.spyOn(clientProto, "send").mockImplementation(function (this: object, ...args: unknown[]) {
    calls.push({ client: this, command: (args[0] as object).constructor.name });
    return send.apply(this, args);
  });
  vi.spyOn(clientProto, "destroy").mockImplementation(function (this: object) {
    destroyed.push(this);
    destroy.apply(this);
  });
  return { calls, destroyed };
}

afterEach(() => {
  vi.restoreAllMocks();
  delete process.env.ENVSYNC_AWS_SDK;
});

describe("AWS per-key: foreign entries over the store's own client (moto)", () => {
  it.each([
    {
      scheme: "aws-ssm",
      own: SSMClient,
      other: SecretsManagerClient,
      uri: (p: string) => `aws-ssm://${p}/*`,
      name: (p: string) => `/${p}/THEIRS`,
      make: async (p: string) => {
        const raw = new SSMClient(rawClientConfig());
        await raw.send(
          new PutParameterCommand({ Name: `/${p}/THEIRS`, Value: "theirs", Type: "String" }),
        );
        raw.destroy();
      },
      commands: ["DescribeParametersCommand", "GetParametersCommand", "AddTagsToResourceCommand"],
    },
    {
      scheme: "aws-sm per-key",
      own: SecretsManagerClient,
      other: SSMClient,
      uri: (p: string) => `aws-sm://${p}/*`,
      name: (p: string) => `${p}/THEIRS`,
      make: async (p: string) => {
        const raw = new SecretsManagerClient(rawClientConfig());
        await raw.send(new CreateSecretCommand({ Name: `${p}/THEIRS`, SecretString: "theirs" }));
        raw.destroy();
      },
      commands: ["ListSecretsCommand", "BatchGetSecretValueCommand", "TagResourceCommand"],
    },
  ])("$scheme: list, read and adopt go through the store's client", async (c) => {
    const prefix = `envsync-test/oneclient-${uid()}`;
    await c.make(prefix);
    process.env.ENVSYNC_AWS_SDK = "1";
    const store: Store = await openStore(onMoto(c.uri(prefix)), motoContext);
    await store.write({ set: new Map([["MINE", "mine"]]), delete: [] }, await store.read());

    const spied = spyClients();
    expect(typeof store.foreign).toBe("function");
    const access = await store.foreign!();
    expect(access).not.toBeNull();
    const found = await access!.list();
    expect(found).toEqual([{ name: c.name(prefix), key: "THEIRS" }]);
    expect(Object.fromEntries(await access!.read(found))).toEqual({ THEIRS: "theirs" });
    await access!.adopt(found);
    await access!.close?.();
    // Closing the access destroyed no client.
    expect(spied.destroyed).toEqual([]);
    const read = await store.read();
    expect(Object.fromEntries(read.values)).toEqual({ MINE: "mine", THEIRS: "theirs" });

    const clients = new Set(spied.calls.map((x) => x.client));
    expect(clients.size).toBe(1);
    const [client] = clients;
    expect(client).toBeInstanceOf(c.own);
    expect(client).not.toBeInstanceOf(c.other);
    for (const command of c.commands) expect(spied.calls.map((x) => x.command)).toContain(command);
    await store.close?.();
    expect(spied.destroyed).toEqual([client]);
  });
});
