/**
 * Remote text never drives the terminal (issue 25, item 3): every control and format
 * character (C0 but the line feed, DEL, C1, bidi marks, embeddings, overrides and
 * isolates, zero-width characters, line and paragraph separators, the BOM) and the
 * escape sequences built of them (OSC 0 title, CSI 2K erase line, OSC 52 clipboard)
 * are fed through every message that can carry a name read from a remote or a file:
 * the skipped-keys notice, plan and diff lines, `diff --show-values`, `check`, errors
 * naming a file and line, the remote named in `envsync.yaml`. No raw character of
 * that set reaches stdout or stderr; each is shown escaped (`\x1b`, `\u202e`), and
 * `--json` stays exact JSON (the names parse back byte for byte).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CanaryGuard, hasStackTrace, runCli, tempDir, type CliResult } from "./helpers.js";

const guard = new CanaryGuard();

/** Every single character a terminal may act on, and the classic sequences. */
const CHARS: string[] = [
  ...Array.from({ length: 0x20 }, (_, i) => String.fromCharCode(i)).filter((c) => c !== "\n"),
  "\x7f",
  ...Array.from({ length: 0x20 }, (_, i) => String.fromCharCode(0x80 + i)),
  "\u061c",
  ...["\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u2028", "\u2029"],
  ...["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2060"],
  ...["\u2066", "\u2067", "\u2068", "\u2069", "\ufeff", "\u{e0001}"],
];
const SEQUENCES = ["\x1b]0;PWNED\x07", "\x1b[2K", "\x1b]52;c;SGVsbG8=\x07", "\x9b2J", "\r"];

/** A raw character of the set above (the line feed is the only C0 allowed). */
const RAW = /(?!\n)[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u;

const RAW_ALL = new RegExp(RAW.source, "gu");

/** The visible escape of one character, as the CLI writes it. */
function esc(ch: string): string {
  const cp = ch.codePointAt(0) ?? 0;
  if (cp < 0x100) return `\\x${cp.toString(16).padStart(2, "0")}`;
  if (cp < 0x10000) return `\\u${cp.toString(16).padStart(4, "0")}`;
  return `\\u{${cp.toString(16)}}`;
}

/** Throws naming the first raw character in the output of a run. */
function assertNoRaw(r: CliResult, what: string): void {
  for (const [where, text] of [
    ["stdout", r.stdout],
    ["stderr", r.stderr],
  ] as const) {
    const m = RAW.exec(text);
    if (m)
      throw new Error(
        `raw U+${(m[0].codePointAt(0) ?? 0).toString(16).padStart(4, "0")} in ${where} of ${what} at ${m.index}: ${JSON.stringify(text.slice(Math.max(0, m.index - 40), m.index + 40))}`,
      );
  }
  expect(hasStackTrace(r.stderr), `${what}: ${r.stderr}`).toBe(false);
}

/** A working copy `w/` beside `remote/` with the given files. */
function work(files: Record<string, string>): string {
  const root = tempDir("envsync-term-");
  mkdirSync(join(root, "w"));
  mkdirSync(join(root, "remote"));
  for (const [p, text] of Object.entries(files)) writeFileSync(join(root, p), text);
  return join(root, "w");
}

describe("remote text never drives the terminal", () => {
  // Key names holding each character: skipped on read (not .env keys), named in a notice.
  const names = [...CHARS, ...SEQUENCES].map((c, i) => `K${i}${c}X`);
  const bundle: Record<string, unknown> = Object.fromEntries(
    names.map((n) => [n, guard.make("T")]),
  );
  // A value holding every character: shown by diff --show-values only.
  const hostileValue = [...CHARS, ...SEQUENCES].join("|");
  bundle.SHOWN = hostileValue;
  bundle.NESTED = { a: { b: [1, 2] } };
  const json = JSON.stringify(bundle);

  it("plan, diff, check and notices escape every character; --json names parse back exactly", async () => {
    const w = work({ "remote/shared.json": json, "w/.env": `SHOWN=${guard.make("L")}\n` });
    const r0 = ["-r", "file:../remote/shared.json"];
    const runs: [string[], number][] = [
      [["diff", ...r0], 0],
      [["diff", "--show-values", ...r0], 0],
      [["diff", "--verbose", ...r0], 0],
      [["check", ...r0], 3],
      [["pull", "--dry-run", ...r0], 0],
      [["sync", "--dry-run", ...r0], 0],
      [["sync", "--dry-run", "--on-conflict", "fail", ...r0], 4],
      [["push", "--dry-run", ...r0], 0],
    ];
    for (const [args, code] of runs) {
      const r = await runCli(args, { cwd: w });
      const what = `envsync ${args.join(" ")}`;
      assertNoRaw(r, what);
      expect(r.code, `${what}: ${r.stderr}`).toBe(code);
    }
    // The notice names each skipped key, escaped visibly (five names a notice: a remote
    // for each five).
    const all = [...CHARS, ...SEQUENCES];
    for (let i = 0; i < all.length; i += 5) {
      const part = all.slice(i, i + 5);
      const pw = work({
        "remote/shared.json": JSON.stringify(Object.fromEntries(part.map((c) => [`K${c}X`, "1"]))),
        "w/.env": "A=1\n",
      });
      const d = await runCli(["diff", ...r0], { cwd: pw });
      assertNoRaw(d, `diff of ${JSON.stringify(part)}`);
      for (const c of part) expect(d.stderr).toContain(`K${c.replace(RAW_ALL, esc)}X`);
    }
    // --show-values shows the value with every character visible (JSON escapes C0).
    const v = await runCli(["diff", "--show-values", ...r0], { cwd: w });
    expect(v.stdout).toContain("\\u202e");
    expect(v.stdout).toContain("\\x9b2J");
    // --json: exact JSON whose names and value are the remote's own.
    for (const args of [
      ["diff", "--json", "--show-values", ...r0],
      ["pull", "--json", "--dry-run", ...r0],
    ]) {
      const r = await runCli(args, { cwd: w });
      assertNoRaw(r, `envsync ${args.join(" ")}`);
      const parsed = JSON.parse(r.stdout) as {
        notices: { code: string; names?: string[] }[];
        entries?: { key: string; remoteValue?: string }[];
      };
      const skipped = parsed.notices.find((n) => n.code === "SKIPPED_KEYS");
      expect(new Set(skipped?.names)).toEqual(new Set(names));
      if (parsed.entries)
        expect(parsed.entries.find((e) => e.key === "SHOWN")?.remoteValue).toBe(hostileValue);
    }
  });

  it("an error naming a line of a .env remote or local file escapes it", async () => {
    for (const seq of SEQUENCES.concat(["\x00", "\x85", "\u202e", "\u2028"])) {
      const line = `B${seq}X=${guard.make("E")}\n`;
      const remote = work({ "remote/shared.env": line, "w/.env": "A=1\n" });
      const r1 = await runCli(["pull", "--yes", "-r", "file:../remote/shared.env"], {
        cwd: remote,
      });
      assertNoRaw(r1, `pull of a remote holding ${JSON.stringify(seq)}`);
      const local = work({ "remote/shared.env": "A=1\n", "w/.env": line });
      const r2 = await runCli(["push", "--yes", "-r", "file:../remote/shared.env"], {
        cwd: local,
      });
      assertNoRaw(r2, `push of a .env holding ${JSON.stringify(seq)}`);
      expect(r2.code).toBe(2);
    }
  });

  it("a remote named in envsync.yaml with control characters is shown escaped", async () => {
    const name = "x\x1b]0;PWNED\x07\u202ey.json";
    const w = work({
      [`remote/${name}`]: JSON.stringify({ A: "1" }),
      "w/.env": "A=2\n",
      "w/envsync.yaml": `environments:\n  dev:\n    remote: ${JSON.stringify(`file:../remote/${name}`)}\n`,
    });
    for (const args of [
      ["diff"],
      ["sync", "--dry-run"],
      ["diff", "-r", "file:../remote/none\x1b[2K"],
    ]) {
      const r = await runCli(args, { cwd: w });
      assertNoRaw(r, `envsync ${args.join(" ")}`);
      expect(r.stdout + r.stderr).toMatch(/\\x1b(\]0;PWNED|\[2K)/);
    }
  });
});
