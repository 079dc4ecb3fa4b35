/**
 * Small helpers for the providers' `credentials()` hooks, which look at well-known
 * files the way each cloud SDK's chain does, without calling the cloud.
 */
import { readFileSync } from "node:fs";
import { sep } from "node:path";

/** A file's text, or null when it cannot be read. */
export function readText(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}

/** `path` with the home folder shown as `~`. */
export function tilde(path: string, home: string): string {
  return path.startsWith(home + sep) ? `~${path.slice(home.length)}` : path;
}
