#!/usr/bin/env node
// Bundles the CLI into dist/bin/: one entry file plus lazily loaded chunks, one per command's
// feature code. Node start-up dominates short commands like `ps`, and loading ~60 separate ES
// modules costs more than reading /proc for 1000 processes; a bundle loads a handful.
import fs from "node:fs";
import { build } from "esbuild";

// Chunk names carry content hashes, so old builds would leave their chunks behind.
fs.rmSync("dist/bin", { recursive: true, force: true });
await build({
  entryPoints: {
    procscope: "src/cli/bin.ts",
    // The `strings` worker thread, beside the chunk that starts it (stringsWorkerUrl() looks there).
    "chunks/strings-worker": "src/memory/strings-worker.ts",
  },
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  outdir: "dist/bin",
  chunkNames: "chunks/[name]-[hash]",
  sourcemap: true,
  logLevel: "warning",
  // commander is CommonJS: give its require() of node built-ins a real require.
  banner: { js: "import { createRequire as __procscopeRequire } from 'node:module'; const require = __procscopeRequire(import.meta.url);" },
});
