/**
 * The command line over a given set of command modules: main() runs it over all of them, and each
 * per-module bundle (scripts/bundle-cli.mjs) over its own one. It returns an exit code and writes
 * only through `io`, so tests call it in-process. Command modules import their heavy code only
 * when run, to keep start-up fast.
 */
import { Command, CommanderError } from "commander";
import { type CommandModule, CommandRun, type CommonOptions, type RunAction } from "./command.js";
import { EXIT_ERROR, EXIT_OK, EXIT_USAGE, errorLine, exitCodeFor, UsageError } from "./exit.js";
import type { CliIo } from "./io.js";
import { VERSION } from "./version.js";

class RunFailed extends Error {
  constructor(
    readonly original: unknown,
    readonly command: Command,
  ) {
    super("run failed");
  }
}

/**
 * Registers only the module that has the command being run (building every command's options took
 * about a tenth of `procscope ps`'s start-up), or every module for help, a typo that gets
 * suggestions, or the program's own options.
 */
export function registerFor(name: string | undefined, program: Command, runAction: RunAction, modules: readonly CommandModule[]): void {
  const owner = modules.find((module) => name !== undefined && module.commands.includes(name));
  for (const module of owner === undefined ? modules : [owner]) module.register(program, runAction);
}

/** Runs the command line `argv` with the commands of `modules`. */
export async function runCli(argv: readonly string[], io: CliIo, modules: readonly CommandModule[]): Promise<number> {
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

  registerFor(argv[0], program, runAction, modules);
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
