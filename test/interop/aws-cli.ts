/**
 * The real AWS CLI (awscli from PyPI, installed by test/harness/tools/) pointed at
 * moto: what users' other tools write, written by those tools.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { awsCliPath } from "../harness/tools/index.js";
import { requireEnv } from "../harness/require-env.js";

/** The moto endpoint of this run (set by the integration project's global setup). */
export function motoEndpoint(): string {
  return requireEnv("ENVSYNC_TEST_MOTO_ENDPOINT", "moto");
}

/** Runs `aws ARGS --endpoint-url MOTO` and returns its parsed JSON output (or null). */
export async function aws(args: string[]): Promise<unknown> {
  const bin = await awsCliPath();
  let stdout: string;
  try {
    ({ stdout } = await run(bin, [...args, "--endpoint-url", motoEndpoint(), "--output", "json"], {
      encoding: "utf8",
      env: { ...process.env, AWS_DEFAULT_REGION: "us-east-1", AWS_PAGER: "" },
    }));
  } catch (e) {
    throw new Error(
      `aws ${args.join(" ")} failed: ${(e as { stderr?: string }).stderr ?? String(e)}`,
    );
  }
  return stdout.trim() === "" ? null : (JSON.parse(stdout) as unknown);
}

const run = promisify(execFile);
