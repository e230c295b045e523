/** Every command module registers here; each imports its heavy code only when it runs. */
import type { Command } from "commander";
import type { RegisterCommands, RunAction } from "../command.js";
import { registerExporterCommands } from "./exporter.js";
import { registerFilesCommands } from "./files.js";
import { registerKernelCommands } from "./kernel.js";
import { registerLiveCommands } from "./live.js";
import { registerMemoryCommands } from "./memory.js";
import { registerMemoryWriteCommands } from "./memory-write.js";
import { registerProcessCommands } from "./processes.js";
import { registerSchemaCommands } from "./schema.js";
import { registerServeCommands } from "./serve.js";
import { registerSystemCommands } from "./system.js";
import { registerTriageCommands } from "./triage.js";

/**
 * Each module with the commands it registers, in the order of `procscope --help`. The names let
 * a run of one command register only its own module: building every command's options took
 * about a tenth of `procscope ps`'s start-up. A test checks the names against what each module
 * really registers.
 */
export const COMMAND_MODULES: readonly (readonly [RegisterCommands, readonly string[]])[] = [
  [registerProcessCommands, ["ps", "tree", "show"]],
  [registerLiveCommands, ["top", "watch"]],
  [registerFilesCommands, ["fds", "lsof", "peers", "net", "recover", "progress", "follow", "pipeline"]],
  [registerSystemCommands, ["sys"]],
  [registerMemoryCommands, ["maps", "read", "dump", "strings", "search"]],
  [registerMemoryWriteCommands, ["replace", "write", "undo", "history"]],
  [registerKernelCommands, ["threads", "stack", "blocked", "ksym", "sysctl"]],
  [registerSchemaCommands, ["schema"]],
  [registerServeCommands, ["serve"]],
  [registerExporterCommands, ["exporter"]],
  [registerTriageCommands, ["audit", "capture", "diff"]],
];

export function registerAll(program: Command, runAction: RunAction): void {
  for (const [register] of COMMAND_MODULES) register(program, runAction);
}

/**
 * Registers only the module that has `name`, or every module when no module has it (help,
 * a mistyped command that gets suggestions, the program's own options).
 */
export function registerFor(name: string | undefined, program: Command, runAction: RunAction): void {
  const owner = COMMAND_MODULES.find(([, names]) => name !== undefined && names.includes(name));
  if (owner === undefined) registerAll(program, runAction);
  else owner[0](program, runAction);
}
