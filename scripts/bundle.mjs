// Bundles the CLI into dist/cli/bin.js (+ lazily loaded chunks) so start-up does not
// pay for resolving hundreds of small modules (zod alone has ~225). Cloud SDKs, the
// prompt and spinner libraries stay external and are still imported lazily, so
// `--version`, `--help` and file: commands never load them (SPEC §9). The library
// entry (dist/index.js) stays tsc's unbundled output.
import { build } from "esbuild";

await build({
  entryPoints: { bin: "src/cli/bin.ts" },
  outdir: "dist/cli",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  sourcemap: true,
  minify: false,
  chunkNames: "[name]-[hash]",
  external: [
    "@aws-sdk/*",
    "@smithy/*",
    "@google-cloud/*",
    "google-gax",
    "@grpc/*",
    "@azure/*",
    "@inquirer/*",
    "ora",
  ],
  banner: {
    // Bundled CommonJS dependencies may call require(); give them one.
    js: "import { createRequire as __envsyncCreateRequire } from 'node:module'; const require = __envsyncCreateRequire(import.meta.url);",
  },
  logLevel: "warning",
});
