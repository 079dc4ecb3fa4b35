/**
 * docker compose's `.env` parser (github.com/compose-spec/compose-go/v2/dotenv),
 * as a small Go program (compose-dotenv/main.go) built with `go build` against the
 * Go module proxy into the emulator cache. It prints a file's values as JSON.
 */
import { readFileSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { run } from "../common.js";
import { installOnce, toolsDir, versionTag } from "./install.js";

const source = join(dirname(fileURLToPath(import.meta.url)), "compose-dotenv");
const inputs = ["main.go", "go.mod", "go.sum"].map((f) => readFileSync(join(source, f), "utf8"));
const folder = `compose-dotenv-${versionTag(...inputs)}`;

/** The shell command that builds the program by hand. */
export function composeDotenvInstallCommand(): string {
  return `cd ${source} && go build -o ${join(toolsDir(), folder, "compose-dotenv")} .`;
}

/** Builds (first call only) and returns the path of the compose-dotenv program. */
export async function composeDotenvPath(): Promise<string> {
  try {
    const dir = await installOnce(
      folder,
      async (tmp) => {
        await run("go", ["build", "-mod=readonly", "-o", join(tmp, "compose-dotenv"), "."], {
          cwd: source,
          log: join(toolsDir(), `${folder}.build.log`),
        });
      },
      (dir) => existsSync(join(dir, "compose-dotenv")),
    );
    return join(dir, "compose-dotenv");
  } catch (e) {
    throw new Error(
      `Could not build the compose-go dotenv reader: ${(e as Error).message}\nBuild it with:\n  ${composeDotenvInstallCommand()}`,
    );
  }
}
