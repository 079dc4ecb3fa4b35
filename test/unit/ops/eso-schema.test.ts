/**
 * The manifests `export` writes validate against the published schemas (issue 25, item
 * 7): ExternalSecret against the External Secrets Operator's CRD schema (`external-
 * secrets.io/v1`, from @kubernetes-models/external-secrets, generated from the operator's
 * CRDs) and Secret against Kubernetes' own (kubernetes-models), for bundle and per-key
 * layouts, with names derived from awkward remote names.
 */
import { ExternalSecret } from "@kubernetes-models/external-secrets/external-secrets.io/v1/ExternalSecret";
import { Secret } from "kubernetes-models/v1/Secret";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import {
  k8sNameFrom,
  toExternalSecret,
  toK8sSecret,
  type ExternalSecretOptions,
} from "../../../src/ops/export-formats.js";

const REMOTE_NAMES = ["myapp/dev", "My_App..Prod/*", "-x-", "", "a".repeat(300), "☃/é.env"];

describe("manifests validate against the ESO CRD and Kubernetes schemas", () => {
  it.each(REMOTE_NAMES)("ExternalSecret, bundle and per-key, from %j", (remote) => {
    const o: ExternalSecretOptions = {
      name: k8sNameFrom(remote),
      namespace: "apps",
      remote: `aws-sm://${remote}`,
      secretStore: "aws-secrets",
      secretStoreKind: "ClusterSecretStore",
    };
    const bundle = parseYaml(toExternalSecret({ layout: "bundle", key: remote || "x" }, o));
    expect(() => new ExternalSecret(bundle).validate()).not.toThrow();
    const names = new Map([
      ["DB_URL", `${remote}DB_URL`],
      ["api.key-2", `${remote}api.key-2`],
    ]);
    for (const ref of [
      { layout: "per-key" as const, names },
      { layout: "per-key" as const, names, property: "value" },
    ]) {
      const doc = parseYaml(toExternalSecret(ref, o));
      expect(() => new ExternalSecret(doc).validate()).not.toThrow();
    }
  });

  it("a manifest the schema refuses is refused (the validator is live)", () => {
    const doc = parseYaml(
      toExternalSecret({ layout: "bundle", key: "k" }, { name: "x", secretStore: "s" }),
    ) as {
      spec: { secretStoreRef: { kind: string } };
    };
    doc.spec.secretStoreRef.kind = "NotAStore";
    expect(() => new ExternalSecret(doc as never).validate()).toThrow(/kind/);
  });

  it.each(REMOTE_NAMES)("Secret from %j", (remote) => {
    const text = toK8sSecret(
      new Map([
        ["A", "1"],
        ["b.c-d_e", "é\n"],
      ]),
      { name: k8sNameFrom(remote) },
    );
    expect(() => new Secret(parseYaml(text)).validate()).not.toThrow();
  });
});
