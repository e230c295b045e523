/**
 * The command line with every command: `main(argv, io)` returns an exit code and writes only
 * through `io`, so tests call it in-process.
 */
import { COMMAND_MODULES } from "./commands/index.js";
import type { CliIo } from "./io.js";
import { runCli } from "./run.js";

export { VERSION } from "./version.js";

export function main(argv: readonly string[], io: CliIo): Promise<number> {
  return runCli(argv, io, COMMAND_MODULES);
}
