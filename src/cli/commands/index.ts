/** Every command module registers here; each imports its heavy code only when it runs. */
import type { Command } from "commander";
import type { RunAction } from "../command.js";
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

export function registerAll(program: Command, runAction: RunAction): void {
  registerProcessCommands(program, runAction);
  registerLiveCommands(program, runAction);
  registerFilesCommands(program, runAction);
  registerSystemCommands(program, runAction);
  registerMemoryCommands(program, runAction);
  registerMemoryWriteCommands(program, runAction);
  registerKernelCommands(program, runAction);
  registerSchemaCommands(program, runAction);
  registerServeCommands(program, runAction);
  registerExporterCommands(program, runAction);
  registerTriageCommands(program, runAction);
}
