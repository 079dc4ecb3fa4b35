/**
 * `envsync doctor` on Vault remotes against the real OpenBao server: the online
 * checks of the provider's `diagnose` hook — the token's TTL from
 * `auth/token/lookup-self` and what it may do on the remote from
 * `sys/capabilities-self` — for the root token, tokens holding the policies of
 * docs/providers/vault.md, a read-only policy, a policy elsewhere, and a revoked
 * token; `--offline` asks nothing. No token ever appears in the output.
 */
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { baoApi, VAULT_ADDR_VAR, VAULT_TOKEN_VAR } from "../harness/emulators/openbao.js";
import { requireEnv } from "../harness/require-env.js";
import { runCli, tempDir } from "./helpers.js";

const addr = (): string => requireEnv(VAULT_ADDR_VAR, "openbao");
const root = (): string => requireEnv(VAULT_TOKEN_VAR, "openbao");
const rand = (): string => randomBytes(4).toString("hex");
const doc = readFileSync(new URL("../../docs/providers/vault.md", import.meta.url), "utf8");

/** The ```hcl block after `<!-- policy:NAME -->`, with `myapp/dev` replaced by `path`. */
function docPolicy(name: string, path: string): string {
  const m = new RegExp(`<!-- policy:${name} -->\\s*\`\`\`hcl\\n([\\s\\S]*?)\`\`\``).exec(doc);
  if (!m?.[1]) throw new Error(`docs/providers/vault.md has no policy:${name} block`);
  return m[1].replaceAll("myapp/dev", path);
}

async function tokenFor(hcl: string, ttl = "2h"): Promise<string> {
  const name = `doctor-${rand()}`;
  const p = await baoApi(addr(), root(), "POST", `sys/policies/acl/${name}`, { policy: hcl });
  expect(p.status).toBe(204);
  const r = await baoApi(addr(), root(), "POST", "auth/token/create", { policies: [name], ttl });
  return (r.body?.auth as { client_token: string }).client_token;
}

interface Finding {
  check: string;
  status: string;
  message: string;
  advice?: string;
}

/** `envsync doctor --json` on `remote` with `token`; the token must not be printed. */
async function doctor(
  remote: string,
  token: string,
  extra: string[] = [],
): Promise<{ code: number | null; by: (check: string) => Finding | undefined; text: string }> {
  const dir = tempDir("envsync-vault-doctor-");
  writeFileSync(join(dir, "envsync.yaml"), `environments:\n  dev:\n    remote: "${remote}"\n`);
  writeFileSync(join(dir, ".env"), "");
  const r = await runCli(["doctor", "--json", ...extra], {
    cwd: dir,
    env: { VAULT_ADDR: addr(), VAULT_TOKEN: token, HOME: dir },
  });
  expect(r.stdout + r.stderr).not.toContain(token);
  const findings = (JSON.parse(r.stdout) as { findings: Finding[] }).findings;
  return { code: r.code, by: (c) => findings.find((f) => f.check === c), text: r.stdout };
}

describe("doctor asks Vault about the token and its capabilities", () => {
  it("root token: never expires, may do everything on a bundle", async () => {
    const d = await doctor(`vault:///secret/doc-${rand()}/app`, root());
    expect(d.code).toBe(0);
    expect(d.by("token")).toMatchObject({ status: "ok" });
    expect(d.by("token")?.message).toMatch(
      /from VAULT_TOKEN is valid and never expires \(TTL 0\); policies root/,
    );
    expect(d.by("permissions")).toMatchObject({ status: "ok" });
    expect(d.by("permissions")?.message).toMatch(
      /^the token may read, write, history vault:\/\/\/secret\//,
    );
    // The capability answer replaces the generic "write permission not checked".
    expect(d.by("write")).toBeUndefined();
  });

  it("the documented bundle policy: TTL shown, read, write and history allowed", async () => {
    const path = `doc-${rand()}/app`;
    const d = await doctor(`vault:///secret/${path}`, await tokenFor(docPolicy("bundle", path)));
    expect(d.code).toBe(0);
    expect(d.by("token")).toMatchObject({ status: "ok" });
    expect(d.by("token")?.message).toMatch(
      /expires in \d+h( \d+m)? \(renewable\); policies default, doctor-/,
    );
    expect(d.by("permissions")).toMatchObject({ status: "ok" });
    expect(d.by("permissions")?.message).toMatch(/may read, write, history/);
  });

  it("the documented per-key policy: read, write, delete and purge allowed", async () => {
    const path = `doc-${rand()}/app`;
    const d = await doctor(`vault:///secret/${path}/*`, await tokenFor(docPolicy("per-key", path)));
    expect(d.code).toBe(0);
    expect(d.by("permissions")).toMatchObject({ status: "ok" });
    expect(d.by("permissions")?.message).toMatch(/may read, write, delete, purge vault:/);
  });

  it("a read-only policy: a warning naming what write needs (doctor still exits 0)", async () => {
    const path = `doc-${rand()}/app`;
    const ro = await tokenFor(
      `path "secret/data/${path}" { capabilities = ["read"] }\npath "secret/metadata/${path}" { capabilities = ["read"] }\n`,
    );
    const d = await doctor(`vault:///secret/${path}`, ro);
    expect(d.code).toBe(0);
    expect(d.by("permissions")).toMatchObject({ status: "warn" });
    expect(d.by("permissions")?.message).toMatch(
      new RegExp(
        `may read, history .*; not write \\(needs create, update on secret/data/${path}\\)`,
      ),
    );
    expect(d.by("permissions")?.advice).toMatch(/docs\/providers\/vault\.md/);
    // And a push with it really is refused (the warning is not a guess).
    const dir = tempDir("envsync-vault-doctor-push-");
    writeFileSync(join(dir, ".env"), "A=1\n");
    const push = await runCli(["push", "-r", `vault:///secret/${path}`], {
      cwd: dir,
      env: { VAULT_ADDR: addr(), VAULT_TOKEN: ro, HOME: dir },
    });
    expect(push.code).toBe(1);
    expect(push.stderr).toMatch(/permission denied|may not/i);
  });

  it("a policy for another path: the token may not read; doctor fails (exit 1)", async () => {
    const elsewhere = await tokenFor(`path "secret/data/other/*" { capabilities = ["read"] }\n`);
    const d = await doctor(`vault:///secret/doc-${rand()}/app/*`, elsewhere);
    expect(d.code).toBe(1);
    expect(d.by("permissions")).toMatchObject({ status: "fail" });
    expect(d.by("permissions")?.message).toMatch(
      /may not read .*needs list on secret\/metadata\/doc-[0-9a-f]+\/app\//,
    );
  });

  it("a revoked token: the token check fails with what to do", async () => {
    const t = await tokenFor(`path "secret/data/x" { capabilities = ["read"] }\n`);
    expect((await baoApi(addr(), t, "POST", "auth/token/revoke-self")).status).toBe(204);
    const d = await doctor(`vault:///secret/doc-${rand()}/app`, t);
    expect(d.code).toBe(1);
    expect(d.by("token")).toMatchObject({ status: "fail" });
    expect(d.by("token")?.message).toMatch(/refuses the token from VAULT_TOKEN/);
    expect(d.by("token")?.advice).toMatch(/vault login/);
  });

  it("--offline asks the server nothing: no token or permissions finding", async () => {
    const d = await doctor(`vault:///secret/doc-${rand()}/app`, root(), ["--offline"]);
    expect(d.by("token")).toBeUndefined();
    expect(d.by("permissions")).toBeUndefined();
    expect(d.by("credentials")).toMatchObject({ status: "ok" });
  });
});
