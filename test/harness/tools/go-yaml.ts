/**
 * Go's YAML reader (gopkg.in/yaml.v3), as a small Go program (go-yaml/main.go) built with
 * `go build` against the Go module proxy into the emulator cache, as compose.ts builds
 * compose-go's reader. It reads one YAML mapping of strings from stdin and prints it as
 * JSON (a value that is not a string fails with exit 2).
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { run } from "../common.js";
import { installOnce, toolsDir, versionTag } from "./install.js";

const source = join(dirname(fileURLToPath(import.meta.url)), "go-yaml");
const inputs = ["main.go", "go.mod", "go.sum"].map((f) => readFileSync(join(source, f), "utf8"));
const folder = `go-yaml-${versionTag(...inputs)}`;

/** The shell command that builds the program by hand. */
export function goYamlInstallCommand(): string {
  return `cd ${source} && go build -o ${join(toolsDir(), folder, "go-yaml")} .`;
}

/** Builds (first call only) and returns the path of the go-yaml program. */
export async function goYamlPath(): Promise<string> {
  try {
    const dir = await installOnce(
      folder,
      async (tmp) => {
        await run("go", ["build", "-mod=readonly", "-o", join(tmp, "go-yaml"), "."], {
          cwd: source,
          log: join(toolsDir(), `${folder}.build.log`),
        });
      },
      (dir) => existsSync(join(dir, "go-yaml")),
    );
    return join(dir, "go-yaml");
  } catch (e) {
    throw new Error(
      `Could not build the gopkg.in/yaml.v3 reader: ${(e as Error).message}\nBuild it with:\n  ${goYamlInstallCommand()}`,
    );
  }
}
