/** ExternalSecret per-key entries with `property` (stores whose secrets are maps, e.g. Vault). */
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { toExternalSecret } from "../../../src/ops/export-formats.js";
import { parseRemoteUri } from "../../../src/providers/uri.js";
import { vaultHooks } from "../../../src/providers/vault/hooks.js";

interface Doc {
  spec: { data?: unknown[]; dataFrom?: unknown };
}

describe("external-secret with a property", () => {
  it("each remoteRef carries the property; without one, none is written", () => {
    const names = new Map([
      ["B", "app/B"],
      ["A", "app/A"],
    ]);
    const withProp = parseYaml(
      toExternalSecret(
        { layout: "per-key", names, property: "value" },
        { name: "app", secretStore: "vault" },
      ),
    ) as Doc;
    expect(withProp.spec.data).toEqual([
      { secretKey: "A", remoteRef: { key: "app/A", property: "value" } },
      { secretKey: "B", remoteRef: { key: "app/B", property: "value" } },
    ]);
    expect(withProp.spec.dataFrom).toBeUndefined();
    const without = parseYaml(
      toExternalSecret({ layout: "per-key", names }, { name: "app", secretStore: "aws" }),
    ) as Doc;
    expect(without.spec.data).toEqual([
      { secretKey: "A", remoteRef: { key: "app/A" } },
      { secretKey: "B", remoteRef: { key: "app/B" } },
    ]);
  });

  it("a Vault per-key remote gives key PREFIX/KEY (inside the mount), property value", async () => {
    const ref = await vaultHooks.remoteRef?.(parseRemoteUri("vault://h/secret/team/app/*"), [
      "DB_URL",
    ]);
    const doc = parseYaml(toExternalSecret(ref!, { name: "app", secretStore: "vault" })) as Doc;
    expect(doc.spec.data).toEqual([
      { secretKey: "DB_URL", remoteRef: { key: "team/app/DB_URL", property: "value" } },
    ]);
  });
});
