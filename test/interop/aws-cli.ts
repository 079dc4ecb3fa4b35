/**
 * The real AWS CLI (awscli from PyPI, installed by test/harness/tools/) pointed at
 * moto: what users' other tools write, written by those tools.
 */
import { spawnSync } from "node:child_process";
import { awsCliPath } from "../harness/tools/index.js";
import { requireEnv } from "../harness/require-env.js";

/** The moto endpoint of this run (set by the integration project's global setup). */
export function motoEndpoint(): string {
  return requireEnv("ENVSYNC_TEST_MOTO_ENDPOINT", "moto");
}

/** Runs `aws ARGS --endpoint-url MOTO` and returns its parsed JSON output (or null). */
export async function aws(args: string[]): Promise<unknown> {
  const bin = await awsCliPath();
  const r = spawnSync(bin, [...args, "--endpoint-url", motoEndpoint(), "--output", "json"], {
    encoding: "utf8",
    env: { ...process.env, AWS_DEFAULT_REGION: "us-east-1", AWS_PAGER: "" },
  });
  if (r.status !== 0) throw new Error(`aws ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  return r.stdout.trim() === "" ? null : (JSON.parse(r.stdout) as unknown);
}
