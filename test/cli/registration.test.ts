/**
 * A run registers only the module of the command being run (registerFor), and each module gets a
 * bundle of its own (commands/groups.js): these tests hold the table to what the modules really
 * register, and show that a command's help, errors and suggestions do not depend on which modules
 * were registered.
 */
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import type { RunAction } from "../../src/cli/command.js";
import { groupOf } from "../../src/cli/commands/groups.js";
import { COMMAND_MODULES } from "../../src/cli/commands/index.js";
import { registerFor } from "../../src/cli/run.js";
import { runCli } from "../helpers/cli.js";

const noop: RunAction = () => async () => undefined;
const ALL = COMMAND_MODULES.flatMap((module) => module.commands);

function commandNames(name: string | undefined): string[] {
  const program = new Command("procscope");
  registerFor(name, program, noop, COMMAND_MODULES);
  return program.commands.map((c) => c.name());
}

describe("COMMAND_MODULES (commands/groups.js)", () => {
  it.each(COMMAND_MODULES.map((module) => [module.commands.join(" "), module] as const))(
    "names exactly what its module registers: %s",
    (_names, module) => {
      const program = new Command("procscope");
      module.register(program, noop);
      expect(program.commands.map((c) => c.name())).toEqual(module.commands);
    },
  );

  it("names every command once, and groupOf() finds each one's module", () => {
    expect(new Set(ALL).size).toBe(ALL.length);
    expect(commandNames(undefined)).toEqual(ALL);
    for (const module of COMMAND_MODULES) for (const name of module.commands) expect(groupOf(name)?.commands).toBe(module.commands);
    expect(groupOf("nosuch")).toBeUndefined();
  });
});

describe("registerFor()", () => {
  it("registers only the module of a known command, and everything otherwise", () => {
    expect(commandNames("lsof")).toContain("peers");
    expect(commandNames("lsof")).not.toContain("ps");
    for (const name of [undefined, "help", "--help", "pss"]) expect(commandNames(name)).toHaveLength(ALL.length);
  });

  it("gives a command the same help as when every command is registered", () => {
    const everything = new Command("procscope");
    registerFor(undefined, everything, noop, COMMAND_MODULES);
    for (const name of ALL) {
      const alone = new Command("procscope");
      registerFor(name, alone, noop, COMMAND_MODULES);
      const help = (program: Command) => program.commands.find((c) => c.name() === name)?.helpInformation();
      expect(help(alone), name).toBe(help(everything));
    }
  });
});

describe("main()", () => {
  it("still suggests a command for a typo and lists every command in its help", async () => {
    const typo = await runCli(["pss"]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/unknown command 'pss'[\s\S]*Did you mean ps\?/);
    const help = await runCli(["--help"]);
    for (const name of ALL) expect(help.stdout).toMatch(new RegExp(`^  ${name}\\b`, "m"));
  });

  it("refuses an unknown option of a command run alone", async () => {
    const result = await runCli(["ps", "--nosuch"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown option '--nosuch'/);
  });
});
