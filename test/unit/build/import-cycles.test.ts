/**
 * The module graph of src/ (static `import … from` and lazy `import()`): no import
 * cycles, so src/config/ and src/providers/ never depend on each other in a loop, and
 * src/providers/shared/ depends on no single store (issue 24, item 5). Read from the
 * source text, so it needs no build and no extra dependency.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), "../../../src");
const STORES = ["aws", "azure", "dotenvx", "file", "gcp", "sops", "vault"];

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? files(join(dir, e.name))
      : e.name.endsWith(".ts") && !e.name.endsWith(".d.ts")
        ? [join(dir, e.name)]
        : [],
  );
}

/** Each src file (relative, .ts) → the src files it imports (type-only imports included). */
function graph(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const spec = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)["'](\.{1,2}\/[^"']+)["']/gm;
  for (const file of files(SRC)) {
    const text = readFileSync(file, "utf8");
    const deps = new Set<string>();
    for (const m of text.matchAll(spec)) {
      const target = resolve(dirname(file), (m[1] as string).replace(/\.js$/, ".ts"));
      deps.add(relative(SRC, target));
    }
    out.set(relative(SRC, file), [...deps]);
  }
  return out;
}

/** The strongly connected components with more than one file (Tarjan). */
function cycles(g: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    on.add(v);
    for (const w of g.get(v) ?? []) {
      if (!g.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) out.push(scc.sort());
    }
  };
  for (const v of g.keys()) if (!index.has(v)) visit(v);
  return out;
}

describe("src module graph", () => {
  const g = graph();

  it("reads the whole tree (the regex finds imports)", () => {
    expect(g.size).toBeGreaterThan(50);
    expect(g.get("providers/registry.ts")?.length ?? 0).toBeGreaterThan(0);
  });

  it("has no cycle that joins src/config/ and src/providers/", () => {
    const joined = cycles(g).filter(
      (c) => c.some((f) => f.startsWith("config/")) && c.some((f) => f.startsWith("providers/")),
    );
    expect(joined).toEqual([]);
  });

  it("finds a cycle when there is one (the check can fail)", () => {
    const fake = new Map(g);
    fake.set("config/a.ts", ["providers/b.ts"]);
    fake.set("providers/b.ts", ["config/a.ts"]);
    expect(cycles(fake)).toContainEqual(["config/a.ts", "providers/b.ts"]);
  });

  it("src/providers/shared/ imports no single store", () => {
    const bad = [...g]
      .filter(([f]) => f.startsWith("providers/shared/"))
      .flatMap(([f, deps]) =>
        deps
          .filter((d) => STORES.some((s) => d.startsWith(`providers/${s}/`)))
          .map((d) => `${f} → ${d}`),
      );
    expect(bad).toEqual([]);
  });
});
