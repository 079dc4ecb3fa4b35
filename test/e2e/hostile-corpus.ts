/**
 * The hostile-input corpus (issue 25, item 6), generated deterministically from the
 * small tables below: `envsync.yaml` documents, remote URIs, `.env` files, JSON bundle
 * documents read through the `file:` store (what a store answers), deep nesting,
 * reference chains for `--expand`, and a few large inputs (a 10 MB config, a `.env` of
 * 1,000,000 keys, a 100 MB `.env`). Every case is run through the built CLI by
 * test/e2e/hostile-corpus.test.ts; the counts it prints go to docs/RELIABILITY.md.
 */

/** One working copy's files: `w/…` (the working copy) and `remote/…` beside it. */
export type Files = Record<string, string | Buffer | (() => string | Buffer)>;

/** One case of the corpus. */
export interface CorpusCase {
  /** Table and line, e.g. `config: alias bomb`. */
  readonly name: string;
  /** Which table it comes from. */
  readonly group: "config" | "uri" | "dotenv" | "json" | "expand" | "large";
  /** Files to create before the run. */
  readonly files: Files;
  /** CLI arguments (run in `w/`). */
  readonly args: readonly string[];
  /**
   * `refused`: exit 1 or 2, `error [CODE]` and a hint naming what to do, the input named
   * (`names`), nothing written. `handled`: exit 0 or 3 (a diff may find differences).
   */
  readonly expect: "refused" | "handled";
  /** A text the error must contain: the input's file name, or the URI's scheme. */
  readonly names?: string;
  /** Environment variables of the run (beside the test's dummy credentials). */
  readonly env?: Record<string, string>;
}

const MB = 1024 * 1024;
/** A closed loopback port: nothing listens there, so a connection is refused at once. */
const CLOSED = "127.0.0.1:9";
const enc = encodeURIComponent;

// ---------------------------------------------------------------- envsync.yaml
const ENV_OK = "environments:\n  dev:\n    remote: file:../remote/shared.env\n";

/** Config documents that are not a valid envsync.yaml, one line a case. */
function configDocs(): [string, string | Buffer | (() => string | Buffer)][] {
  const bomb = (): string => {
    const lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 10; i++)
      lines.push(`a${i}: &a${i} [${Array.from({ length: 10 }, () => `*a${i - 1}`).join(", ")}]`);
    return `${lines.join("\n")}\n${ENV_OK}`;
  };
  const deepFlow = (n: number): string => `x: ${"[".repeat(n)}${"]".repeat(n)}\n${ENV_OK}`;
  const deepMap = (n: number): string => `x: ${"{a: ".repeat(n)}1${"}".repeat(n)}\n${ENV_OK}`;
  const deepBlock = (n: number): string => {
    let s = "x:\n";
    for (let i = 1; i <= n; i++) s += `${" ".repeat(i)}k${i}:\n`;
    return `${s}${" ".repeat(n + 1)}v: 1\n${ENV_OK}`;
  };
  const manyEnvs = (bytes: number): string => {
    let s = "environments:\n";
    for (let i = 0; s.length < bytes; i++) s += `  e${i}:\n    remote: file:../remote/shared.env\n`;
    return s + "  bad:\n    remote: 5\n";
  };
  return [
    ["alias bomb (10^10 nodes)", bomb],
    ["alias bomb in a value", `x: &a [*a]\n${ENV_OK}`],
    ["self-referencing alias", `a: &a\n  b: *a\n${ENV_OK}`],
    ["undefined alias", `x: *nope\n${ENV_OK}`],
    ["alias as an environment name", `environments: *e\n`],
    ["merge key bomb", `a: &a {x: 1}\nb: &b {<<: [*a, *a, *a]}\n${ENV_OK}`],
    ["10,000 nested flow sequences", deepFlow(10_000)],
    ["100,000 nested flow sequences", deepFlow(100_000)],
    ["10,000 nested flow maps", deepMap(10_000)],
    ["2,000 nested block maps", deepBlock(2_000)],
    ["a 10 MB config", () => manyEnvs(10 * MB)],
    ["a 10 MB scalar", () => `x: "${"v".repeat(10 * MB)}"\n${ENV_OK}`],
    ["tab indentation", "environments:\n\tdev:\n\t\tremote: file:x\n"],
    ["unterminated flow map", "environments: {dev: {remote: x}\n"],
    ["unterminated quote", 'environments:\n  dev:\n    remote: "file:x\n'],
    ["duplicate environment", `${ENV_OK}  dev:\n    remote: file:y\n`],
    ["duplicate top-level key", `${ENV_OK}${ENV_OK}`],
    ["unknown top-level key", `${ENV_OK}colour: red\n`],
    ["unknown environment key", `${ENV_OK}    colour: red\n`],
    ["environments a list", "environments:\n  - remote: file:x\n"],
    ["environments a string", "environments: dev\n"],
    ["environments null", "environments:\n"],
    ["environment null", "environments:\n  dev:\n"],
    ["remote a number", "environments:\n  dev:\n    remote: 5\n"],
    ["remote empty", 'environments:\n  dev:\n    remote: ""\n'],
    ["remote a map", "environments:\n  dev:\n    remote: {a: 1}\n"],
    ["prune a string", `${ENV_OK}    prune: "yes please"\n`],
    ["on-conflict unknown", `${ENV_OK}    on-conflict: coin-flip\n`],
    ["concurrency 0", `concurrency: 0\n${ENV_OK}`],
    ["concurrency negative", `concurrency: -4\n${ENV_OK}`],
    ["concurrency 1e308", `concurrency: 1e308\n${ENV_OK}`],
    ["concurrency .inf", `concurrency: .inf\n${ENV_OK}`],
    ["concurrency .nan", `concurrency: .nan\n${ENV_OK}`],
    ["concurrency 2.5", `concurrency: 2.5\n${ENV_OK}`],
    ["retries a string", `retries: many\n${ENV_OK}`],
    ["timeout 2^64", `timeout: 18446744073709551616\n${ENV_OK}`],
    ["default not an environment", `default: prod\n${ENV_OK}`],
    ["default a list", `default: [dev]\n${ENV_OK}`],
    ["a YAML tag of JS code", `x: !!js/function "function(){}"\n${ENV_OK}`],
    ["an unknown local tag", `environments: !weird\n  dev:\n    remote: file:x\n`],
    ["a binary tag of garbage", `x: !!binary "%%%"\n${ENV_OK}`],
    ["two documents", `${ENV_OK}---\n${ENV_OK}`],
    ["a bare scalar document", "just text\n"],
    ["a list document", "- a\n- b\n"],
    ["a number document", "42\n"],
    ["only a document end", "...\n"],
    ["a directive and nothing", "%YAML 1.2\n---\n"],
    ["an unknown directive", `%FOO bar\n---\n${ENV_OK}`],
    ["a BOM then tabs", `\uFEFF\t${ENV_OK}`],
    ["a NUL byte", `environments:\n  dev\0:\n    remote: file:x\n`],
    [
      "invalid UTF-8",
      Buffer.concat([
        Buffer.from("environments:\n  d"),
        Buffer.from([0xff, 0xfe]),
        Buffer.from(":\n    remote: file:x\n"),
      ]),
    ],
    ["UTF-16 text", Buffer.from(`\uFEFF${ENV_OK}`, "utf16le")],
    ["binary garbage", Buffer.from(Array.from({ length: 2048 }, (_, i) => (i * 131 + 7) & 0xff))],
    ["a key of 1 MB", () => `${"k".repeat(MB)}: 1\n${ENV_OK}`],
    ["control characters in a key", `environments:\n  "d\x1b[2K":\n    remote: 5\n`],
    ["__proto__ as an environment", "environments:\n  __proto__:\n    remote: 5\n"],
    ["constructor as a key", `constructor: 1\n${ENV_OK}`],
    ["a complex mapping key", `? [a, b]\n: 1\n${ENV_OK}`],
    ["an anchor on every node", "environments: &e\n  dev: &d\n    remote: &r 5\n"],
  ];
}

// ---------------------------------------------------------------- URIs
/** Remote URIs that cannot be used, one line a case (none reaches a cloud). */
function uris(): [string, string, string][] {
  const ep = `endpoint=${enc(`http://${CLOSED}`)}`;
  const long = "a".repeat(100_000);
  return [
    // [name, uri, what the error names]
    ["empty", "", "remote"],
    ["blank", "   ", "remote"],
    ["unknown scheme", "s3://bucket/key", "s3"],
    ["scheme only", "aws-sm:", "aws-sm"],
    ["scheme and slashes", "aws-sm://", "aws-sm"],
    ["http URL", "http://example.com/x", "http"],
    ["uppercase scheme", `AWS-SM://x?region=us-east-1&${ep}`, "aws-sm"],
    ["NUL-free control in scheme", "aws\x1bsm://x", "aws"],
    ["aws-sm no region", `aws-sm://name?${ep}`, "aws-sm"],
    ["aws-sm bad region", `aws-sm://name?region=../../etc&${ep}`, "aws-sm"],
    ["aws-sm region with space", `aws-sm://name?region=us%20east&${ep}`, "aws-sm"],
    [
      "aws-sm port 99999",
      `aws-sm://name?region=us-east-1&endpoint=${enc("http://127.0.0.1:99999")}`,
      "aws-sm",
    ],
    [
      "aws-sm port 65536",
      `aws-sm://name?region=us-east-1&endpoint=${enc("http://127.0.0.1:65536")}`,
      "aws-sm",
    ],
    [
      "aws-sm port -1",
      `aws-sm://name?region=us-east-1&endpoint=${enc("http://127.0.0.1:-1")}`,
      "aws-sm",
    ],
    [
      "aws-sm port letters",
      `aws-sm://name?region=us-east-1&endpoint=${enc("http://127.0.0.1:abc")}`,
      "aws-sm",
    ],
    [
      "aws-sm endpoint ftp",
      `aws-sm://name?region=us-east-1&endpoint=${enc("ftp://127.0.0.1/")}`,
      "aws-sm",
    ],
    ["aws-sm endpoint not a URL", "aws-sm://name?region=us-east-1&endpoint=%%%", "aws-sm"],
    ["aws-sm unknown parameter", `aws-sm://name?region=us-east-1&colour=red&${ep}`, "colour"],
    ["aws-sm duplicate region", `aws-sm://name?region=us-east-1&region=eu-west-1&${ep}`, "aws-sm"],
    ["aws-sm bad percent-encoding", `aws-sm://na%zzme?region=us-east-1&${ep}`, "aws-sm"],
    ["aws-sm name of 100,000 characters", `aws-sm://${long}?region=us-east-1&${ep}`, "aws-sm"],
    ["aws-sm name with a control character", `aws-sm://na%01me?region=us-east-1&${ep}`, "aws-sm"],
    ["aws-sm double star", `aws-sm://a/**?region=us-east-1&${ep}`, "aws-sm"],
    ["aws-sm star in the middle", `aws-sm://a/*/b?region=us-east-1&${ep}`, "aws-sm"],
    ["aws-sm connection refused", `aws-sm://name?region=us-east-1&${ep}`, "aws-sm"],
    ["aws-ssm no path", `aws-ssm://?region=us-east-1&${ep}`, "aws-ssm"],
    ["aws-ssm not per-key", `aws-ssm://a/b?region=us-east-1&${ep}`, "aws-ssm"],
    [
      "aws-ssm port 0",
      `aws-ssm://a/*?region=us-east-1&endpoint=${enc("http://127.0.0.1:0")}`,
      "aws-ssm",
    ],
    [
      "aws-ssm port 123456789",
      `aws-ssm://a/*?region=us-east-1&endpoint=${enc("http://127.0.0.1:123456789")}`,
      "aws-ssm",
    ],
    [
      "aws-ssm IPv6 unclosed",
      `aws-ssm://a/*?region=us-east-1&endpoint=${enc("http://[::1/")}`,
      "aws-ssm",
    ],
    ["aws-ssm connection refused", `aws-ssm://a/*?region=us-east-1&${ep}`, "aws-ssm"],
    ["gcp-sm no project", `gcp-sm:///secret?${ep}`, "gcp-sm"],
    ["gcp-sm no secret", `gcp-sm://proj?${ep}`, "gcp-sm"],
    ["gcp-sm bad project", `gcp-sm://PROJ!/s?${ep}`, "gcp-sm"],
    ["gcp-sm bad secret id", `gcp-sm://proj/s$cret?${ep}`, "gcp-sm"],
    ["gcp-sm port 99999", `gcp-sm://proj/s?endpoint=${enc("http://127.0.0.1:99999")}`, "endpoint"],
    ["gcp-sm port letters", `gcp-sm://proj/s?endpoint=${enc("http://127.0.0.1:x")}`, "endpoint"],
    ["gcp-sm extra path", `gcp-sm://proj/a/b/c?${ep}`, "gcp-sm"],
    ["gcp-sm connection refused", `gcp-sm://proj/s?${ep}`, "gcp-sm"],
    ["azure-kv no vault", "azure-kv:///secret", "azure-kv"],
    ["azure-kv no secret", "azure-kv://myvault", "azure-kv"],
    ["azure-kv bad vault name", "azure-kv://my_vault!/s", "azure-kv"],
    ["azure-kv bad secret name", "azure-kv://myvault/s_e_c", "azure-kv"],
    ["azure-kv vault port 99999", "azure-kv://127.0.0.1:99999/s", "azure-kv"],
    ["azure-kv vault port letters", "azure-kv://127.0.0.1:port/s", "azure-kv"],
    ["vault no host", "vault:///", "vault"],
    ["vault no mount", `vault://${CLOSED}/?tls=false`, "vault"],
    ["vault port 99999", "vault://127.0.0.1:99999/secret/x?tls=false", "vault"],
    ["vault port 65536", "vault://127.0.0.1:65536/secret/x", "vault"],
    ["vault port 0", "vault://127.0.0.1:0/secret/x?tls=false", "vault"],
    ["vault port letters", "vault://127.0.0.1:abc/secret/x", "vault"],
    ["vault IPv6 unclosed", "vault://[::1/secret/x", "vault"],
    ["vault tls neither true nor false", "vault://127.0.0.1/secret/x?tls=maybe", "tls"],
    ["vault unknown parameter", "vault://127.0.0.1/secret/x?colour=red", "colour"],
    ["vault path traversal", `vault://${CLOSED}/secret/../../sys/x?tls=false`, "vault"],
    ["vault connection refused", `vault://${CLOSED}/secret/x?tls=false`, "vault"],
    ["sops no path", "sops:", "sops"],
    ["sops missing file", "sops:../remote/none.enc.env", "none.enc.env"],
    ["dotenvx no path", "dotenvx:", "dotenvx"],
    ["file no path", "file:", "file"],
    ["file a folder", "file:../remote", "remote"],
    ["a URI of 100,000 characters", `file:${"x".repeat(100_000)}`, "file"],
  ];
}

// ---------------------------------------------------------------- .env files
/** `.env` documents the parser must refuse, one line a case. */
function dotenvDocs(): [string, string | Buffer | (() => string | Buffer)][] {
  const quotes = ['"', "'", "`"];
  const out: [string, string | Buffer | (() => string | Buffer)][] = [];
  for (const q of quotes) {
    out.push([`unterminated ${q}`, `A=${q}x\n`]);
    out.push([`unterminated ${q} after 1,000 lines`, `${"K=1\n".repeat(1000)}A=${q}x\n`]);
    out.push([`unterminated ${q} of 5 MB`, () => `A=${q}${"v".repeat(5 * MB)}\n`]);
    out.push([`text after closing ${q}`, `A=${q}x${q}y\n`]);
  }
  for (const bad of [
    "1A",
    "A B",
    "A@B",
    "A/B",
    "A:B",
    "A\\B",
    "A$B",
    "A;B",
    "A!B",
    "A,B",
    "A+B",
    "[A]",
  ])
    out.push([`key ${JSON.stringify(bad)}`, `${bad}=1\n`]);
  for (const c of ["\x00", "\x01", "\x1b", "\x7f", "\x85", "\u2028", "\u202e", "\ufeff"])
    out.push([`key holding U+${c.codePointAt(0)!.toString(16).padStart(4, "0")}`, `A${c}B=1\n`]);
  out.push(["empty key", "=1\n"]);
  out.push(["a lone export", "export\n"]);
  out.push(["YAML style", "A: 1\n"]);
  out.push(["JSON text", '{"A": "1"}\n']);
  out.push(["a line without =", "A=1\nJUST TEXT\n"]);
  out.push(["a lone quote", '"\n']);
  out.push(["ambiguous # after a value", "A=x#y\n"]);
  out.push(["invalid UTF-8", Buffer.from([0x41, 0x3d, 0xff, 0x0a])]);
  out.push(["overlong UTF-8", Buffer.from([0x41, 0x3d, 0xc0, 0xaf, 0x0a])]);
  out.push(["UTF-16 surrogate in UTF-8", Buffer.from([0x41, 0x3d, 0xed, 0xa0, 0x80, 0x0a])]);
  out.push(["UTF-16 LE", Buffer.from("\uFEFFA=1\n", "utf16le")]);
  out.push(["truncated sequence at EOF", Buffer.from([0x41, 0x3d, 0xe2, 0x82])]);
  out.push([
    "binary garbage",
    Buffer.from(Array.from({ length: 4096 }, (_, i) => ((i * 37) & 0xff) | 0xc0)),
  ]);
  out.push(["key of 1 MB then a space", () => `${"K".repeat(MB)} X=1\n`]);
  out.push(["10,000 lines then a bad one", () => `${"K=1\n".repeat(10_000)}BAD LINE\n`]);
  return out;
}

// ---------------------------------------------------------------- JSON bundles
/** JSON documents a `file:*.json` remote (or a store) might answer, one line a case. */
function jsonDocs(): [string, string | Buffer | (() => string | Buffer), "refused" | "handled"][] {
  const nestArr = (n: number): string => `{"A": ${"[".repeat(n)}${"]".repeat(n)}}`;
  const nestObj = (n: number): string => `{"A": ${'{"a":'.repeat(n)}1${"}".repeat(n)}}`;
  return [
    ["an array", "[1, 2]", "refused"],
    ["a string", '"A=1"', "refused"],
    ["a number", "42", "refused"],
    ["null", "null", "refused"],
    ["true", "true", "refused"],
    ["empty file", "", "refused"],
    ["only spaces", "   \n", "refused"],
    ["trailing comma", '{"A": "1",}', "refused"],
    ["comment", '{"A": "1" /* c */}', "refused"],
    ["single quotes", "{'A': '1'}", "refused"],
    ["unquoted key", '{A: "1"}', "refused"],
    ["NaN", '{"A": NaN}', "refused"],
    ["Infinity", '{"A": Infinity}', "refused"],
    ["unterminated string", '{"A": "1}', "refused"],
    ["unterminated object", '{"A": "1"', "refused"],
    ["two documents", '{"A": "1"}{"B": "2"}', "refused"],
    ["raw newline in a string", '{"A": "1\n2"}', "refused"],
    ["bad escape", '{"A": "\\q"}', "refused"],
    ["bad unicode escape", '{"A": "\\u12"}', "refused"],
    [
      "invalid UTF-8",
      Buffer.from([0x7b, 0x22, 0x41, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]),
      "refused",
    ],
    ["UTF-16", Buffer.from('\uFEFF{"A": "1"}', "utf16le"), "refused"],
    ["garbage", Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 7) & 0xff)), "refused"],
    ["10 MB of [", () => "[".repeat(10 * MB), "refused"],
    ["100,000 nested arrays", () => nestArr(100_000), "handled"],
    ["1,000,000 nested arrays", () => nestArr(1_000_000), "handled"],
    ["100,000 nested objects", () => nestObj(100_000), "handled"],
    ["nested value 10,000 deep", () => nestObj(10_000), "handled"],
    // A BOM in front of a JSON bundle is kept by every write (docs/DOTENV.md, "What envsync owns").
    ["a BOM first", '\uFEFF{"A": "1"}', "handled"],
    ["duplicate keys", '{"A": "1", "A": "2"}', "handled"],
    ["__proto__ key", '{"__proto__": {"polluted": "yes"}, "A": "1"}', "handled"],
    ["constructor key", '{"constructor": "x", "A": "1"}', "handled"],
    ["numbers, booleans and null values", '{"A": 1e400, "B": true, "C": null, "D": -0}', "handled"],
    ["a 2^64 integer", '{"A": 18446744073709551616}', "handled"],
    ["keys that are not .env keys", '{"a b": "1", "": "2", "1x": "3", "A": "4"}', "handled"],
    ["lone surrogate escapes", '{"A": "\\ud800", "B": "\\udc00x"}', "handled"],
    ["a 10 MB value", () => `{"A": "${"v".repeat(10 * MB)}"}`, "handled"],
  ];
}

// ---------------------------------------------------------------- expand
/**
 * `--expand` inputs: long reference chains and deep defaults (expansion is local only).
 * A chain read in file order is handled; one deeper than 1,000 levels, or one that grows
 * the values by more than 16 MiB, is refused (src/dotenv/expand.ts).
 */
function expandDocs(): [string, () => string, "refused" | "handled"][] {
  const chain = (n: number): string => {
    const lines = ["V0=x"];
    for (let i = 1; i < n; i++) lines.push(`V${i}=\${V${i - 1}}`);
    return lines.join("\n") + "\n";
  };
  const chainBack = (n: number): string => {
    const lines: string[] = [];
    for (let i = 0; i < n - 1; i++) lines.push(`V${i}=\${V${i + 1}}`);
    lines.push(`V${n - 1}=x`);
    return lines.join("\n") + "\n";
  };
  const defaults = (n: number): string => `A=${"${X:-".repeat(n)}end${"}".repeat(n)}\n`;
  const cycle = (n: number): string => {
    const lines: string[] = [];
    for (let i = 0; i < n; i++) lines.push(`V${i}=\${V${(i + 1) % n}}`);
    return lines.join("\n") + "\n";
  };
  const fanout = (n: number): string => {
    const lines = ["V0=ab"];
    for (let i = 1; i < n; i++) lines.push(`V${i}=\${V${i - 1}}\${V${i - 1}}`);
    return lines.join("\n") + "\n";
  };
  return [
    ["a chain of 10,000 references", () => chain(10_000), "handled"],
    ["a chain of 100,000 references", () => chain(100_000), "handled"],
    ["a chain of 100,000 references, backwards", () => chainBack(100_000), "refused"],
    ["a cycle of 100,000 references", () => cycle(100_000), "refused"],
    ["100,000 nested defaults", () => defaults(100_000), "refused"],
    ["10,000 nested defaults", () => defaults(10_000), "refused"],
    ["doubling 40 times (2^40 bytes)", () => fanout(40), "refused"],
    ["a chain of 999 references, backwards", () => chainBack(999), "handled"],
  ];
}

/** The whole corpus, in a fixed order. */
export function buildCorpus(): CorpusCase[] {
  const cases: CorpusCase[] = [];
  for (const [name, text] of configDocs())
    cases.push({
      name: `config: ${name}`,
      group: "config",
      files: { "w/envsync.yaml": text, "w/.env": "A=1\n", "remote/shared.env": "A=1\n" },
      args: ["sync", "--yes"],
      expect: "refused",
      names: "envsync.yaml",
    });
  for (const [name, uri, names] of uris()) {
    cases.push({
      name: `uri: ${name}`,
      group: "uri",
      files: { "w/.env": "A=1\n", "remote/shared.env": "A=1\n" },
      args: ["sync", "--yes", "--retries", "0", "-r", uri],
      expect: "refused",
      names,
    });
  }
  // Tokens an HTTP header cannot carry: a coded AUTH error before any request.
  for (const [name, token] of [
    ["a control character", "hvs.ab\x01cd"],
    ["a line break", "hvs.abcd\nX-Injected: 1"],
    ["a space", "hvs.ab cd"],
    ["a Latin-1 letter", "hvs.tøken"],
    ["an emoji", "hvs.🔑"],
    ["DEL", "hvs.ab\x7f"],
  ] as const)
    cases.push({
      name: `uri: Vault token holding ${name}`,
      group: "uri",
      files: { "w/.env": "A=1\n" },
      args: ["diff", "--retries", "0", "-r", `vault://${CLOSED}/secret/x?tls=false`],
      expect: "refused",
      names: "VAULT_TOKEN",
      env: { VAULT_TOKEN: token },
    });
  for (const [name, text] of dotenvDocs()) {
    // As the local file (push) and as a file: remote (pull): both must refuse.
    cases.push({
      name: `.env (local): ${name}`,
      group: "dotenv",
      files: { "w/.env": text, "remote/shared.env": "A=1\n" },
      args: ["push", "--yes", "-r", "file:../remote/shared.env"],
      expect: "refused",
      names: ".env",
    });
    cases.push({
      name: `.env (remote): ${name}`,
      group: "dotenv",
      files: { "w/.env": "A=1\n", "remote/shared.env": text },
      args: ["pull", "--yes", "-r", "file:../remote/shared.env"],
      expect: "refused",
      names: "shared.env",
    });
  }
  for (const [name, text, expect] of jsonDocs())
    cases.push({
      name: `json (remote): ${name}`,
      group: "json",
      files: { "w/.env": "A=1\n", "remote/shared.json": text },
      args:
        expect === "refused"
          ? ["pull", "--yes", "-r", "file:../remote/shared.json"]
          : ["diff", "-r", "file:../remote/shared.json"],
      expect,
      names: "shared.json",
    });
  for (const [name, text, expect] of expandDocs())
    for (const args of [
      ["diff", "--expand", "-r", "file:../remote/shared.env"],
      ["export", "--expand", "--source", "local", "--format", "json"],
    ])
      cases.push({
        name: `expand (${args[0]}): ${name}`,
        group: "expand",
        files: { "w/.env": text, "remote/shared.env": "A=1\n" },
        args,
        expect,
        names: ".env",
      });
  // Sizes: a .env of 1,000,000 keys and one of 100 MB, each read once.
  cases.push({
    name: "large: a .env of 1,000,000 keys (diff)",
    group: "large",
    files: {
      "w/.env": () => {
        const parts: string[] = [];
        for (let i = 0; i < 1_000_000; i++) parts.push(`K${i}=${i}`);
        return parts.join("\n") + "\n";
      },
      "remote/shared.env": "A=1\n",
    },
    args: ["diff", "-r", "file:../remote/shared.env"],
    expect: "handled",
  });
  cases.push({
    name: "large: a JSON remote of 1,000,000 keys (diff)",
    group: "large",
    files: {
      "w/.env": "A=1\n",
      "remote/shared.json": () => {
        const parts: string[] = [];
        for (let i = 0; i < 1_000_000; i++) parts.push(`"K${i}":"${i}"`);
        return `{${parts.join(",")}}`;
      },
    },
    args: ["diff", "-r", "file:../remote/shared.json"],
    expect: "handled",
  });
  cases.push({
    name: "large: a 100 MB .env, one value (diff)",
    group: "large",
    files: { "w/.env": () => `A=${"v".repeat(100 * MB)}\n`, "remote/shared.env": "A=1\n" },
    args: ["diff", "-r", "file:../remote/shared.env"],
    expect: "handled",
  });
  return cases;
}
