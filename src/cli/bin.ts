#!/usr/bin/env node
// Every command, in one bundle (procscope-main.cjs): help, typos and the program's options run here;
// scripts/bundle-cli.mjs also makes one bundle per command module from commands/groups.js.
import { COMMAND_MODULES } from "./commands/index.js";
import { start } from "./start.js";

start(COMMAND_MODULES);
