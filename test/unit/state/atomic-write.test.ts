import { spawn } from "node:child_process";
import * as fs from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isEnvsyncError } from "../../../src/errors.js";
import { writeFileAtomic } from "../../../src/state/atomic-write.js";
import type { AtomicFs } from "../../../src/state/atomic-write.js";

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(join(tmpdir(), "envsync-atomic-"));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const mode = async (p: string) => (await fs.stat(p)).mode & 0o777;
const isPosix = process.platform !== "win32";

/** The real file system with one operation replaced. */
function fsWith(overrides: Partial<AtomicFs>): AtomicFs {
  return {
    open: (p, f, m) => fs.open(p, f, m),
    rename: (a, b) => fs.rename(a, b),
    unlink: (p) => fs.unlink(p),
    stat: (p) => fs.stat(p),
    realpath: (p) => fs.realpath(p),
    readFile: (p) => fs.readFile(p),
    mkdir: (p, o) => fs.mkdir(p, o),
    chmod: (p, m) => fs.chmod(p, m),
    readdir: (p) => fs.readdir(p),
    ...overrides,
  };
}

describe("writeFileAtomic", () => {
  it("creates a new file with mode 0600 and no backup", async () => {
    const target = join(dir, ".env");
    const { backupPath } = await writeFileAtomic(target, "A=1\n", { backupDir: join(dir, "b") });
    expect(await fs.readFile(target, "utf8")).toBe("A=1\n");
    expect(backupPath).toBeNull();
    if (isPosix) expect(await mode(target)).toBe(0o600);
  });

  it("keeps the mode of an existing file and saves the previous content", async () => {
    const target = join(dir, ".env");
    const backups = join(dir, ".envsync", "backups");
    await fs.writeFile(target, "OLD=1\n");
    await fs.chmod(target, 0o640);
    const { backupPath } = await writeFileAtomic(target, new TextEncoder().encode("NEW=1\n"), {
      backupDir: backups,
    });
    expect(await fs.readFile(target, "utf8")).toBe("NEW=1\n");
    expect(backupPath).not.toBeNull();
    expect(await fs.readFile(backupPath!, "utf8")).toBe("OLD=1\n");
    if (isPosix) {
      expect(await mode(target)).toBe(0o640);
      expect(await mode(backupPath!)).toBe(0o600);
      expect(await mode(backups)).toBe(0o700);
    }
    expect((await fs.readdir(dir)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("keeps the last N backups per file name", async () => {
    const target = join(dir, ".env");
    const other = join(dir, ".env.production");
    const backups = join(dir, "backups");
    await fs.writeFile(other, "P=0\n");
    await writeFileAtomic(other, "P=1\n", { backupDir: backups });
    for (let i = 0; i < 8; i++) {
      await writeFileAtomic(target, `V=${i}\n`, { backupDir: backups, keepBackups: 3 });
    }
    const names = (await fs.readdir(backups)).sort();
    const mine = names.filter((n) => /^\.env\.\d/.test(n));
    expect(mine).toHaveLength(3);
    // The newest three previous contents: V=4, V=5, V=6 (V=7 is the current file).
    const contents = await Promise.all(mine.map((n) => fs.readFile(join(backups, n), "utf8")));
    expect(contents).toEqual(["V=4\n", "V=5\n", "V=6\n"]);
    expect(names.filter((n) => n.startsWith(".env.production."))).toHaveLength(1);
  });

  it("makes no backup with keepBackups 0", async () => {
    const target = join(dir, ".env");
    await fs.writeFile(target, "OLD=1\n");
    const { backupPath } = await writeFileAtomic(target, "NEW=1\n", {
      backupDir: join(dir, "b"),
      keepBackups: 0,
    });
    expect(backupPath).toBeNull();
    expect(await fs.readFile(target, "utf8")).toBe("NEW=1\n");
  });

  it("leaves the old file intact and no temporary file when rename fails", async () => {
    const target = join(dir, ".env");
    await fs.writeFile(target, "OLD=1\n");
    const failing = fsWith({
      rename: () => Promise.reject(Object.assign(new Error("injected"), { code: "EIO" })),
    });
    const err = await writeFileAtomic(target, "NEW=1\n", { fs: failing }).catch((e: unknown) => e);
    expect(isEnvsyncError(err, "IO")).toBe(true);
    expect((err as Error).message).toContain("EIO");
    expect(await fs.readFile(target, "utf8")).toBe("OLD=1\n");
    expect(await fs.readdir(dir)).toEqual([".env"]);
  });

  it("writes nothing when the backup cannot be made", async () => {
    const target = join(dir, ".env");
    await fs.writeFile(target, "OLD=1\n");
    const failing = fsWith({
      mkdir: () => Promise.reject(Object.assign(new Error("injected"), { code: "EACCES" })),
    });
    const err = await writeFileAtomic(target, "NEW=1\n", {
      fs: failing,
      backupDir: join(dir, "b"),
    }).catch((e: unknown) => e);
    expect(isEnvsyncError(err, "IO")).toBe(true);
    expect((err as { hint?: string }).hint).toMatch(/permission/);
    expect(await fs.readFile(target, "utf8")).toBe("OLD=1\n");
    expect(await fs.readdir(dir)).toEqual([".env"]);
  });

  it("leaves the old file intact when fsync fails", async () => {
    const target = join(dir, ".env");
    await fs.writeFile(target, "OLD=1\n");
    const failing = fsWith({
      open: async (p, f, m) => {
        const h = await fs.open(p, f, m);
        if (f !== "wx") return h;
        return {
          writeFile: (d) => h.writeFile(d),
          chmod: (md) => h.chmod(md),
          close: () => h.close(),
          sync: () => Promise.reject(Object.assign(new Error("injected"), { code: "EIO" })),
        };
      },
    });
    await expect(writeFileAtomic(target, "NEW=1\n", { fs: failing })).rejects.toThrow(/EIO/);
    expect(await fs.readFile(target, "utf8")).toBe("OLD=1\n");
    expect(await fs.readdir(dir)).toEqual([".env"]);
  });

  it("writes through a symbolic link, keeping the link", async () => {
    const real = join(dir, "real.env");
    const link = join(dir, ".env");
    await fs.writeFile(real, "OLD=1\n");
    await fs.symlink(real, link);
    await writeFileAtomic(link, "NEW=1\n");
    expect((await fs.lstat(link)).isSymbolicLink()).toBe(true);
    expect(await fs.readFile(real, "utf8")).toBe("NEW=1\n");
  });
});

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const moduleUrl = pathToFileURL(join(repoRoot, "src/state/atomic-write.ts")).href;

/** A child that rewrites `target` forever, alternating two large contents. */
const writerScript = `
import { writeFileAtomic } from ${JSON.stringify(moduleUrl)};
const [target, size] = process.argv.slice(2);
const contents = ["a", "b"].map((c) => c.repeat(Number(size)));
for (let i = 0; ; i++) {
  await writeFileAtomic(target, contents[i % 2], { backupDir: target + ".backups" });
  if (i === 0) process.stdout.write("ready\\n");
}
`;

describe("writeFileAtomic under SIGKILL", () => {
  // Checked when written: a plain fs.writeFile in the same child leaves an empty or
  // truncated target at some of these kill points.
  it("leaves the target either fully old or fully new when the writer is killed mid-write", async () => {
    const target = join(dir, ".env");
    const script = join(dir, "writer.mjs");
    const size = 4 * 1024 * 1024;
    await fs.writeFile(script, writerScript);
    await fs.writeFile(target, "b".repeat(size));
    for (const delayMs of [0, 7, 23, 61]) {
      const child = spawn(process.execPath, ["--import", "tsx", script, target, String(size)], {
        cwd: repoRoot,
        stdio: ["ignore", "pipe", "inherit"],
      });
      const exited = new Promise<NodeJS.Signals | null>((done) =>
        child.on("exit", (_c, sig) => done(sig)),
      );
      await new Promise<void>((ready, failed) => {
        child.stdout.on("data", () => ready());
        child.on("exit", (code) => failed(new Error(`writer exited early (${code})`)));
      });
      await new Promise((r) => setTimeout(r, delayMs));
      child.kill("SIGKILL");
      expect(await exited).toBe("SIGKILL");
      const content = await fs.readFile(target, "latin1");
      expect(content.length).toBe(size);
      const first = content.charAt(0);
      expect(["a", "b"]).toContain(first);
      expect(content === first.repeat(size)).toBe(true);
    }
    // Backups are whole too (written under a temporary name, then renamed), at most 20, 0600.
    const backups = (await fs.readdir(`${target}.backups`)).filter((f) => f.endsWith(".bak"));
    expect(backups.length).toBeGreaterThan(0);
    expect(backups.length).toBeLessThanOrEqual(20);
    for (const b of backups) {
      const p = join(`${target}.backups`, b);
      const c = await fs.readFile(p, "latin1");
      expect(c === "a".repeat(size) || c === "b".repeat(size)).toBe(true);
      if (isPosix) expect(await mode(p)).toBe(0o600);
    }
  }, 300_000);
});
