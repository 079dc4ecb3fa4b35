/**
 * `sops:PATH` end to end on the built binary, for dotenv, JSON and YAML files: two
 * working copies sync through one SOPS file (diff, sync, check, run, export, copy,
 * doctor), a writer that moved the file meanwhile stops the write (exit 5), hostile
 * files (broken ENC[…], wrong key, missing metadata, truncated file, tampered value)
 * exit 1 or 2 naming `file:line` with nothing written, and no decrypted value is ever
 * at rest outside the user's `.env` (temp files, backups, state: canaries scanned).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateIdentity, identityToRecipient } from "age-encryption";
import { beforeAll, describe, expect, it } from "vitest";
import { canary, filesUnder, runCli, startPaused, tempDir, type CliResult } from "./helpers.js";

let identity = "";
let recipient = "";
let keyDir = "";
beforeAll(async () => {
  identity = await generateIdentity();
  recipient = await identityToRecipient(identity);
  keyDir = tempDir("envsync-sops-keys-");
  writeFileSync(
    join(keyDir, "keys.txt"),
    `# created: test\n# public key: ${recipient}\n${identity}\n`,
  );
});

/** The environment of every run: the age key file, and a HOME without keys. */
const env = (home: string): Record<string, string> => ({
  HOME: home,
  SOPS_AGE_KEY_FILE: join(keyDir, "keys.txt"),
});

function project(): { root: string; A: string; B: string } {
  const root = tempDir("envsync-sops-e2e-");
  const A = join(root, "a");
  const B = join(root, "b");
  mkdirSync(A);
  mkdirSync(B);
  mkdirSync(join(root, "secrets"));
  writeFileSync(
    join(root, ".sops.yaml"),
    `creation_rules:\n  - path_regex: secrets/.*\n    age: ${recipient}\n`,
  );
  return { root, A, B };
}

const cli = (cwd: string, args: string[], extra: Record<string, string> = {}): Promise<CliResult> =>
  runCli(args, { cwd, env: { ...env(cwd), ...extra } });

describe.each(["env", "json", "yaml"] as const)("sops: store, end to end (%s)", (ext) => {
  const FILE = `secrets/app.enc.${ext}`;

  /** A SOPS file made by envsync from plain values (copy from a JSON file). */
  async function sopsFile(root: string, values: Record<string, string>): Promise<string> {
    writeFileSync(join(root, "seed.json"), JSON.stringify(values));
    const r = await cli(root, ["copy", "file:seed.json", `sops:${FILE}`]);
    expect(r.code, r.stderr).toBe(0);
    rmSync(join(root, "seed.json")); // the test's own plain source
    return join(root, FILE);
  }

  it("two working copies sync through one SOPS file; diff, check, run, export agree; no plaintext at rest", async () => {
    const { root, A, B } = project();
    const api = canary("API");
    const db = canary("DB");
    const rotated = canary("ROT");
    const path = await sopsFile(root, { API_KEY: api });
    for (const dir of [A, B]) {
      expect((await cli(dir, ["init", "--remote", `sops:../${FILE}`])).code).toBe(0);
    }
    writeFileSync(join(A, ".env"), `DB_URL=${db}\n`);
    const s1 = await cli(A, ["sync"]);
    expect(s1.code, s1.stderr).toBe(0);
    expect(readFileSync(join(A, ".env"), "utf8")).toContain(api);
    expect(readFileSync(path, "utf8")).not.toContain(db);

    expect((await cli(B, ["pull"])).code).toBe(0);
    expect(readFileSync(join(B, ".env"), "utf8")).toContain(db);
    expect((await cli(B, ["check"])).code).toBe(0);
    writeFileSync(join(B, ".env"), readFileSync(join(B, ".env"), "utf8").replace(db, rotated));
    expect((await cli(B, ["check"])).code).toBe(3);
    expect((await cli(B, ["diff"])).stdout).toContain("DB_URL");
    expect((await cli(B, ["sync"])).code).toBe(0);
    expect((await cli(A, ["sync"])).code).toBe(0);
    expect(readFileSync(join(A, ".env"), "utf8")).toContain(rotated);

    const run = await cli(A, [
      "run",
      "--",
      process.execPath,
      "-e",
      "process.stdout.write(process.env.API_KEY)",
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe(api);
    const exp = await cli(A, ["export", "--format", "json"]);
    expect(JSON.parse(exp.stdout)).toEqual({ API_KEY: api, DB_URL: rotated });

    // Never plaintext at rest: only the users' .env files (and their own backups) hold values;
    // the backups of the SOPS file (its encrypted bytes) are among the files scanned.
    expect(
      filesUnder(join(A, ".envsync", "backups")).some((f) => f.includes(`app.enc.${ext}.`)),
    ).toBe(true);
    for (const f of filesUnder(root)) {
      if (/\/[ab]\/\.env$/.test(f) || /\/\.envsync\/backups\/\.env\.\d{8}T/.test(f)) continue;
      const text = readFileSync(f, "utf8");
      for (const c of [api, db, rotated]) expect(text.includes(c), `${c} in ${f}`).toBe(false);
    }
  });

  it("doctor finds the age key and says it is a recipient; a stranger's key is not", async () => {
    const { root, A } = project();
    await sopsFile(root, { A: "1" });
    expect((await cli(A, ["init", "--remote", `sops:../${FILE}`])).code).toBe(0);
    const ok = await cli(A, ["doctor", "--json"]);
    const findings = (
      JSON.parse(ok.stdout) as { findings: { check: string; status: string; message: string }[] }
    ).findings;
    const creds = findings.find((f) => f.check === "credentials")!;
    expect(creds.status, ok.stdout).toBe("ok");
    expect(creds.message).toContain("is a recipient");
    const other = await generateIdentity();
    const bad = await cli(A, ["doctor", "--json"], {
      SOPS_AGE_KEY_FILE: "/nonexistent",
      SOPS_AGE_KEY: other,
    });
    const f2 = (
      JSON.parse(bad.stdout) as { findings: { check: string; status: string; message: string }[] }
    ).findings;
    expect(f2.find((f) => f.check === "credentials")!.message).toContain("none is a recipient");
    expect(bad.code).not.toBe(0);
  });

  it("stops with exit 5 when the file moved between read and write, and writes nothing", async () => {
    const { root, A } = project();
    const path = await sopsFile(root, { A: "1" });
    expect((await cli(A, ["init", "--remote", `sops:../${FILE}`])).code).toBe(0);
    writeFileSync(join(A, ".env"), "A=1\nB=mine\n");
    const run = startPaused(["push"], { cwd: A, env: env(A) });
    await run.ready;
    // Another writer (sops, a teammate's envsync) rewrites the file meanwhile.
    writeFileSync(join(root, "seed.json"), JSON.stringify({ A: "theirs" }));
    expect((await cli(root, ["copy", "file:seed.json", `sops:${FILE}`])).code).toBe(0);
    const moved = readFileSync(path, "utf8");
    run.release();
    expect(await run.exited).toBe(5);
    expect(readFileSync(path, "utf8")).toBe(moved);
  });

  describe("hostile files: exit 1 or 2 naming file:line, nothing written", () => {
    const firstEnc = /ENC\[AES256_GCM,data:([^,]+),iv:[^\]]+type:str\]/;
    const cases: [string, (t: string) => string, number, RegExp][] = [
      [
        "broken ENC[…] token",
        (t) => t.replace(firstEnc, "ENC[AES256_GCM,data:$1,iv:%%%,tag:x,type:str]"),
        2,
        /:\d+: the value of A is not a well-formed ENC/,
      ],
      [
        "value changed without the key",
        (t) =>
          t.replace(firstEnc, (m, d: string) =>
            m.replace(d, d.length > 4 ? `AAAA${d.slice(4)}` : "AAAA"),
          ),
        1,
        /:\d+: the value of A does not decrypt/,
      ],
      ["missing metadata", (t) => stripMeta(t, ext), 2, /:\d+: no SOPS metadata/],
      [
        "truncated file",
        (t) => t.slice(0, Math.floor(t.length * 0.6)),
        2,
        /sops:\.\.\/secrets\/app\.enc\.\w+:\d+: /,
      ],
    ];
    it.each(cases)("%s", async (_label, mangle, code, message) => {
      const { root, A } = project();
      const path = await sopsFile(root, { A: canary("H"), B: "two" });
      expect((await cli(A, ["init", "--remote", `sops:../${FILE}`])).code).toBe(0);
      writeFileSync(path, mangle(readFileSync(path, "utf8")));
      const before = readFileSync(path, "utf8");
      writeFileSync(join(A, ".env"), "LOCAL=1\n");
      for (const cmd of ["sync", "push", "pull"]) {
        const r = await cli(A, [cmd, "--yes"]);
        expect(r.code, r.stderr).toBe(code);
        expect(r.stderr).toMatch(message);
      }
      expect(readFileSync(path, "utf8")).toBe(before);
      expect(readFileSync(join(A, ".env"), "utf8")).toBe("LOCAL=1\n");
    });

    it("wrong key: exit 1 naming file:line and the file's recipients", async () => {
      const { root, A } = project();
      const path = await sopsFile(root, { A: canary("W") });
      const before = readFileSync(path, "utf8");
      expect((await cli(A, ["init", "--remote", `sops:../${FILE}`])).code).toBe(0);
      writeFileSync(join(A, ".env"), "LOCAL=1\n");
      const r = await cli(A, ["sync"], {
        SOPS_AGE_KEY_FILE: "/nonexistent",
        SOPS_AGE_KEY: await generateIdentity(),
      });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/app\.enc\.\w+:\d+: none of your age keys/);
      expect(r.stderr).toContain(recipient);
      expect(readFileSync(path, "utf8")).toBe(before);
    });
  });
});

/** The file without its SOPS metadata (the `sops` key or the `sops_*` lines). */
function stripMeta(text: string, ext: string): string {
  if (ext === "env")
    return text
      .split("\n")
      .filter((l) => !l.startsWith("sops_"))
      .join("\n");
  if (ext === "json") {
    const o = JSON.parse(text) as Record<string, unknown>;
    delete o.sops;
    return JSON.stringify(o, null, "\t") + "\n";
  }
  return text.slice(0, text.indexOf("\nsops:") + 1);
}
