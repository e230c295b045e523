/**
 * The command line: `main(argv, io)` returns an exit code and writes only through `io`, so tests
 * call it in-process. Command modules register themselves in commands/index.ts and import their
 * heavy code only when run, to keep start-up fast.
 */
import { Command, CommanderError } from "commander";
import { CommandRun, type CommonOptions, type RunAction } from "./command.js";
import { registerFor } from "./commands/index.js";
import { EXIT_ERROR, EXIT_OK, EXIT_USAGE, errorLine, exitCodeFor, UsageError } from "./exit.js";
import type { CliIo } from "./io.js";
import { VERSION } from "./version.js";

export { VERSION } from "./version.js";

class RunFailed extends Error {
  constructor(
    readonly original: unknown,
    readonly command: Command,
  ) {
    super("run failed");
  }
}

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let exitCode = EXIT_OK;
  if (io.env.PROCSCOPE_NATIVE === "0") {
    const { turnOffNativeHelper } = await import("../access/native.js");
    turnOffNativeHelper("the native helper is turned off (PROCSCOPE_NATIVE=0)");
  }
  const program = new Command("procscope")
    .description("Inspect Linux processes from /proc: processes, memory, files, threads and the kernel")
    .version(VERSION)
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout(text),
      writeErr: (text) => io.stderr(text),
      outputError: (text, write) => write(`procscope: ${text.replace(/^error: /, "")}`),
    });

  const runAction: RunAction = (handler) =>
    async function (this: Command, ...args: unknown[]) {
      const command = args[args.length - 1] as Command;
      const options = command.optsWithGlobals<CommonOptions>();
      const run = new CommandRun(io, options);
      try {
        await handler(run, ...args.slice(0, -1));
        exitCode = run.exitCode;
      } catch (error) {
        throw new RunFailed(error, command);
      }
    };

  registerFor(argv[0], program, runAction);
  for (const command of program.commands) command.exitOverride().configureOutput(program.configureOutput());

  try {
    await program.parseAsync(argv as string[], { from: "user" });
    return exitCode;
  } catch (error) {
    if (error instanceof RunFailed) {
      io.stderr(`${errorLine(error.original)}\n`);
      if (error.original instanceof UsageError)
        io.stderr(
          `Usage: ${error.command.name() === "procscope" ? "" : "procscope "}${error.command.name()} ${error.command.usage()}\n(see "procscope ${error.command.name()} --help")\n`,
        );
      else if (!(error.original instanceof Error && "kind" in error.original) && io.env.PROCSCOPE_DEBUG)
        io.stderr(`${(error.original as Error).stack}\n`);
      return exitCodeFor(error.original);
    }
    if (error instanceof CommanderError) {
      if (error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.code === "commander.help") return EXIT_OK;
      return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    io.stderr(`${errorLine(error)}\n`);
    return EXIT_ERROR;
  }
}
