// A proxy in front of moto that counts requests per X-Amz-Target (bench/aws-cli.bench.ts).
// Runs as its own process, so the bench can block on spawnSync while it serves.
// Usage: node bench/count-proxy.mjs TARGET_URL → prints its port; GET /__counts returns
// the counts as JSON, POST /__reset clears them.
import { createServer, request } from "node:http";
import { URL } from "node:url";

const target = new URL(process.argv[2]);
const counts = {};
const server = createServer((req, res) => {
  // The bench's own requests close their connection (no stale keep-alive socket between runs).
  if (req.url?.startsWith("/__")) res.setHeader("connection", "close");
  if (req.url === "/__counts") return res.end(JSON.stringify(counts));
  if (req.url === "/__reset") {
    for (const k of Object.keys(counts)) delete counts[k];
    return res.end("{}");
  }
  const op = String(req.headers["x-amz-target"] ?? "other").replace(/^.*\./, "");
  counts[op] = (counts[op] ?? 0) + 1;
  const up = request(
    {
      host: target.hostname,
      port: target.port,
      path: req.url,
      method: req.method,
      headers: req.headers,
    },
    (r) => {
      r.on("error", () => res.destroy());
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    },
  );
  // A client that gives up (a retry, a timeout) must not stop the proxy.
  up.on("error", () => res.destroy());
  req.on("error", () => up.destroy());
  res.on("error", () => up.destroy());
  req.pipe(up);
});
process.on("uncaughtException", (e) => process.stderr.write(`count-proxy: ${e.message}\n`));
server.listen(0, "127.0.0.1", () => process.stdout.write(`${server.address().port}\n`));
