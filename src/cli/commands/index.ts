/** Every command module registers here; each imports its heavy code only when it runs. */
import type { CommandModule } from "../command.js";
import { registerExporterCommands } from "./exporter.js";
import { registerFilesCommands } from "./files.js";
import { COMMAND_GROUPS } from "./groups.js";
import { registerKernelCommands } from "./kernel.js";
import { registerLiveCommands } from "./live.js";
import { registerMemoryCommands } from "./memory.js";
import { registerMemoryWriteCommands } from "./memory-write.js";
import { registerProcessCommands } from "./processes.js";
import { registerSchemaCommands } from "./schema.js";
import { registerServeCommands } from "./serve.js";
import { registerSystemCommands } from "./system.js";
import { registerTriageCommands } from "./triage.js";

const REGISTER = {
  registerProcessCommands,
  registerLiveCommands,
  registerFilesCommands,
  registerSystemCommands,
  registerMemoryCommands,
  registerMemoryWriteCommands,
  registerKernelCommands,
  registerSchemaCommands,
  registerServeCommands,
  registerExporterCommands,
  registerTriageCommands,
} as const;

/** Every command module with the commands it registers (groups.js), in the order of `procscope --help`. */
export const COMMAND_MODULES: readonly CommandModule[] = COMMAND_GROUPS.map((group) => {
  const register = REGISTER[group.register as keyof typeof REGISTER];
  if (register === undefined) throw new Error(`groups.js names "${group.register}", which commands/index.ts does not import`);
  return { register, commands: group.commands };
});
