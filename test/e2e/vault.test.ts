/**
 * The built CLI against the real OpenBao server of the harness, configured as a
 * Vault user would (VAULT_ADDR, VAULT_TOKEN): push, pull, sync, check, diff, run,
 * export, copy to and from other stores, history and rollback, per-key soft delete
 * and --purge, --json; canary values and the token never appear in any output.
 */
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { baoApi, VAULT_ADDR_VAR, VAULT_TOKEN_VAR } from "../harness/emulators/openbao.js";
import { requireEnv } from "../harness/require-env.js";
import {
  CanaryGuard,
  mayShowValues,
  runCli,
  startPaused,
  tempDir,
  type CliResult,
} from "./helpers.js";

const guard = new CanaryGuard();
const addr = (): string => requireEnv(VAULT_ADDR_VAR, "openbao");
const root = (): string => requireEnv(VAULT_TOKEN_VAR, "openbao");
const rand = (): string => randomBytes(5).toString("hex");
const home = tempDir("envsync-vault-home-");
/** What a Vault user has in their shell. */
const vaultEnv = (): Record<string, string> => ({
  VAULT_ADDR: addr(),
  VAULT_TOKEN: root(),
  HOME: home,
});

async function cli(
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): Promise<CliResult> {
  const opts = { cwd, env: { ...vaultEnv(), ...env } };
  // Commands asked to show values are checked by runCli's own rule; the rest by the guard.
  const r = mayShowValues(args) ? await runCli(args, opts) : await guard.run(args, opts);
  // The token is never printed, whatever the command.
  expect(`${r.stdout}${r.stderr}`).not.toContain(root());
  return r;
}

async function secretData(path: string): Promise<Record<string, unknown> | null> {
  const r = await baoApi(addr(), root(), "GET", `secret/data/${path}`);
  return r.status === 200
    ? ((r.body?.data as { data: Record<string, unknown> }).data ?? null)
    : null;
}

function workdir(remote: string, env: Record<string, string>): string {
  const dir = tempDir("envsync-vault-");
  writeFileSync(
    join(dir, "envsync.yaml"),
    `environments:\n  dev:\n    remote: ${JSON.stringify(remote)}\n`,
  );
  writeFileSync(
    join(dir, ".env"),
    Object.entries(env)
      .map(([k, v]) => `${k}=${v}\n`)
      .join(""),
  );
  return dir;
}

describe("envsync with a vault:// bundle", () => {
  it("push, pull, sync, check, diff, run and export on one KV v2 secret", async () => {
    const path = `e2e-${rand()}/app`;
    const a = guard.make("A");
    const b = guard.make("B");
    const dir = workdir(`vault:///secret/${path}`, { A: a, B: b });
    expect((await cli(["push"], dir)).code).toBe(0);
    expect(await secretData(path)).toEqual({ A: a, B: b });
    expect((await cli(["check"], dir)).code).toBe(0);

    // A teammate rotates B in Vault; sync brings it down.
    const b2 = guard.make("B2");
    await baoApi(addr(), root(), "POST", `secret/data/${path}`, {
      data: { A: a, B: b2 },
      options: { cas: 1 },
    });
    expect((await cli(["check"], dir)).code).toBe(3);
    const diff = await cli(["diff", "--json"], dir);
    expect(JSON.parse(diff.stdout)).toBeTruthy();
    expect((await cli(["sync"], dir)).code).toBe(0);
    expect(readFileSync(join(dir, ".env"), "utf8")).toContain(`B=${b2}`);

    const run = await cli(
      ["run", "--", process.execPath, "-e", "process.stdout.write(process.env.B)"],
      dir,
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(b2);
    const exp = await cli(["export", "--format", "json"], dir);
    expect(JSON.parse(exp.stdout)).toEqual({ A: a, B: b2 });
    guard.checkWorkingCopy(dir, { ".env": guard.values });
  });

  it("history lists KV v2 versions and rollback --to restores one as a new version", async () => {
    const path = `e2e-${rand()}/hist`;
    const v1 = guard.make("V1");
    const dir = workdir(`vault:///secret/${path}`, { K: v1 });
    expect((await cli(["push"], dir)).code).toBe(0);
    writeFileSync(join(dir, ".env"), `K=${guard.make("V2")}\n`);
    expect((await cli(["push"], dir)).code).toBe(0);
    const h = await cli(["history", "--json"], dir);
    expect(h.code, h.stderr).toBe(0);
    expect(h.stdout).toMatch(/"2"/);
    const rb = await cli(["rollback", "--to", "1", "--yes"], dir);
    expect(rb.code, rb.stderr).toBe(0);
    expect(await secretData(path)).toEqual({ K: v1 });
    const meta = await baoApi(addr(), root(), "GET", `secret/metadata/${path}`);
    expect((meta.body?.data as { current_version: number }).current_version).toBe(3);
  });

  it("a stale write is exit 5 and writes nothing (check-and-set)", async () => {
    const path = `e2e-${rand()}/stale`;
    const dir = workdir(`vault:///secret/${path}`, { A: guard.make("A") });
    expect((await cli(["push"], dir)).code).toBe(0);
    const theirs = guard.make("T");
    // Someone writes between envsync's read and its write (the pause hook of the CLI).
    writeFileSync(join(dir, ".env"), `A=${guard.make("MINE")}\n`);
    const paused = startPaused(["push"], { cwd: dir, env: vaultEnv() });
    await paused.ready;
    await baoApi(addr(), root(), "POST", `secret/data/${path}`, { data: { A: theirs } });
    paused.release();
    const r = { code: await paused.exited, stderr: paused.stderr };
    expect(r.code, r.stderr).toBe(5);
    expect(await secretData(path)).toEqual({ A: theirs });
  });

  it("copies to and from a file: remote", async () => {
    const path = `e2e-${rand()}/copy`;
    const dir = tempDir("envsync-vault-copy-");
    const x = guard.make("X");
    writeFileSync(join(dir, "src.env"), `X=${x}\nY=\n`);
    const to = await cli(["copy", "file:src.env", `vault:///secret/${path}`], dir);
    expect(to.code, to.stderr).toBe(0);
    expect(await secretData(path)).toEqual({ X: x, Y: "" });
    const back = await cli(["copy", `vault:///secret/${path}`, "file:out.json"], dir);
    expect(back.code, back.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, "out.json"), "utf8"))).toEqual({ X: x, Y: "" });
  });

  it("copies to and from AWS Secrets Manager (moto), per-key to bundle and back", async () => {
    const moto = encodeURIComponent(requireEnv("ENVSYNC_TEST_MOTO_ENDPOINT", "moto"));
    const p = `e2e-${rand()}`;
    const dir = tempDir("envsync-vault-copy-aws-");
    const values = { X: guard.make("X"), Y: guard.make("Y"), MULTI: `${guard.make("M")}\nline 2` };
    writeFileSync(join(dir, "src.json"), JSON.stringify(values));
    const aws = `aws-sm://vault-copy/${p}?region=us-east-1&endpoint=${moto}`;
    for (const [from, to] of [
      ["file:src.json", `vault:///secret/${p}/pk/*`],
      [`vault:///secret/${p}/pk/*`, aws],
      [aws, `vault:///secret/${p}/bundle`],
    ] as const) {
      const r = await cli(["copy", from, to], dir);
      expect(r.code, `${from} → ${to}: ${r.stderr}`).toBe(0);
    }
    expect(await secretData(`${p}/bundle`)).toEqual(values);
    expect(await secretData(`${p}/pk/MULTI`)).toEqual({ value: values.MULTI });
  });

  it("no token: exit 1 with what to do, and the hint names vault login", async () => {
    const dir = workdir(`vault:///secret/e2e-${rand()}/x`, {});
    const r = await cli(["pull"], dir, { VAULT_TOKEN: "" });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/vault login/);
  });
});

describe("vault through the provider hooks (seed flags, doctor, ESO export)", () => {
  it("--cloud vault --secret-name MOUNT/PATH pushes and pulls the bundle at VAULT_ADDR", async () => {
    const path = `e2e-${rand()}/seed`;
    const dir = tempDir("envsync-vault-seed-");
    const a = guard.make("A");
    writeFileSync(join(dir, ".env"), `A=${a}\n`);
    const push = await cli(["push", "--cloud", "vault", "--secret-name", `secret/${path}`], dir);
    expect(push.code, push.stderr).toBe(0);
    expect(await secretData(path)).toEqual({ A: a });
    writeFileSync(join(dir, ".env"), "");
    const pull = await cli(["pull", "--cloud", "vault", "--secret-name", `secret/${path}`], dir);
    expect(pull.code, pull.stderr).toBe(0);
    expect(readFileSync(join(dir, ".env"), "utf8")).toContain(`A=${a}`);
  });

  it("doctor says where the token comes from and reads the remote; without a token it fails with what to do", async () => {
    const dir = workdir(`vault:///secret/e2e-${rand()}/doc`, {});
    const ok = await cli(["doctor", "--json"], dir);
    const findings = (
      JSON.parse(ok.stdout) as { findings: { check: string; status: string; message: string }[] }
    ).findings;
    const by = (c: string) => findings.find((f) => f.check === c);
    expect(by("credentials")).toMatchObject({ status: "ok" });
    expect(by("credentials")?.message).toMatch(
      /VAULT_TOKEN for http:\/\/127\.0\.0\.1:\d+ \(address from VAULT_ADDR\)/,
    );
    expect(by("reachable")).toMatchObject({ status: "ok" });
    const none = await cli(["doctor"], dir, { VAULT_TOKEN: "" });
    expect(none.code).toBe(1);
    expect(none.stdout + none.stderr).toMatch(/vault login/);
  });

  it("export --format external-secret: bundle → dataFrom.extract; per-key → key PREFIX/KEY with property value", async () => {
    const path = `e2e-${rand()}/eso`;
    const dir = workdir(`vault:///secret/${path}`, { A: guard.make("A") });
    expect((await cli(["push"], dir)).code).toBe(0);
    const eso = await cli(
      ["export", "--format", "external-secret", "--secret-store", "vault-backend"],
      dir,
    );
    expect(eso.code, eso.stderr).toBe(0);
    expect(eso.stdout).toMatch(/kind: ExternalSecret/);
    expect(eso.stdout).toMatch(/dataFrom:\n\s+- extract:\n\s+key: e2e-[0-9a-f]+\/eso/);
    const pk = workdir(`vault:///secret/${path}-pk/*`, { B: guard.make("B"), C: guard.make("C") });
    expect((await cli(["push"], pk)).code).toBe(0);
    const perKey = await cli(
      ["export", "--format", "external-secret", "--secret-store", "vault-backend"],
      pk,
    );
    expect(perKey.code, perKey.stderr).toBe(0);
    const doc = parseYaml(perKey.stdout) as {
      spec: { data: { secretKey: string; remoteRef: { key: string; property: string } }[] };
    };
    expect(doc.spec.data).toEqual(
      ["B", "C"].map((k) => ({
        secretKey: k,
        remoteRef: { key: `${path}-pk/${k}`, property: "value" },
      })),
    );
    // What ESO would read: the `value` field of the secret at that path in the mount.
    for (const { secretKey, remoteRef } of doc.spec.data) {
      const data = await secretData(remoteRef.key);
      expect(data?.[remoteRef.property]).toBe(
        readFileSync(join(pk, ".env"), "utf8").match(new RegExp(`^${secretKey}=(.*)$`, "m"))?.[1],
      );
    }
  });
});

describe("envsync with a vault:// per-key prefix", () => {
  it("push writes one secret per key; --prune soft-deletes; a re-added key works; --purge destroys", async () => {
    const p = `e2e-${rand()}`;
    const [a, b, c] = [guard.make("A"), guard.make("B"), guard.make("C")];
    const dir = workdir(`vault:///secret/${p}/*`, { A: a, B: b, C: c });
    const push = await cli(["push", "--json"], dir);
    expect(push.code, push.stderr).toBe(0);
    expect(JSON.parse(push.stdout)).toBeTruthy();
    expect(await secretData(`${p}/A`)).toEqual({ value: a });

    writeFileSync(join(dir, ".env"), `A=${a}\nC=${c}\n`);
    expect((await cli(["push", "--prune", "--yes"], dir)).code).toBe(0);
    const meta = await baoApi(addr(), root(), "GET", `secret/metadata/${p}/B`);
    expect(meta.status).toBe(200); // soft delete: metadata and versions kept
    expect(await secretData(`${p}/B`)).toBeNull();

    const b2 = guard.make("B2");
    writeFileSync(join(dir, ".env"), `A=${a}\nB=${b2}\nC=${c}\n`);
    expect((await cli(["push"], dir)).code).toBe(0);
    expect(await secretData(`${p}/B`)).toEqual({ value: b2 });

    writeFileSync(join(dir, ".env"), `A=${a}\nB=${b2}\n`);
    expect((await cli(["push", "--prune", "--purge", "--yes"], dir)).code).toBe(0);
    expect((await baoApi(addr(), root(), "GET", `secret/metadata/${p}/C`)).status).toBe(404);
    expect((await cli(["check"], dir)).code).toBe(0);
  });

  it("a key name Vault would nest is exit 2 before anything is written", async () => {
    const p = `e2e-${rand()}`;
    const dir = tempDir("envsync-vault-bad-");
    writeFileSync(join(dir, "bad.json"), JSON.stringify({ OK: "1", "a/b": "2" }));
    const r = await cli(["copy", "file:bad.json", `vault:///secret/${p}/*`], dir);
    expect(r.code).toBe(2);
    expect((await baoApi(addr(), root(), "GET", `secret/metadata/${p}/OK`)).status).toBe(404);
  });
});
