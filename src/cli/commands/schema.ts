/**
 * schema: the JSON Schema (draft-07) of a command's --json output, or the list of commands that
 * have one. The schemas live in src/model/ and load only when asked for.
 */
import type { Command } from "commander";
import type { CommandRun, RunAction } from "../command.js";

async function schema(run: CommandRun, name: string | undefined): Promise<void> {
  const { COMMAND_CONTRACTS, SCHEMA_COMMANDS, commandJsonSchema } = await import("../../model/commands.js");
  if (name === undefined) {
    const width = Math.max(...SCHEMA_COMMANDS.map((c) => c.length));
    run.print(
      `${SCHEMA_COMMANDS.map((c) => `${c.padEnd(width)}  ${COMMAND_CONTRACTS[c]?.framing === "ndjson" ? "NDJSON: " : ""}${COMMAND_CONTRACTS[c]?.summary}`).join("\n")}\n`,
    );
    return;
  }
  const document = await commandJsonSchema(name);
  if (document === undefined) {
    const { InvalidArgument } = await import("../../errors.js");
    throw new InvalidArgument(`no JSON schema for "${name}": \`procscope schema\` lists the commands that have one`);
  }
  run.printJson(document);
}

export function registerSchemaCommands(program: Command, runAction: RunAction): void {
  program
    .command("schema")
    .description("print the JSON Schema (draft-07) of a command's --json output; without COMMAND, list the commands that have one")
    .argument("[command]", "a command name: ps, maps, lsof…")
    .action(runAction(schema));
}
