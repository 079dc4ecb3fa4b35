/** Human rendering of plans and diffs (no values unless asked). */
import type { PlanEntry } from "../core/merge.js";
import type { DiffResult, SyncResult } from "../ops/sync.js";
import type { Output } from "./output.js";

const ARROWS: Record<PlanEntry["action"], string> = {
  none: " ",
  "push-add": "↑ add   ",
  "push-update": "↑ update",
  "push-delete": "↑ delete",
  "pull-add": "↓ add   ",
  "pull-update": "↓ update",
  "pull-delete": "↓ delete",
  conflict: "! conflict",
};

/**
 * The length of the longest of `texts` (0 for none), for aligned columns. A loop, not
 * `Math.max(...spread)`: a spread of a million keys overflows the call stack.
 */
export function widest(texts: Iterable<string>): number {
  let w = 0;
  for (const t of texts) if (t.length > w) w = t.length;
  return w;
}

/** Colour for an action. */
function paint(out: Output, action: PlanEntry["action"], text: string): string {
  if (action === "conflict") return out.c.red(text);
  if (action.endsWith("delete")) return out.c.yellow(text);
  if (action.startsWith("push")) return out.c.cyan(text);
  return out.c.green(text);
}

/** The --json object of a sync/push/pull result (the command's, and a workspace row's `result`). */
export function syncJson(r: SyncResult): Record<string, unknown> {
  return {
    command: r.mode,
    file: r.file,
    remote: r.remote,
    dryRun: r.dryRun,
    applied: r.applied,
    counts: r.counts,
    remoteVersion: r.remoteVersion,
    notices: r.notices,
    ...(r.example ? { example: r.example } : {}),
    plan: r.plan.entries
      .filter((e) => e.action !== "none")
      .map((e) => ({
        key: e.key,
        action: e.action,
        status: e.status,
        reason: e.reason,
        ...(e.resolution ? { resolution: e.resolution } : {}),
      })),
  };
}

/** Prints a sync/push/pull result. */
export function renderSync(out: Output, r: SyncResult): void {
  if (out.json) {
    out.result({ ok: true, ...syncJson(r) });
    return;
  }
  const changes = r.plan.entries.filter((e) => e.action !== "none");
  const width = widest(changes.map((e) => e.key));
  out.line(out.c.bold(`${r.mode} ${r.file} ⇄ ${r.remote}${r.dryRun ? " (dry run)" : ""}`));
  for (const e of changes)
    out.line(
      `  ${paint(out, e.action, ARROWS[e.action])}  ${e.key.padEnd(width)}  ${out.c.dim(e.reason)}`,
    );
  const kept = r.plan.entries.filter((e) => e.action === "none" && e.status !== "in-sync");
  for (const e of kept)
    out.line(`  ${out.c.dim("= kept    ")}  ${e.key.padEnd(width)}  ${out.c.dim(e.reason)}`);
  const n = r.counts;
  const summary = `${n.pushed} pushed, ${n.pulled} pulled, ${n.deletedRemote} deleted on the remote, ${n.deletedLocal} deleted locally`;
  // Keys kept as they are still differ: say so, never "in agreement" (check would exit 3).
  const next =
    r.mode === "pull"
      ? "`envsync push` or `envsync sync` sends local ones"
      : r.mode === "push"
        ? "`envsync pull` or `envsync sync` brings remote ones"
        : "see the reasons above";
  const keptNote = `${kept.length} key(s) kept as they are, so the file and the remote still differ (${next})`;
  if (r.dryRun) out.line(`dry run: would make ${summary}; nothing written`);
  else if (!r.applied)
    out.line(
      kept.length > 0 ? `nothing written: ${keptNote}` : "already in agreement; nothing to do",
    );
  else out.line(`done: ${summary}${kept.length > 0 ? `; ${keptNote}` : ""}`);
  const x = r.example;
  if (x && (x.added.length > 0 || x.removed.length > 0)) {
    const what = [
      x.added.length > 0 ? `added ${x.added.join(", ")} (blank)` : "",
      x.removed.length > 0 ? `removed ${x.removed.join(", ")}` : "",
    ].filter(Boolean);
    out.line(`example ${x.file}: ${x.written ? "" : "would have "}${what.join("; ")}`);
  }
}

const STATUS_MARK: Record<string, string> = {
  "local-added": "+",
  "local-changed": "~",
  "local-deleted": "-",
  "remote-added": "+",
  "remote-changed": "~",
  "remote-deleted": "-",
  conflict: "!",
};

/** Prints a diff. */
export function renderDiff(out: Output, d: DiffResult, showValues: boolean): void {
  if (out.json) {
    out.result({
      ok: true,
      command: "diff",
      file: d.file,
      remote: d.remote,
      remoteExists: d.remoteExists,
      hasBase: d.hasBase,
      inAgreement: d.inAgreement,
      inSync: d.inSync,
      entries: d.entries,
      notices: d.notices,
    });
    return;
  }
  out.line(
    out.c.bold(`diff ${d.file} ⇄ ${d.remote}${d.hasBase ? "" : " (no base yet: first sync)"}`),
  );
  if (!d.remoteExists) {
    out.line(
      out.c.yellow("the remote does not exist yet: `envsync push` or `envsync sync` creates it"),
    );
  }
  // The notices were printed on stderr as the remote was read; the summary says them too.
  const unmanaged = d.notices.filter((n) => n.code === "UNMANAGED");
  if (d.entries.length === 0 && unmanaged.length > 0) {
    out.line(
      `the ${d.inSync} synced keys agree, but not in agreement: ${unmanaged.map((n) => n.message).join(" ")}`,
    );
    return;
  }
  if (d.inAgreement) {
    out.line(`in agreement (${d.inSync} keys)`);
    return;
  }
  const width = widest(d.entries.map((e) => e.key));
  for (const e of d.entries) {
    const mark = STATUS_MARK[e.status] ?? "?";
    const where = e.local && e.remote ? "both" : e.local ? "local only" : "remote only";
    const text = `  ${mark} ${e.key.padEnd(width)}  ${where.padEnd(11)}  ${e.reason}`;
    out.line(e.status === "conflict" ? out.c.red(text) : text);
    if (showValues) {
      out.line(
        `      local:  ${e.localValue === undefined ? "(absent)" : JSON.stringify(e.localValue)}`,
      );
      out.line(
        `      remote: ${e.remoteValue === undefined ? "(absent)" : JSON.stringify(e.remoteValue)}`,
      );
    }
  }
  const conflicts = d.entries.filter((e) => e.status === "conflict").length;
  out.line(
    `${d.entries.length} differing (${conflicts} conflicts), ${d.inSync} in agreement${showValues ? "" : "; values hidden (--show-values shows them)"}`,
  );
}
