/** exporter: registered here; filled in by its own issue's work. */
import type { Command } from "commander";
import type { RunAction } from "../command.js";

export function registerExporterCommands(_program: Command, _runAction: RunAction): void {}
