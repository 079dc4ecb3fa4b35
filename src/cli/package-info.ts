/** The package's own name and version, read from its package.json. */
import { readFileSync } from "node:fs";

/** The name and version in package.json (beside dist/; the binary carries it as an asset). */
export function packageInfo(): { readonly name: string; readonly version: string } {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    name: string;
    version: string;
  };
  return { name: pkg.name, version: pkg.version };
}
