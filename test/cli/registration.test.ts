/**
 * main() registers only the module of the command being run (see COMMAND_MODULES): these tests
 * hold the table to what the modules really register, and show that a command's help, errors and
 * suggestions do not depend on which modules were registered.
 */
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import type { RunAction } from "../../src/cli/command.js";
import { COMMAND_MODULES, registerAll, registerFor } from "../../src/cli/commands/index.js";
import { runCli } from "../helpers/cli.js";

const noop: RunAction = () => async () => undefined;

function commandNames(register: (program: Command) => void): string[] {
  const program = new Command("procscope");
  register(program);
  return program.commands.map((c) => c.name());
}

describe("COMMAND_MODULES", () => {
  it.each(COMMAND_MODULES.map(([register, names]) => [names.join(" "), register] as const))(
    "names exactly what its module registers: %s",
    (names, register) => {
      expect(commandNames((program) => register(program, noop)).join(" ")).toBe(names);
    },
  );

  it("names every command once", () => {
    const all = COMMAND_MODULES.flatMap(([, names]) => names);
    expect(new Set(all).size).toBe(all.length);
    expect(commandNames((program) => registerAll(program, noop))).toEqual(all);
  });
});

describe("registerFor()", () => {
  it("registers only the module of a known command, and everything otherwise", () => {
    expect(commandNames((program) => registerFor("lsof", program, noop))).toContain("peers");
    expect(commandNames((program) => registerFor("lsof", program, noop))).not.toContain("ps");
    for (const name of [undefined, "help", "--help", "pss"])
      expect(commandNames((program) => registerFor(name, program, noop))).toHaveLength(COMMAND_MODULES.flatMap(([, n]) => n).length);
  });

  it("gives a command the same help as when every command is registered", () => {
    for (const [, names] of COMMAND_MODULES)
      for (const name of names) {
        const alone = new Command("procscope");
        registerFor(name, alone, noop);
        const everything = new Command("procscope");
        registerAll(everything, noop);
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
    for (const [, names] of COMMAND_MODULES) for (const name of names) expect(help.stdout).toMatch(new RegExp(`^  ${name}\\b`, "m"));
  });

  it("refuses an unknown option of a command run alone", async () => {
    const result = await runCli(["ps", "--nosuch"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown option '--nosuch'/);
  });
});
