/**
 * The minimal policies of docs/providers/vault.md, read from the doc itself and
 * loaded into the real OpenBao server: a token holding only that policy can do
 * everything envsync does on that layout (create, update, read, soft delete, purge,
 * history), and nothing outside the path.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isEnvsyncError } from "../../src/errors.js";
import { silentLogger } from "../../src/logger.js";
import type { ChangeSet, Store } from "../../src/providers/types.js";
import { parseRemoteUri } from "../../src/providers/uri.js";
import { createStore } from "../../src/providers/vault/kv-store.js";
import { baoApi, VAULT_ADDR_VAR, VAULT_TOKEN_VAR } from "../harness/emulators/openbao.js";
import { requireEnv } from "../harness/require-env.js";

const addr = (): string => requireEnv(VAULT_ADDR_VAR, "openbao");
const root = (): string => requireEnv(VAULT_TOKEN_VAR, "openbao");
const home = mkdtempSync(join(tmpdir(), "envsync-vault-home-"));
const doc = readFileSync(new URL("../../docs/providers/vault.md", import.meta.url), "utf8");

/** The ```hcl block after `<!-- policy:NAME -->`, with `myapp/dev` replaced by `path`. */
function policy(name: string, path: string): string {
  const m = new RegExp(`<!-- policy:${name} -->\\s*\`\`\`hcl\\n([\\s\\S]*?)\`\`\``).exec(doc);
  if (!m?.[1]) throw new Error(`docs/providers/vault.md has no policy:${name} block`);
  return m[1].replaceAll("myapp/dev", path);
}

async function tokenFor(hcl: string): Promise<string> {
  const name = `doc-${randomBytes(4).toString("hex")}`;
  expect(
    (await baoApi(addr(), root(), "POST", `sys/policies/acl/${name}`, { policy: hcl })).status,
  ).toBe(204);
  const r = await baoApi(addr(), root(), "POST", "auth/token/create", {
    policies: [name],
    ttl: "1h",
  });
  return (r.body?.auth as { client_token: string }).client_token;
}

const open = (target: string, token: string): Store =>
  createStore(parseRemoteUri(`vault:///${target}`), {
    cwd: process.cwd(),
    env: { VAULT_ADDR: addr(), VAULT_TOKEN: token, HOME: home },
    logger: silentLogger,
    concurrency: 4,
    retry: { maxAttempts: 1 },
  });
const changes = (set: Record<string, string>, del: string[] = []): ChangeSet => ({
  set: new Map(Object.entries(set)),
  delete: del,
});

describe("the minimal policies in docs/providers/vault.md", () => {
  it("bundle: create, update, read, history, read an old version — and nothing else", async () => {
    const path = `pol-${randomBytes(4).toString("hex")}/dev`;
    const token = await tokenFor(policy("bundle", path));
    const s = open(`secret/${path}`, token);
    await s.write(changes({ A: "1" }), await s.read());
    await s.write(changes({ A: "2", B: "3" }), await s.read());
    expect(Object.fromEntries((await s.read()).values)).toEqual({ A: "2", B: "3" });
    expect((await s.listVersions!()).map((v) => v.id)).toEqual(["2", "1"]);
    expect(Object.fromEntries((await s.readVersion!("1")).values)).toEqual({ A: "1" });
    const other = open(`secret/${path}-other`, token);
    expect(isEnvsyncError(await other.read().catch((e: unknown) => e), "AUTH")).toBe(true);
  });

  it("per-key: create, update, list, soft delete, re-add and purge — and nothing else", async () => {
    const path = `pol-${randomBytes(4).toString("hex")}/dev`;
    const token = await tokenFor(policy("per-key", path));
    const s = open(`secret/${path}/*`, token);
    await s.write(changes({ A: "1", B: "2", C: "3" }), await s.read());
    await s.write(changes({ A: "11" }, ["B"]), await s.read());
    await s.write(changes({ B: "again" }), await s.read());
    await s.write(changes({}, ["C"]), await s.read(), { purge: true });
    expect(Object.fromEntries((await s.read()).values)).toEqual({ A: "11", B: "again" });
    expect((await baoApi(addr(), root(), "GET", `secret/metadata/${path}/C`)).status).toBe(404);
    const other = open(`secret/${path}-other/*`, token);
    expect(isEnvsyncError(await other.read().catch((e: unknown) => e), "AUTH")).toBe(true);
  });
});
