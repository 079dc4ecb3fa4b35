/**
 * What a new `sops:` file is encrypted to: the first `.sops.yaml` creation rule whose
 * `path_regex` matches the file (path relative to the folder of `.sops.yaml`, as SOPS
 * matches it), found from the file's folder upward; else the `SOPS_AGE_RECIPIENTS`
 * variable. Existing files keep the recipients and rules in their own metadata.
 */
import { readFile } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { parse as parseYaml } from "yaml";
import { EnvsyncError } from "../../errors.js";

/** The encryption rules SOPS records in a file's metadata. */
export interface CryptRules {
  readonly unencrypted_suffix?: string;
  readonly encrypted_suffix?: string;
  readonly unencrypted_regex?: string;
  readonly encrypted_regex?: string;
  readonly unencrypted_comment_regex?: string;
  readonly encrypted_comment_regex?: string;
  readonly mac_only_encrypted?: boolean;
}

/** How to create a new file. */
export interface CreationRule {
  readonly recipients: readonly string[];
  readonly rules: CryptRules;
  /** Where it came from, for messages. */
  readonly source: string;
}

const RULE_KEYS = [
  "unencrypted_suffix",
  "encrypted_suffix",
  "unencrypted_regex",
  "encrypted_regex",
  "unencrypted_comment_regex",
  "encrypted_comment_regex",
] as const;

async function findConfig(start: string): Promise<{ path: string; text: string } | null> {
  let dir = start;
  for (;;) {
    for (const name of [".sops.yaml", ".sops.yml"]) {
      const path = join(dir, name);
      try {
        return { path, text: await readFile(path, "utf8") };
      } catch {
        // not here
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

function list(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(list);
  if (typeof value === "string") {
    return value
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "");
  }
  return [];
}

/**
 * The creation rule for a new file at `path`.
 *
 * @throws EnvsyncError CONFIG (exit 2) when `.sops.yaml` is invalid, no rule matches,
 *   or the rule has no age recipient and `SOPS_AGE_RECIPIENTS` is unset.
 */
export async function creationRule(
  path: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<CreationRule> {
  const found = await findConfig(dirname(path));
  if (found !== null) {
    let conf: unknown;
    try {
      conf = parseYaml(found.text);
    } catch (cause) {
      throw new EnvsyncError("CONFIG", `${found.path} is not valid YAML.`, {
        cause,
        hint: "Fix .sops.yaml (see the SOPS documentation on creation_rules).",
      });
    }
    const rules = (conf as { creation_rules?: unknown } | null)?.creation_rules;
    if (Array.isArray(rules)) {
      const rel = relative(dirname(found.path), path).split(sep).join("/");
      for (const r of rules as Record<string, unknown>[]) {
        const re = typeof r.path_regex === "string" ? r.path_regex : "";
        if (re !== "" && !goRegExp(re).test(rel)) continue;
        const groups = Array.isArray(r.key_groups)
          ? (r.key_groups as Record<string, unknown>[])
          : [];
        if (groups.length > 1) {
          throw new EnvsyncError(
            "CONFIG",
            `${found.path}: the rule for ${rel} has ${groups.length} key_groups (Shamir).`,
            {
              hint: "envsync creates SOPS files with one group of age recipients; create the file with `sops` first.",
            },
          );
        }
        const recipients = [...list(r.age), ...list(groups[0]?.age)];
        if (recipients.length === 0) {
          throw new EnvsyncError(
            "CONFIG",
            `${found.path}: the rule for ${rel} names no age recipient.`,
            {
              hint: "envsync encrypts new SOPS files to age recipients only: add `age: age1…` to the rule, or create the file with `sops` first.",
            },
          );
        }
        const crypt: Record<string, unknown> = {};
        for (const k of RULE_KEYS) if (typeof r[k] === "string" && r[k] !== "") crypt[k] = r[k];
        if (r.mac_only_encrypted === true) crypt.mac_only_encrypted = true;
        return { recipients, rules: crypt, source: found.path };
      }
      throw new EnvsyncError("CONFIG", `${found.path}: no creation rule matches ${rel}.`, {
        hint: "Add a creation rule whose path_regex matches the file (or one without path_regex).",
      });
    }
  }
  const fromEnv = list(env.SOPS_AGE_RECIPIENTS ?? "");
  if (fromEnv.length > 0) return { recipients: fromEnv, rules: {}, source: "$SOPS_AGE_RECIPIENTS" };
  throw new EnvsyncError("CONFIG", `No recipients for the new SOPS file ${path}.`, {
    hint: "Add a .sops.yaml with a creation rule (`creation_rules: [{age: age1…}]`) beside the file or above it, or set SOPS_AGE_RECIPIENTS. Nothing was written.",
  });
}

/** A Go (RE2) regular expression as a JavaScript one: leading `(?flags)` become flags. */
export function goRegExp(pattern: string): RegExp {
  const m = /^\(\?([imsU]+)\)/.exec(pattern);
  if (!m) return new RegExp(pattern);
  const flags = [...new Set(m[1]!.replace("U", "").split(""))].join("");
  return new RegExp(pattern.slice(m[0].length), flags);
}
