/**
 * The mark every envsync-managed per-key secret or parameter carries (a tag on AWS
 * and Azure, a label on Google): envsync never reads, overwrites or deletes one
 * without it. Bundles carry it too.
 */

/** `managed-by=envsync`. */
export const MANAGED_BY = { key: "managed-by", value: "envsync" } as const;

/** Tag (AWS, Azure) or annotation (Google) holding a per-key secret's original key. */
export const KEY_TAG = "envsync-key";

/** True when `tags` carry `managed-by=envsync` exactly. */
export function isManagedTags(tags: Readonly<Record<string, string>> | undefined): boolean {
  return tags?.[MANAGED_BY.key] === MANAGED_BY.value;
}
