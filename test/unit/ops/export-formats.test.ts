/**
 * The export formatters, each read back with a real parser of its format: our
 * dotenv parser (and dotenv's for ordinary values), JSON.parse, the `yaml` package,
 * bash and sh `eval`, a port of the GitHub runner's `$GITHUB_ENV` reader, and
 * base64 decoding of Secret data. Generated values (fast-check) plus a table of the
 * values that break naive quoting.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import dotenv from "dotenv";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { parse as parseDotenv } from "../../../src/dotenv/index.js";
import { isEnvsyncError } from "../../../src/errors.js";
import {
  k8sNameFrom,
  shellQuote,
  toDotenv,
  toExternalSecret,
  toGithubEnv,
  toJson,
  toK8sSecret,
  toShell,
  toYaml,
} from "../../../src/ops/export-formats.js";

/** Values that break naive quoting in one format or another. */
const NASTY = [
  "",
  " ",
  "plain",
  "two words",
  " leading and trailing ",
  "it's",
  `say "hi"`,
  "back`tick`",
  "$HOME ${HOME} $(touch PWNED) `touch PWNED`",
  "a\\nb (backslash n)",
  "multi\nline",
  "multi\nline\n",
  "\nstarts with newline",
  "crlf\r\nline",
  "lone\rcr",
  "tab\there",
  "# not a comment",
  "value # inline",
  "=equals=",
  "true",
  "123",
  "0x1F",
  "null",
  "~",
  "on",
  "Yes",
  "no",
  "y",
  "N",
  "off",
  "0o17",
  "0777",
  "1_000",
  "1:20",
  "2001-12-14",
  ".inf",
  "- dash",
  "key: value",
  "{a: 1}",
  "[1, 2]",
  "&anchor *alias",
  "!tag",
  "% percent",
  "@at",
  "é 中文 🎉",
  "'\"`\n all three quotes and a newline",
  "EOF\nEOF",
  "ENVSYNC_EOF_x",
];

const nastyMap = new Map(NASTY.map((v, i) => [`K_${String(i).padStart(2, "0")}`, v]));

/** Keys start with K, so none is one of the shells' special variables (`_`, UID, PPID…). */
const key = fc.stringMatching(/^K[A-Z0-9_]{0,11}$/);
/** ASCII with control characters (no NUL: no env var can hold it) and some Unicode. */
const value = fc.oneof(
  fc.string({ unit: "binary-ascii" }).map((s) => s.replaceAll("\0", "")),
  fc.string({ unit: "grapheme" }),
  fc.constantFrom(...NASTY),
);
const valuesArb = fc
  .uniqueArray(fc.tuple(key, value), { selector: ([k]) => k, minLength: 1, maxLength: 12 })
  .map((entries) => new Map(entries));

const asObject = (m: ReadonlyMap<string, string>): Record<string, string> => Object.fromEntries(m);

function expectRefused(fn: () => unknown, code: string, keyName: string): void {
  try {
    fn();
  } catch (e) {
    expect(isEnvsyncError(e, code as never), String(e)).toBe(true);
    expect((e as Error).message).toContain(keyName);
    return;
  }
  throw new Error("expected a refusal");
}

describe("dotenv", () => {
  it("reads back exactly with envsync's parser (table and generated)", () => {
    expect(parseDotenv(toDotenv(nastyMap))).toEqual(asObject(nastyMap));
    fc.assert(
      fc.property(valuesArb, (m) => {
        expect(parseDotenv(toDotenv(m))).toEqual(asObject(m));
      }),
    );
  });
  it("reads back with the dotenv package for values without all three quotes and a newline", () => {
    const ordinary = new Map([...nastyMap].filter(([, v]) => !v.startsWith("'\"`")));
    expect(dotenv.parse(toDotenv(ordinary))).toEqual(asObject(ordinary));
  });
  it("sorts keys", () => {
    expect(
      toDotenv(
        new Map([
          ["B", "2"],
          ["A", "1"],
        ]),
      ),
    ).toBe("A=1\nB=2\n");
  });
});

describe("json", () => {
  it("is one object of strings that JSON.parse reads back", () => {
    expect(JSON.parse(toJson(nastyMap))).toEqual(asObject(nastyMap));
    fc.assert(
      fc.property(valuesArb, (m) => {
        expect(JSON.parse(toJson(m))).toEqual(asObject(m));
      }),
    );
  });
  it("keeps a key named __proto__ as a key", () => {
    expect(JSON.parse(toJson(new Map([["__proto__", "x"]])))).toEqual(
      JSON.parse('{"__proto__":"x"}'),
    );
  });
  it("writes {} for no keys", () => expect(JSON.parse(toJson(new Map()))).toEqual({}));
});

describe("yaml", () => {
  it("is a mapping of strings the yaml package reads back (no booleans, numbers or nulls)", () => {
    expect(parseYaml(toYaml(nastyMap))).toEqual(asObject(nastyMap));
    fc.assert(
      fc.property(valuesArb, (m) => {
        expect(parseYaml(toYaml(m))).toEqual(asObject(m));
      }),
    );
  });
  it("YAML 1.1 parsers (PyYAML, go-yaml v2) read the same strings: yes/no/on/off, octal, sexagesimal, dates", () => {
    const v11 = (t: string): unknown => parseYaml(t, { version: "1.1" });
    expect(v11(toYaml(nastyMap))).toEqual(asObject(nastyMap));
    const keys = new Map([
      ["Y", "on"],
      ["ON", "off"],
      ["NO", "1_000"],
      ["N", "y"],
    ]);
    expect(v11(toYaml(keys))).toEqual(asObject(keys));
    fc.assert(
      fc.property(valuesArb, (m) => {
        expect(v11(toYaml(m))).toEqual(asObject(m));
      }),
    );
  });
  it("keeps multi-line values readable as block literals", () => {
    expect(toYaml(new Map([["PEM", "-----BEGIN-----\nabc\n-----END-----"]]))).toBe(
      "PEM: |-\n  -----BEGIN-----\n  abc\n  -----END-----\n",
    );
  });
  it("writes {} for no keys", () => expect(parseYaml(toYaml(new Map()))).toEqual({}));
});

/**
 * Evaluates `text` in `shell` and prints each key's value NUL-terminated. Asynchronous:
 * a synchronous spawn loop blocked the test worker for over a minute under stress-ng,
 * and Vitest's worker then reported a time-out of its own messages.
 */
async function evalIn(
  shell: "bash" | "sh",
  text: string,
  keys: string[],
  cwd: string,
): Promise<string[]> {
  const script = `eval "$1"\nprintf '%s\\0' ${keys.map((k) => `"$${k}"`).join(" ")}`;
  const { stdout } = await promisify(execFile)(shell, ["-c", script, "envsync-test", text], {
    cwd,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    encoding: "utf8",
  });
  return stdout.split("\0").slice(0, keys.length);
}

describe("shell", () => {
  const cwd = mkdtempSync(join(tmpdir(), "envsync-shell-"));
  const shells = (["bash", "sh"] as const).filter(
    (s) => existsSync(`/bin/${s}`) || existsSync(`/usr/bin/${s}`),
  );

  it("finds bash and sh to test with", () => expect(shells).toEqual(["bash", "sh"]));

  for (const shell of ["bash", "sh"] as const) {
    it(`${shell}: eval gives back every value exactly and runs nothing`, async () => {
      const keys = [...nastyMap.keys()].sort();
      expect(await evalIn(shell, toShell(nastyMap), keys, cwd)).toEqual(
        keys.map((k) => nastyMap.get(k)),
      );
      expect(existsSync(join(cwd, "PWNED"))).toBe(false);
    });
    it(`${shell}: generated values survive eval`, async () => {
      await fc.assert(
        fc.asyncProperty(valuesArb, async (m) => {
          const keys = [...m.keys()].sort();
          expect(await evalIn(shell, toShell(m), keys, cwd)).toEqual(keys.map((k) => m.get(k)));
        }),
        { numRuns: 15 },
      );
      expect(existsSync(join(cwd, "PWNED"))).toBe(false);
    }, 300_000);
  }

  it.each([
    ["plain", "'plain'"],
    ["", "''"],
    ["it's", "'it'\\''s'"],
    ["$x", "'$x'"],
  ])("shellQuote(%j) = %s", (v, q) => expect(shellQuote(v)).toBe(q));

  it("refuses keys that are not shell names and values with NUL", () => {
    expectRefused(() => toShell(new Map([["A.B", "x"]])), "NAME", "A.B");
    expectRefused(() => toShell(new Map([["1A", "x"]])), "NAME", "1A");
    expectRefused(() => toShell(new Map([["A", "x\0y"]])), "NAME", "A");
  });
});

/**
 * The `$GITHUB_ENV` reader of actions/runner (src/Runner.Worker/FileCommandManager.cs,
 * SetEnvFileCommand.ProcessCommand and ReadLine, Linux branch), ported line by line:
 * `NAME=VALUE` when `=` comes before any `<<`, else `NAME<<DELIMITER` followed by the
 * value's lines up to a line equal to DELIMITER.
 */
function runnerParse(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let index = 0;
  const readLine = (): { line: string | null; newline: string | null } => {
    if (index >= text.length) return { line: null, newline: null };
    const original = index;
    const lf = text.indexOf("\n", index);
    if (lf < 0) {
      index = text.length;
      return { line: text.slice(original), newline: null };
    }
    index = lf + 1;
    return { line: text.slice(original, lf), newline: "\n" };
  };
  let { line } = readLine();
  while (line !== null) {
    if (line !== "") {
      const eq = line.indexOf("=");
      const hd = line.indexOf("<<");
      if (eq >= 0 && (hd < 0 || eq < hd)) {
        out[line.slice(0, eq)] = line.slice(eq + 1);
      } else if (hd >= 0 && (eq < 0 || hd < eq)) {
        const name = line.slice(0, hd);
        const delimiter = line.slice(hd + 2);
        if (name === "" || delimiter === "") throw new Error(`invalid format '${line}'`);
        const start = index;
        let end = index;
        let t = readLine();
        while (t.line !== delimiter) {
          if (t.line === null) throw new Error(`matching delimiter not found '${delimiter}'`);
          end = index - (t.newline?.length ?? 0);
          t = readLine();
        }
        out[name] = end > start ? text.slice(start, end) : "";
      } else throw new Error(`invalid format '${line}'`);
    }
    ({ line } = readLine());
  }
  return out;
}

let counter = 0;
const hex = (): string => (counter++).toString(16).padStart(32, "0");

describe("github-env", () => {
  it("the GitHub runner's reader gives back every value (table and generated)", () => {
    expect(runnerParse(toGithubEnv(nastyMap, hex))).toEqual(asObject(nastyMap));
    fc.assert(
      fc.property(valuesArb, (m) => {
        expect(runnerParse(toGithubEnv(m, hex))).toEqual(asObject(m));
      }),
    );
  });
  it("uses KEY=value for one line and the heredoc form with a random delimiter for line breaks", () => {
    const text = toGithubEnv(
      new Map([
        ["A", "one"],
        ["B", "x\ny"],
      ]),
      () => "abc",
    );
    expect(text).toBe("A=one\nB<<ENVSYNC_EOF_abc\nx\ny\nENVSYNC_EOF_abc\n");
  });
  it("draws another delimiter when the value holds the first one (no injection)", () => {
    const attack = "x\nENVSYNC_EOF_aaa\nINJECTED=1\nENVSYNC_EOF_aaa";
    const draws = ["aaa", "bbb"];
    const text = toGithubEnv(new Map([["A", attack]]), () => draws.shift() ?? "zzz");
    expect(text).toContain("A<<ENVSYNC_EOF_bbb\n");
    expect(runnerParse(text)).toEqual({ A: attack });
  });
  it("refuses keys the runner would misread", () => {
    expectRefused(() => toGithubEnv(new Map([["A=B", "x"]]), hex), "NAME", "A=B");
    expectRefused(() => toGithubEnv(new Map([["A<<B", "x"]]), hex), "NAME", "A<<B");
  });
});

describe("k8s-secret", () => {
  it("is a v1 Secret whose base64 data decodes to every value", () => {
    const doc = parseYaml(
      toK8sSecret(nastyMap, { name: "app-env", namespace: "prod", remote: "file:x" }),
    );
    expect(doc).toMatchObject({
      apiVersion: "v1",
      kind: "Secret",
      type: "Opaque",
      metadata: { name: "app-env", namespace: "prod", annotations: { "envsync/remote": "file:x" } },
    });
    const decoded = Object.fromEntries(
      Object.entries(doc.data as Record<string, string>).map(([k, b64]) => [
        k,
        Buffer.from(b64, "base64").toString("utf8"),
      ]),
    );
    expect(decoded).toEqual(asObject(nastyMap));
    for (const b64 of Object.values(doc.data as Record<string, string>))
      expect(b64).toMatch(/^[A-Za-z0-9+/]*={0,2}$/);
  });
  it("generated values decode back", () => {
    fc.assert(
      fc.property(valuesArb, (m) => {
        const data = parseYaml(toK8sSecret(m, { name: "x" })).data as Record<string, string>;
        expect(
          Object.fromEntries(
            Object.entries(data).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]),
          ),
        ).toEqual(asObject(m));
      }),
    );
  });
  it("a name YAML 1.1 would read as a boolean stays a string for kubectl", () => {
    const doc = parseYaml(toK8sSecret(new Map([["A", "1"]]), { name: "on", namespace: "no" }), {
      version: "1.1",
    });
    expect(doc.metadata).toMatchObject({ name: "on", namespace: "no" });
  });
  it("leaves namespace out when not given, and refuses bad names, namespaces and keys", () => {
    expect(
      parseYaml(toK8sSecret(new Map([["A", "1"]]), { name: "x" })).metadata.namespace,
    ).toBeUndefined();
    expectRefused(() => toK8sSecret(new Map(), { name: "Bad_Name" }), "USAGE", "Bad_Name");
    expectRefused(() => toK8sSecret(new Map(), { name: "ok", namespace: "a.b" }), "USAGE", "a.b");
    expectRefused(() => toK8sSecret(new Map([["A B", "x"]]), { name: "ok" }), "NAME", "A B");
  });
  it.each([
    ["myapp/dev", "myapp-dev"],
    ["shared.env", "shared.env"],
    ["My_App__Prod", "my-app-prod"],
    ["---", "envsync"],
    ["app_*", "app"],
  ])("k8sNameFrom(%j) = %j", (label, name) => expect(k8sNameFrom(label)).toBe(name));
});

describe("external-secret", () => {
  it("bundle: dataFrom.extract of the secret, referencing the SecretStore", () => {
    const doc = parseYaml(
      toExternalSecret(
        { layout: "bundle", key: "myapp/dev" },
        { name: "myapp-dev", namespace: "prod", secretStore: "aws" },
      ),
    );
    expect(doc).toEqual({
      apiVersion: "external-secrets.io/v1",
      kind: "ExternalSecret",
      metadata: {
        name: "myapp-dev",
        namespace: "prod",
        labels: { "app.kubernetes.io/managed-by": "envsync" },
      },
      spec: {
        refreshInterval: "1h",
        secretStoreRef: { name: "aws", kind: "SecretStore" },
        target: { name: "myapp-dev", creationPolicy: "Owner" },
        dataFrom: [{ extract: { key: "myapp/dev" } }],
      },
    });
  });
  it("per-key: one data entry per key with the store's remote name, sorted", () => {
    const names = new Map([
      ["DB_URL", "app-db--url"],
      ["API_KEY", "app-api--key"],
    ]);
    const doc = parseYaml(
      toExternalSecret(
        { layout: "per-key", names },
        { name: "app", secretStore: "vault", secretStoreKind: "ClusterSecretStore" },
      ),
    );
    expect(doc.spec.secretStoreRef).toEqual({ name: "vault", kind: "ClusterSecretStore" });
    expect(doc.spec.data).toEqual([
      { secretKey: "API_KEY", remoteRef: { key: "app-api--key" } },
      { secretKey: "DB_URL", remoteRef: { key: "app-db--url" } },
    ]);
    expect(doc.spec.dataFrom).toBeUndefined();
  });
  it("refuses a bad SecretStore name", () => {
    expectRefused(
      () => toExternalSecret({ layout: "bundle", key: "x" }, { name: "x", secretStore: "" }),
      "USAGE",
      "--secret-store",
    );
  });
});
