/**
 * `doctor`'s online Vault checks, as pure functions over what the server answered:
 * the token (`auth/token/lookup-self`: TTL, renewable, policies) and what it may do on
 * the remote (`sys/capabilities-self` on every path envsync uses). The calls are made
 * by the store (kv-store.ts); everything here is unit-tested as tables.
 */
import type { Diagnosis } from "../types.js";

/** Where the remote lives: mount, path inside it, KV version. */
export interface DiagnoseTarget {
  readonly mount: string;
  readonly rel: string;
  readonly kv: 1 | 2;
  readonly layout: "bundle" | "per-key";
}

/** What envsync does with a remote, each needing some capabilities on some paths. */
export type Operation = "read" | "write" | "history" | "delete" | "purge";

/** One capability requirement: every capability in `caps` on `path`. */
export interface Requirement {
  readonly op: Operation;
  readonly path: string;
  readonly caps: readonly string[];
}

const join = (...parts: string[]): string => parts.filter((p) => p !== "").join("/");

/**
 * The capabilities each operation needs, per layout and KV version (the policies of
 * docs/providers/vault.md). Per-key paths use `PREFIX/*`, which the documented globs
 * cover, and the prefix folder itself for the `list`.
 */
export function requirements(t: DiagnoseTarget): Requirement[] {
  const { mount: m, rel: r } = t;
  if (t.kv === 1)
    return t.layout === "bundle"
      ? [
          { op: "read", path: join(m, r), caps: ["read"] },
          { op: "write", path: join(m, r), caps: ["create", "update"] },
        ]
      : [
          { op: "read", path: `${join(m, r)}/`, caps: ["list"] },
          { op: "read", path: join(m, r, "*"), caps: ["read"] },
          { op: "write", path: join(m, r, "*"), caps: ["create", "update"] },
          { op: "delete", path: join(m, r, "*"), caps: ["delete"] },
        ];
  if (t.layout === "bundle")
    return [
      { op: "read", path: join(m, "data", r), caps: ["read"] },
      { op: "write", path: join(m, "data", r), caps: ["create", "update"] },
      { op: "history", path: join(m, "metadata", r), caps: ["read"] },
    ];
  return [
    { op: "read", path: `${join(m, "metadata", r)}/`, caps: ["list"] },
    { op: "read", path: join(m, "data", r, "*"), caps: ["read"] },
    { op: "write", path: join(m, "data", r, "*"), caps: ["create", "update"] },
    { op: "write", path: join(m, "metadata", r, "*"), caps: ["create", "read", "update"] },
    { op: "delete", path: join(m, "delete", r, "*"), caps: ["update"] },
    { op: "purge", path: join(m, "metadata", r, "*"), caps: ["delete"] },
  ];
}

/** The distinct paths of {@link requirements}, for one `sys/capabilities-self` call. */
export function pathsOf(reqs: readonly Requirement[]): string[] {
  return [...new Set(reqs.map((r) => r.path))];
}

/**
 * Reads the answer of `sys/capabilities-self`: path → capabilities (Vault answers both
 * at the top level and under `data`).
 */
export function capabilitiesFrom(
  body: Record<string, unknown> | null,
  paths: readonly string[],
): Map<string, Set<string>> {
  const data = (body?.data ?? body ?? {}) as Record<string, unknown>;
  const out = new Map<string, Set<string>>();
  for (const p of paths) {
    const caps = data[p] ?? (paths.length === 1 ? data.capabilities : undefined);
    out.set(p, new Set(Array.isArray(caps) ? caps.map(String) : []));
  }
  return out;
}

const has = (caps: ReadonlySet<string> | undefined, cap: string): boolean =>
  caps !== undefined && !caps.has("deny") && (caps.has("root") || caps.has(cap));

/** What is missing for one operation, as `create, update on secret/data/app` parts. */
function missingFor(
  op: Operation,
  reqs: readonly Requirement[],
  caps: ReadonlyMap<string, ReadonlySet<string>>,
): string[] {
  const out: string[] = [];
  for (const r of reqs.filter((x) => x.op === op)) {
    const lacking = r.caps.filter((c) => !has(caps.get(r.path), c));
    if (lacking.length > 0) out.push(`${lacking.join(", ")} on ${r.path}`);
  }
  return out;
}

const POLICY_ADVICE =
  "Ask for a policy with the paths of docs/providers/vault.md (Policies); `vault token capabilities PATH` shows what a token may do.";

/** Judges the capabilities against what envsync needs for the remote. */
export function permissionsDiagnosis(
  t: DiagnoseTarget,
  caps: ReadonlyMap<string, ReadonlySet<string>>,
  display: string,
): Diagnosis {
  const reqs = requirements(t);
  const ops = [...new Set(reqs.map((r) => r.op))];
  const missing = new Map(ops.map((op) => [op, missingFor(op, reqs, caps)]));
  const may = ops.filter((op) => missing.get(op)?.length === 0);
  const mayNot = ops.filter((op) => (missing.get(op)?.length ?? 0) > 0);
  const detail = (op: Operation): string => `${op} (needs ${missing.get(op)?.join("; ") ?? ""})`;
  if (!may.includes("read"))
    return {
      check: "permissions",
      status: "fail",
      message: `the token may not read ${display}: ${detail("read")}`,
      advice: POLICY_ADVICE,
    };
  const not = mayNot.length > 0 ? `; not ${mayNot.map(detail).join(", ")}` : "";
  if (!may.includes("write"))
    return {
      check: "permissions",
      status: "warn",
      message: `the token may ${may.join(", ")} ${display}${not}`,
      advice: `Enough for pull, run, export, diff and check; push and sync need write. ${POLICY_ADVICE}`,
    };
  return {
    check: "permissions",
    status: "ok",
    message: `the token may ${may.join(", ")} ${display}${not} (sys/capabilities-self, nothing written)`,
  };
}

/** `2d 3h`, `5h 10m`, `59m`, `42s`: a TTL for people. */
export function formatTtl(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3_600);
  const m = Math.floor((s % 3_600) / 60);
  if (d > 0) return h > 0 ? `${d}d ${h}h` : `${d}d`;
  if (h > 0) return m > 0 ? `${h}h ${m}m` : `${h}h`;
  if (m > 0) return `${m}m`;
  return `${s}s`;
}

/** Below this TTL, doctor warns that the token expires soon. */
export const SHORT_TTL_SECONDS = 600;

/**
 * The token as `auth/token/lookup-self` describes it (`data`): TTL (0: never expires),
 * renewable, policies. `source` says where envsync found it. Never the token or its
 * accessor.
 */
export function tokenDiagnosis(data: Record<string, unknown> | null, source: string): Diagnosis {
  const ttl = typeof data?.ttl === "number" ? data.ttl : null;
  const renewable = data?.renewable === true;
  const policies = Array.isArray(data?.policies) ? data.policies.map(String) : [];
  const pol = policies.length > 0 ? `; policies ${policies.join(", ")}` : "";
  const type = data?.type === "batch" ? "batch token" : "token";
  if (ttl === null || ttl === 0)
    return {
      check: "token",
      status: "ok",
      message: `${type} from ${source} is valid and never expires (TTL 0)${pol}`,
    };
  const life = `${type} from ${source} is valid, expires in ${formatTtl(ttl)}${renewable ? " (renewable)" : ""}${pol}`;
  if (ttl < SHORT_TTL_SECONDS)
    return {
      check: "token",
      status: "warn",
      message: life,
      advice: renewable
        ? "It expires soon: `vault token renew` (or `bao token renew`), or log in again."
        : "It expires soon and cannot be renewed: log in again (`vault login` / `bao login`).",
    };
  return { check: "token", status: "ok", message: life };
}

/** The token as refused by `auth/token/lookup-self` (HTTP 403). */
export function rejectedTokenDiagnosis(source: string, address: string): Diagnosis {
  return {
    check: "token",
    status: "fail",
    message: `Vault at ${address} refuses the token from ${source} (expired, revoked, unknown there, or without the default policy that allows lookup-self)`,
    advice:
      "Log in again (`vault login` / `bao login`, or a new VAULT_TOKEN; AppRole users: a fresh VAULT_SECRET_ID).",
  };
}
