#!/usr/bin/env node
import { nodeIo } from "./io.js";
import { main } from "./main.js";

const controller = new AbortController();
process.once("SIGINT", () => controller.abort());
// A closed pipe (procscope ps | head) is a normal way to stop reading.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(0);
  throw error;
});
// No top-level await: the bundle is CommonJS (see scripts/bundle-cli.mjs).
main(process.argv.slice(2), nodeIo(controller.signal)).then((code) => {
  process.exitCode = code;
});
