import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { isEnvsyncError } from "../../src/errors.js";
import { PAUSE_MARKER, testHooks } from "../../src/test-hooks.js";

afterEach(() => {
  vi.restoreAllMocks();
});

/** Captures stderr writes; resolves `marked` once the marker line has been written. */
function watchStderr(): { marked: Promise<void>; text: () => string } {
  let text = "";
  let mark!: () => void;
  const marked = new Promise<void>((r) => (mark = r));
  vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    text += String(chunk);
    if (text.includes(PAUSE_MARKER)) mark();
    return true;
  });
  return { marked, text: () => text };
}

describe("ENVSYNC_PAUSE_BEFORE_WRITE (test hook of the built binary)", () => {
  it("is off unless asked", () => {
    expect(testHooks({})).toBeUndefined();
    expect(testHooks({ ENVSYNC_PAUSE_BEFORE_WRITE: "0" })).toBeUndefined();
  });

  it("prints the marker, then holds until SIGUSR2", async () => {
    const err = watchStderr();
    const hooks = testHooks({ ENVSYNC_PAUSE_BEFORE_WRITE: "1" })!;
    let released = false;
    const held = hooks.beforeWrite!().then(() => (released = true));
    await err.marked;
    expect(err.text()).toMatch(/^envsync: paused before writing .*SIGUSR2 to pid \d+/);
    expect(released).toBe(false);
    process.kill(process.pid, "SIGUSR2");
    await held;
    // A release ends every later hold too.
    await hooks.beforeWrite!();
  });

  it("holds until the release file appears", async () => {
    const err = watchStderr();
    const file = join(mkdtempSync(join(tmpdir(), "envsync-hook-")), "release");
    const hooks = testHooks({ ENVSYNC_PAUSE_BEFORE_WRITE: "1", ENVSYNC_PAUSE_RELEASE_FILE: file })!;
    const held = hooks.beforeWrite!();
    await err.marked;
    expect(err.text()).toContain(`creating ${file}`);
    writeFileSync(file, "");
    await held;
  });

  it("never ends by itself: past its limit it fails loudly (exit 2), it does not carry on", async () => {
    watchStderr();
    const hooks = testHooks({ ENVSYNC_PAUSE_BEFORE_WRITE: "1", ENVSYNC_PAUSE_LIMIT_MS: "50" })!;
    const e: unknown = await hooks.beforeWrite!().then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(isEnvsyncError(e, "USAGE")).toBe(true);
    expect((e as Error).message).toMatch(/nothing released it.*nothing was written/);
    expect((e as { exitCode: number }).exitCode).toBe(2);
  });
});
