/**
 * docs/DOTENV.md, "JSON bundles": a JSON `null` in a bundle is `null` in `.env` after a
 * pull, the string "null" in `export --format json`/`yaml`, and stays `null` in the
 * bundle when unchanged (issue 25, item 7: docs match behaviour).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { runCli, tempDir } from "./helpers.js";

describe("JSON null in a bundle, as docs/DOTENV.md says", () => {
  it('pull writes KEY=null, export shows "null", an unchanged null stays null', async () => {
    const root = tempDir("envsync-null-");
    mkdirSync(join(root, "w"));
    mkdirSync(join(root, "remote"));
    const bundle = join(root, "remote", "b.json");
    writeFileSync(bundle, '{"A": null, "B": "x"}\n');
    const w = join(root, "w");
    const r = ["-r", "file:../remote/b.json"];
    const json = await runCli(["export", "--format", "json", ...r], { cwd: w });
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ A: "null", B: "x" });
    const yaml = await runCli(["export", "--format", "yaml", ...r], { cwd: w });
    expect(parseYaml(yaml.stdout, { version: "1.1" })).toEqual({ A: "null", B: "x" });
    const pull = await runCli(["pull", "--yes", ...r], { cwd: w });
    expect(pull.code, pull.stderr).toBe(0);
    expect(readFileSync(join(w, ".env"), "utf8")).toMatch(/^A=null$/m);
    // A change to B only: A is written back as JSON null, not as a string.
    writeFileSync(join(w, ".env"), readFileSync(join(w, ".env"), "utf8").replace("B=x", "B=y"));
    const push = await runCli(["push", "--yes", ...r], { cwd: w });
    expect(push.code, push.stderr).toBe(0);
    expect(JSON.parse(readFileSync(bundle, "utf8"))).toEqual({ A: null, B: "y" });
  });
});
