import { describe, expect, it } from "vitest";
import { fromSystemError, ioError } from "../../../src/errors.js";

const sysErr = (code: string, syscall = "open", path = "/w/.env"): Error =>
  Object.assign(new Error(`${code}: failed, ${syscall} '${path}'`), { code, syscall, path });

describe("local I/O errors", () => {
  it.each([
    ["ENOSPC", /disk is full/],
    ["EDQUOT", /quota/],
    ["EROFS", /read-only/],
    ["EACCES", /permissions/],
    ["EPERM", /permissions/],
    ["EFBIG", /ulimit -f/],
  ])("%s: exit 1, the code and its meaning in the message, a hint for it", (code, hint) => {
    const e = ioError("/w/.env", "write", sysErr(code));
    expect(e.code).toBe("IO");
    expect(e.exitCode).toBe(1);
    expect(e.message).toMatch(new RegExp(`^Could not write /w/\\.env \\(${code}: [a-z -]+\\)\\.$`));
    expect(e.hint).toMatch(hint);
  });

  it("a stray system error reaching the top becomes an IO error naming its path; anything else does not", () => {
    const e = fromSystemError(sysErr("ENOSPC", "write", "/w/.envsync/x"));
    expect(e?.code).toBe("IO");
    expect(e?.message).toContain("/w/.envsync/x (ENOSPC: no space left on device)");
    expect(e?.hint).toMatch(/disk is full/);
    expect(fromSystemError(new Error("boom"))).toBeNull();
    expect(
      fromSystemError(Object.assign(new Error("x"), { code: "ERR_INVALID_ARG_TYPE" })),
    ).toBeNull();
  });
});
