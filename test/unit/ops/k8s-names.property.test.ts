/**
 * Every Kubernetes name envsync derives is valid whatever the remote is called (issue
 * 25, item 7): `k8sNameFrom` of any text is an RFC 1123 DNS subdomain, checked here by
 * rules written out label by label (not the module's own pattern), and the manifests
 * built with it carry it as `metadata.name` and the ExternalSecret's `target.name`.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { k8sNameFrom, toExternalSecret, toK8sSecret } from "../../../src/ops/export-formats.js";

/** RFC 1123 subdomain, as Kubernetes' validation (IsDNS1123Subdomain) states it. */
function isDns1123Subdomain(name: string): boolean {
  if (name.length < 1 || name.length > 253) return false;
  return name.split(".").every((label) => {
    if (label.length < 1 || label.length > 63) return false;
    for (const ch of label) if (!"abcdefghijklmnopqrstuvwxyz0123456789-".includes(ch)) return false;
    return label[0] !== "-" && label[label.length - 1] !== "-";
  });
}

/** Remote names: any Unicode, or the characters that matter (dots, dashes, slashes, stars). */
const remoteName = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 300 }),
  fc.string({
    unit: fc.constantFrom(".", "-", "_", "/", "*", "a", "Z", "9", " ", "é"),
    maxLength: 600,
  }),
  fc
    .array(fc.string({ unit: fc.constantFrom("a", "-", "B", "0"), minLength: 60, maxLength: 70 }), {
      maxLength: 6,
    })
    .map((p) => p.join(".")),
);

describe("Kubernetes names from any remote name", () => {
  it("k8sNameFrom is always a DNS-1123 subdomain", () => {
    fc.assert(
      fc.property(remoteName, (s) => {
        const n = k8sNameFrom(s);
        expect(isDns1123Subdomain(n), `${JSON.stringify(s)} → ${JSON.stringify(n)}`).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it.each([
    ["a..b", "a.b"],
    ["a.-b-.c", "a.b.c"],
    [".hidden", "hidden"],
    [`${"x".repeat(70)}.y`, `${"x".repeat(63)}.y`],
    ["app/dev.env", "app-dev.env"],
  ])("k8sNameFrom(%j) = %j", (label, name) => expect(k8sNameFrom(label)).toBe(name));

  it("Secret and ExternalSecret manifests name valid objects for any remote name", () => {
    fc.assert(
      fc.property(remoteName, (s) => {
        const name = k8sNameFrom(s);
        const secret = parseYaml(toK8sSecret(new Map([["A", "1"]]), { name })) as {
          metadata: { name: string };
        };
        expect(isDns1123Subdomain(secret.metadata.name)).toBe(true);
        const es = parseYaml(
          toExternalSecret({ layout: "bundle", key: s || "x" }, { name, secretStore: "store" }),
        ) as { metadata: { name: string }; spec: { target: { name: string } } };
        expect(isDns1123Subdomain(es.metadata.name)).toBe(true);
        expect(isDns1123Subdomain(es.spec.target.name)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
