/** Runs the command line as a process: the one place that touches process.argv, signals and exit codes. */
import type { CommandModule } from "./command.js";
import { nodeIo } from "./io.js";
import { runCli } from "./run.js";

export function start(modules: readonly CommandModule[]): void {
  const controller = new AbortController();
  process.once("SIGINT", () => controller.abort());
  // A closed pipe (procscope ps | head) is a normal way to stop reading.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(0);
    throw error;
  });
  // No top-level await: the bundles are CommonJS (see scripts/bundle-cli.mjs).
  runCli(process.argv.slice(2), nodeIo(controller.signal), modules).then((code) => {
    process.exitCode = code;
  });
}
