/**
 * Issue 25, item 1: the local file of a command is never the store's own file. With
 * `-r dotenvx:F -f F` (or `sops:`, `file:`) — the same file by name, by a symlink, by a
 * hard link, or through `--config` and a relative path — every command that reads or
 * writes the local file stops with exit 2 before anything is read or written: the
 * encrypted file stays byte-identical, and the real dotenvx and sops still decrypt it.
 */
import { linkSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { encryptValue, newKeypair } from "../../src/providers/dotenvx/keys.js";
import { sopsTools, type SopsTools } from "../harness/tools/sops.js";
import { runProcess } from "../support/run-process.js";
import { canary, runCli, tempDir, type CliResult } from "./helpers.js";

const DOTENVX = resolve("node_modules/.bin/dotenvx");

/** A dotenvx-encrypted `.env.production` (and its `.env.keys`) in `dir`; returns its bytes. */
function dotenvxFile(dir: string, values: Record<string, string>): Buffer {
  const pair = newKeypair();
  let text = `DOTENV_PUBLIC_KEY_PRODUCTION="${pair.publicKey}"\n\n# .env.production\n`;
  for (const [k, v] of Object.entries(values))
    text += `${k}="${encryptValue(pair.publicKey, v)}"\n`;
  writeFileSync(join(dir, ".env.production"), text);
  writeFileSync(join(dir, ".env.keys"), `DOTENV_PRIVATE_KEY_PRODUCTION=${pair.privateKey}\n`);
  return readFileSync(join(dir, ".env.production"));
}

/** What the real dotenvx reads from `.env.production` in `dir`. */
async function dotenvxGet(dir: string): Promise<Record<string, string>> {
  const r = await runProcess(DOTENVX, ["get", "-f", ".env.production", "--format", "json"], {
    cwd: dir,
    env: { ...process.env, HOME: dir },
  });
  expect(r.code, r.stderr).toBe(0);
  const all = JSON.parse(r.stdout) as Record<string, string>;
  delete all.DOTENV_PUBLIC_KEY_PRODUCTION;
  return all;
}

function expectRefused(r: CliResult, what: string): void {
  expect(r.code, `${what}: ${r.stderr}`).toBe(2);
  expect(r.stderr, what).toMatch(/is the store's own file/);
  expect(r.stderr, what).not.toMatch(/\n\s+at /);
}

describe("the local file is never the store's own file", () => {
  it("dotenvx: pull/push/sync/diff/check with -f naming the encrypted file refuse; the file stays byte-identical and dotenvx still reads it", async () => {
    const dir = tempDir("envsync-own-file-");
    const api = canary("API");
    const before = dotenvxFile(dir, { API_KEY: api });
    const remote = "dotenvx:.env.production";
    for (const cmd of ["pull", "push", "sync", "diff", "check"]) {
      const r = await runCli([cmd, "-r", remote, "-f", ".env.production", "--yes"], { cwd: dir });
      expectRefused(r, cmd);
      expect(readFileSync(join(dir, ".env.production")).equals(before), cmd).toBe(true);
    }
    // Other spellings of the same path.
    for (const f of ["./.env.production", join(dir, ".env.production"), "sub/../.env.production"]) {
      mkdirSync(join(dir, "sub"), { recursive: true });
      expectRefused(await runCli(["pull", "-r", remote, "-f", f], { cwd: dir }), f);
    }
    expectRefused(
      await runCli(
        ["pull", "-r", `dotenvx:${join(dir, ".env.production")}`, "-f", ".env.production"],
        {
          cwd: dir,
        },
      ),
      "absolute remote path",
    );
    // The private keys beside it are the store's too: a pull there would lose them.
    const keys = readFileSync(join(dir, ".env.keys"));
    expectRefused(
      await runCli(["pull", "-r", remote, "-f", ".env.keys"], { cwd: dir }),
      ".env.keys",
    );
    expect(readFileSync(join(dir, ".env.keys")).equals(keys)).toBe(true);
    expect(readFileSync(join(dir, ".env.production")).equals(before)).toBe(true);
    expect(await dotenvxGet(dir)).toEqual({ API_KEY: api });
  });

  it("dotenvx: a symlink and a hard link to the encrypted file are the same file", async () => {
    const dir = tempDir("envsync-own-file-");
    const before = dotenvxFile(dir, { API_KEY: canary("API") });
    symlinkSync(".env.production", join(dir, "via-symlink.env"));
    linkSync(join(dir, ".env.production"), join(dir, "via-hardlink.env"));
    mkdirSync(join(dir, "linked"));
    symlinkSync(dir, join(dir, "linked", "up"));
    for (const f of ["via-symlink.env", "via-hardlink.env", "linked/up/.env.production"]) {
      expectRefused(
        await runCli(["pull", "-r", "dotenvx:.env.production", "-f", f], { cwd: dir }),
        f,
      );
    }
    // The link as the remote and the real file as -f.
    expectRefused(
      await runCli(["pull", "-r", "dotenvx:via-hardlink.env", "-f", ".env.production"], {
        cwd: dir,
      }),
      "hard link as the remote",
    );
    expect(readFileSync(join(dir, ".env.production")).equals(before)).toBe(true);
  });

  it("--config: the remote's path (relative to the config's folder) and -f (relative to cwd) meet", async () => {
    const dir = tempDir("envsync-own-file-");
    const app = join(dir, "app");
    mkdirSync(app);
    const before = dotenvxFile(app, { API_KEY: canary("API") });
    writeFileSync(
      join(app, "envsync.yaml"),
      "default: prod\nenvironments:\n  prod:\n    file: .env\n    remote: dotenvx:.env.production\n",
    );
    // From the parent folder: -f is relative to cwd, the remote to app/.
    expectRefused(
      await runCli(["pull", "--config", "app/envsync.yaml", "-f", "app/.env.production"], {
        cwd: dir,
      }),
      "--config with -f",
    );
    // The config itself names the store's file as the local file.
    writeFileSync(
      join(app, "envsync.yaml"),
      "default: prod\nenvironments:\n  prod:\n    file: ./.env.production\n    remote: dotenvx:.env.production\n",
    );
    expectRefused(
      await runCli(["sync", "--config", "app/envsync.yaml"], { cwd: dir }),
      "file: in config",
    );
    expect(readFileSync(join(app, ".env.production")).equals(before)).toBe(true);
    // A different local file is fine.
    const ok = await runCli(["pull", "--config", "app/envsync.yaml", "-f", "app/.env"], {
      cwd: dir,
    });
    expect(ok.code, ok.stderr).toBe(0);
    expect(readFileSync(join(app, ".env.production")).equals(before)).toBe(true);
  });

  it("file: a plain remote file is not its own local file either", async () => {
    const dir = tempDir("envsync-own-file-");
    writeFileSync(join(dir, "shared.env"), "A=1\n");
    expectRefused(
      await runCli(["sync", "-r", "file:shared.env", "-f", "shared.env"], { cwd: dir }),
      "file:",
    );
    expect(readFileSync(join(dir, "shared.env"), "utf8")).toBe("A=1\n");
    // run and export do not use the local file: they are not refused.
    const r = await runCli(
      ["export", "--format", "json", "-r", "file:shared.env", "-f", "shared.env"],
      {
        cwd: dir,
      },
    );
    expect(r.code, r.stderr).toBe(0);
  });

  describe("sops (the real sops and age)", () => {
    let tools: SopsTools;
    let keyFile = "";
    let recipient = "";
    beforeAll(async () => {
      tools = await sopsTools();
      const keys = tempDir("envsync-own-file-keys-");
      keyFile = join(keys, "keys.txt");
      const r = await runProcess(tools.ageKeygen, ["-o", keyFile], { cwd: keys, env: process.env });
      expect(r.code, r.stderr).toBe(0);
      recipient = /age1[0-9a-z]+/.exec(readFileSync(keyFile, "utf8"))![0];
    }, 900_000);

    it("pull -r sops:F -f F refuses; sops -d still decrypts the file, byte-identical", async () => {
      const dir = tempDir("envsync-own-file-sops-");
      const env = { ...process.env, HOME: dir, SOPS_AGE_KEY_FILE: keyFile };
      const api = canary("API");
      writeFileSync(join(dir, "secrets.enc.env"), `API_KEY=${api}\n`);
      const enc = await runProcess(
        tools.sops,
        ["--disable-version-check", "-e", "-i", "--age", recipient, "secrets.enc.env"],
        { cwd: dir, env },
      );
      expect(enc.code, enc.stderr).toBe(0);
      const before = readFileSync(join(dir, "secrets.enc.env"));
      expect(before.toString()).not.toContain(api);
      symlinkSync("secrets.enc.env", join(dir, "link.env"));
      for (const args of [
        ["pull", "-r", "sops:secrets.enc.env", "-f", "secrets.enc.env"],
        ["sync", "-r", "sops:secrets.enc.env", "-f", "link.env"],
        ["push", "-r", "sops:./link.env", "-f", "secrets.enc.env"],
      ]) {
        expectRefused(
          await runCli(args, { cwd: dir, env: { HOME: dir, SOPS_AGE_KEY_FILE: keyFile } }),
          args.join(" "),
        );
        expect(readFileSync(join(dir, "secrets.enc.env")).equals(before)).toBe(true);
      }
      const dec = await runProcess(
        tools.sops,
        ["--disable-version-check", "-d", "--output-type", "json", "secrets.enc.env"],
        { cwd: dir, env },
      );
      expect(dec.code, dec.stderr).toBe(0);
      expect(JSON.parse(dec.stdout)).toEqual({ API_KEY: api });
    });
  });
});
