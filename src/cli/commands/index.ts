/** Every command module registers here; each imports its heavy code only when it runs. */
import type { Command } from "commander";
import type { RunAction } from "../command.js";
import { registerProcessCommands } from "./processes.js";
import { registerFilesCommands } from "./files.js";
import { registerSystemCommands } from "./system.js";
import { registerMemoryCommands } from "./memory.js";
import { registerMemoryWriteCommands } from "./memory-write.js";
import { registerLiveCommands } from "./live.js";
import { registerKernelCommands } from "./kernel.js";

export function registerAll(program: Command, runAction: RunAction): void {
  registerProcessCommands(program, runAction);
  registerLiveCommands(program, runAction);
  registerFilesCommands(program, runAction);
  registerSystemCommands(program, runAction);
  registerMemoryCommands(program, runAction);
  registerMemoryWriteCommands(program, runAction);
  registerKernelCommands(program, runAction);
}
