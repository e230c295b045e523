/**
 * schema: the JSON Schema (draft-07) of a command's --json output, or the list of commands that
 * have one. The schemas live in src/model/ and load only when asked for.
 */
import type { Command } from "commander";
import type { CommandRun, RunAction } from "../command.js";

async function schema(run: CommandRun, name: string | undefined, argument: string | undefined): Promise<void> {
  const { COMMAND_CONTRACTS, SCHEMA_COMMANDS, commandArguments, commandJsonSchema } = await import("../../model/commands.js");
  if (name === undefined) {
    const width = Math.max(...SCHEMA_COMMANDS.map((c) => c.length));
    run.print(
      `${SCHEMA_COMMANDS.map((c) => `${c.padEnd(width)}  ${COMMAND_CONTRACTS[c]?.framing === "ndjson" ? "NDJSON: " : ""}${COMMAND_CONTRACTS[c]?.summary}`).join("\n")}\n`,
    );
    return;
  }
  const document = await commandJsonSchema(name, argument);
  if (document === undefined) {
    const { InvalidArgument } = await import("../../errors.js");
    const known = await commandArguments(name);
    throw new InvalidArgument(
      !Object.hasOwn(COMMAND_CONTRACTS, name)
        ? `no JSON schema for "${name}": \`procscope schema\` lists the commands that have one`
        : known.length > 0
          ? `no JSON schema for "${name} ${argument}": known: ${known.join(", ")}`
          : `"${name}" has one JSON schema, whatever its arguments: \`procscope schema ${name}\``,
    );
  }
  run.printJson(document);
}

export function registerSchemaCommands(program: Command, runAction: RunAction): void {
  program
    .command("schema")
    .description(
      "print the JSON Schema (draft-07) of a command's --json output (`schema sys meminfo` for `sys meminfo --json`); without COMMAND, list the commands that have one",
    )
    .argument("[command]", "a command name: ps, maps, lsof…")
    .argument("[argument]", "for sys: a system file (meminfo, cpuinfo…), whose own document `sys NAME --json` prints")
    .action(runAction(schema));
}
