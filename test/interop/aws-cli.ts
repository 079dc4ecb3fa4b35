/**
 * The real AWS CLI (awscli from PyPI, installed by test/harness/tools/) pointed at
 * moto: what users' other tools write, written by those tools.
 *
 * The AWS CLI spends about a second of CPU starting (Python, botocore, its command
 * tables) before each command; on a loaded 2-core machine a dozen starts side by side
 * took minutes. {@link awsEach} runs several commands in one Python process through one
 * driver of the CLI (`awscli.clidriver`, what the `aws` command runs), one after the
 * other: the same code and output as separate `aws` runs, one start (14 put-parameter
 * calls: 0.6 s of CPU instead of 7.6 s).
 */
import { execFile } from "node:child_process";
import { pythonTools } from "../harness/tools/index.js";
import { requireEnv } from "../harness/require-env.js";

/** The moto endpoint of this run (set by the integration project's global setup). */
export function motoEndpoint(): string {
  return requireEnv("ENVSYNC_TEST_MOTO_ENDPOINT", "moto");
}

/**
 * Runs each command through the AWS CLI's driver in one process, in order; a failing
 * command stops the rest. Prints a JSON list of each command's stdout.
 */
const DRIVER = `
import contextlib, io, json, sys
from awscli.clidriver import create_clidriver
driver = create_clidriver()
outputs = []
for args in json.loads(sys.stdin.read()):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = driver.main(args)
    if code != 0:
        sys.stderr.write("aws %s exited %d\\n" % (" ".join(args), code))
        sys.exit(code)
    outputs.append(out.getvalue())
sys.stdout.write(json.dumps(outputs))
`;

/**
 * Runs `aws ARGS --endpoint-url MOTO --output json` for each ARGS of `commands`, in
 * order, in one AWS CLI process; returns each command's parsed JSON output (or null).
 */
export async function awsEach(commands: string[][]): Promise<unknown[]> {
  const { python } = await pythonTools();
  const argv = commands.map((args) => [
    ...args,
    "--endpoint-url",
    motoEndpoint(),
    "--output",
    "json",
  ]);
  const what = commands.map((c) => c.slice(0, 2).join(" ")).join("; ");
  const stdout = await new Promise<string>((resolve, reject) => {
    const child = execFile(
      python,
      ["-c", DRIVER],
      {
        encoding: "utf8",
        maxBuffer: 64 * 2 ** 20,
        env: { ...process.env, AWS_DEFAULT_REGION: "us-east-1", AWS_PAGER: "" },
      },
      (err, out, stderr) => {
        if (err) reject(new Error(`aws ${what} failed: ${stderr || err.message}`));
        else resolve(out);
      },
    );
    child.stdin!.end(JSON.stringify(argv));
  });
  return (JSON.parse(stdout) as string[]).map((o) =>
    o.trim() === "" ? null : (JSON.parse(o) as unknown),
  );
}

/** Runs `aws ARGS --endpoint-url MOTO` and returns its parsed JSON output (or null). */
export async function aws(args: string[]): Promise<unknown> {
  return (await awsEach([args]))[0];
}
