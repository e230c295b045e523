/**
 * What every command shares: the common options (--json, --root), the output sink, and a lazily
 * built process context (user names and system info are read only by commands that need them).
 */
import type { Command } from "commander";
import { openProcFs, type ProcFs } from "../access/proc-fs.js";
import { resolveProcRoot } from "../capture/root.js";
import { createProcessContext } from "../processes/context.js";
import type { ProcessContext } from "../processes/process.js";
import type { CliIo } from "./io.js";
import { JsonArrayWriter, toJson, toJsonLine, writeJsonArray } from "./render/json.js";

export interface CommonOptions {
  readonly json?: boolean;
  readonly root?: string;
}

export class CommandRun {
  private procFsCache: ProcFs | undefined;
  private contextCache: ProcessContext | undefined;
  /** Exit code the command asks for when it finishes without throwing (e.g. 1 on partial failure). */
  exitCode = 0;

  constructor(
    readonly io: CliIo,
    readonly options: CommonOptions,
  ) {}

  get json(): boolean {
    return this.options.json === true;
  }

  get procFs(): ProcFs {
    this.procFsCache ??= openProcFs(this.options.root === undefined ? "/proc" : resolveProcRoot(this.options.root));
    return this.procFsCache;
  }

  get context(): ProcessContext {
    this.contextCache ??= createProcessContext(this.procFs);
    return this.contextCache;
  }

  /** Table width: the terminal's, or unlimited when piped. */
  get width(): number | undefined {
    return this.io.isTTY ? this.io.columns : undefined;
  }

  print(text: string): void {
    this.io.stdout(text);
  }

  printJson(value: unknown): void {
    this.io.stdout(toJson(value));
  }

  /** Prints a JSON array, one compact item per line, while its items are still being produced. */
  printJsonArray(items: Iterable<unknown>): void {
    writeJsonArray(items, (text) => this.io.stdout(text));
  }

  /** A JSON array written item by item as results arrive; call end() once, also when none came. */
  jsonArrayWriter(): JsonArrayWriter {
    return new JsonArrayWriter((text) => this.io.stdout(text));
  }

  printJsonLine(value: unknown): void {
    this.io.stdout(toJsonLine(value));
  }

  /** A warning on stderr that does not stop the command. */
  warn(message: string): void {
    this.io.stderr(`procscope: ${message}\n`);
  }
}

/** Adds --json and --root to a command. */
export function withCommonOptions(command: Command): Command {
  return command
    .option("--json", "print JSON (one document; open-ended streams print one object per line); see `procscope schema`")
    .option("--root <dir>", "read this instead of /proc: a capture (directory or .tar.gz) or a /proc tree");
}

/** The signature of a command module's registration function. */
export type RegisterCommands = (program: Command, runAction: RunAction) => void;

/** A command module: its registration function and the commands it registers (commands/groups.js). */
export interface CommandModule {
  readonly register: RegisterCommands;
  readonly commands: readonly string[];
}

/**
 * Wraps an action: builds the CommandRun from the command's options, runs it, and leaves error
 * reporting and exit codes to main().
 */
export type RunAction = (
  // biome-ignore lint/suspicious/noExplicitAny: commander passes positional arguments and an options object of command-specific types
  handler: (run: CommandRun, ...args: any[]) => Promise<void> | void,
) => (...args: unknown[]) => Promise<void>;
