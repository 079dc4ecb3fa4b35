/**
 * The one settings resolver: flag > environment variable > envsync.yaml > default,
 * each value with its source; the same range whichever layer gives it; and doctor
 * saying where each value came from.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/config/config.js";
import { NUMBER_SETTINGS, resolveSettings } from "../../../src/config/settings.js";
import { doctor } from "../../../src/ops/doctor.js";
import { resolveSession } from "../../../src/ops/session.js";

const yaml = (extra: string) =>
  `${extra}environments:\n  dev:\n    remote: file:x.env\n    on-conflict: local\n    prune: true\n`;
const cfg = (text: string) => ({
  path: "envsync.yaml",
  root: "/",
  config: parseConfig(text, "envsync.yaml"),
});

describe("resolveSettings", () => {
  it("takes each setting from the first layer that has it, and says which", () => {
    const s = resolveSettings({
      flags: { timeoutMs: 100, onConflict: "fail" },
      environ: { ENVSYNC_RETRIES: "1", ENVSYNC_TIMEOUT_MS: "500" },
      config: cfg(yaml("retries: 5\ntimeout: 9000\nconcurrency: 4\n")),
    });
    expect(s.timeoutMs).toEqual({ value: 100, source: "flag", origin: "--timeout" });
    expect(s.retries).toEqual({ value: 1, source: "env", origin: "ENVSYNC_RETRIES" });
    expect(s.concurrency).toEqual({
      value: 4,
      source: "config",
      origin: "envsync.yaml: concurrency",
    });
    expect(s.retryBudgetMs).toEqual({ value: 20_000, source: "default", origin: "default" });
    expect(s.onConflict).toMatchObject({ value: "fail", source: "flag" });
    expect(s.prune).toMatchObject({
      value: true,
      source: "config",
      origin: "envsync.yaml: environments.dev.prune",
    });
    expect(s.expand).toMatchObject({ value: false, source: "default" });
    expect(s.environment).toMatchObject({ value: "dev", source: "config" });
    expect(s.remote).toMatchObject({ value: "file:x.env", source: "config" });
  });

  it.each(Object.entries(NUMBER_SETTINGS))(
    "%s: flag, variable and envsync.yaml accept the same range",
    (name, spec) => {
      const key = name as keyof typeof NUMBER_SETTINGS;
      const outside = [spec.min - 1, ...(spec.max !== undefined ? [spec.max + 1] : [])];
      const inside = [spec.min, ...(spec.max !== undefined ? [spec.max] : [])];
      for (const n of outside) {
        expect(() => resolveSettings({ flags: { [key]: n }, environ: {}, config: null })).toThrow(
          expect.objectContaining({ exitCode: 2 }) as Error,
        );
        if ("env" in spec)
          expect(() =>
            resolveSettings({ flags: {}, environ: { [spec.env]: String(n) }, config: null }),
          ).toThrow(expect.objectContaining({ exitCode: 2 }) as Error);
        expect(() => parseConfig(yaml(`${spec.yaml}: ${n}\n`), "envsync.yaml")).toThrow(
          expect.objectContaining({ exitCode: 2 }) as Error,
        );
      }
      for (const n of inside) {
        expect(resolveSettings({ flags: { [key]: n }, environ: {}, config: null })[key].value).toBe(
          n,
        );
        if ("env" in spec)
          expect(
            resolveSettings({ flags: {}, environ: { [spec.env]: String(n) }, config: null })[key]
              .value,
          ).toBe(n);
        const c = cfg(yaml(`${spec.yaml}: ${n}\n`));
        expect(resolveSettings({ flags: {}, environ: {}, config: c })[key].value).toBe(n);
      }
    },
  );

  it("--retries 21 is refused like retries: 21 in envsync.yaml (it used to be accepted)", () => {
    expect(() => resolveSettings({ flags: { retries: 21 }, environ: {}, config: null })).toThrow(
      /--retries must be a whole number from 0 to 20/,
    );
  });
});

describe("sessions and doctor use the resolver", () => {
  const dir = mkdtempSync(join(tmpdir(), "envsync-settings-"));
  writeFileSync(join(dir, "envsync.yaml"), yaml("retries: 5\n"));
  writeFileSync(join(dir, "x.env"), "A=1\n");
  writeFileSync(join(dir, ".env"), "A=1\n", { mode: 0o600 });

  it("the store context takes retries, timeout and concurrency from the settings", () => {
    const s = resolveSession({ cwd: dir, environ: { ENVSYNC_TIMEOUT_MS: "700" }, concurrency: 3 });
    expect(s.storeContext).toMatchObject({
      concurrency: 3,
      requestTimeoutMs: 700,
      retry: { maxAttempts: 6, totalTimeoutMs: 20_000 },
    });
    expect(s.settings.onConflict).toMatchObject({ value: "local", source: "config" });
  });

  it("doctor shows where each value came from", async () => {
    const r = await doctor({ cwd: dir, environ: { ENVSYNC_TIMEOUT_MS: "700" }, offline: true });
    const line = r.findings.find((f) => f.check === "settings");
    expect(line?.message).toContain("retries 5 (envsync.yaml: retries)");
    expect(line?.message).toContain("timeout 700 ms (ENVSYNC_TIMEOUT_MS)");
    expect(line?.message).toContain(
      "on-conflict local (envsync.yaml: environments.dev.on-conflict)",
    );
    expect(line?.message).toContain("concurrency 16 (default)");
  });
});
