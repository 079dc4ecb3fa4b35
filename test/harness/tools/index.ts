/**
 * The other tools envsync must interoperate with, installed by the project itself
 * into the emulator cache on first use: the AWS CLI and python-dotenv (PyPI, one
 * venv), docker compose's dotenv parser (Go module proxy, `go build`), and dotenvx
 * 2.x and dotenv (npm devDependencies). chamber is not served by the Go module
 * proxy here; its layout is written with the AWS CLI instead (docs/providers/aws.md).
 */
export { awsCliPath, pythonTools, pythonToolsInstallCommand } from "./python.js";
export { composeDotenvPath, composeDotenvInstallCommand } from "./compose.js";
export { goYamlInstallCommand, goYamlPath } from "./go-yaml.js";
export { requireShell, SHELLS_INSTALL_COMMAND } from "./shells.js";
