/** Runs the command line as a process: the one place that touches process.argv, signals and exit codes. */
import { removeTemporaryDirectories } from "../capture/temporary.js";
import type { CommandModule } from "./command.js";
import { nodeIo } from "./io.js";
import { runCli } from "./run.js";

export function start(modules: readonly CommandModule[]): void {
  const controller = new AbortController();
  // Ctrl-C stops streaming commands and a capture cleanly (they watch the signal); a second one,
  // or SIGTERM/SIGHUP, ends the process at once, as without a handler, after removing the
  // temporary directories a command made (an extracted capture, a capture's staging directory):
  // a process killed by a signal runs no exit hooks.
  // A command with its own handler keeps the signal (top restores the terminal, then exits; serve
  // stops cleanly): counted before the abort, on which serve lets go of its handler.
  const terminate = (signal: NodeJS.Signals): void => {
    const handledByCommand = process.listenerCount(signal) > (signal === "SIGINT" ? 1 : 0);
    controller.abort();
    removeTemporaryDirectories();
    process.removeListener("SIGINT", onInterrupt);
    if (!handledByCommand) process.kill(process.pid, signal);
  };
  const onInterrupt = (): void => (controller.signal.aborted ? terminate("SIGINT") : controller.abort());
  process.on("SIGINT", onInterrupt);
  process.once("SIGTERM", () => terminate("SIGTERM"));
  process.once("SIGHUP", () => terminate("SIGHUP"));
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
