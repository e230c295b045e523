// The command modules (src/cli/commands/MODULE.ts), the function each registers its commands
// with, and those commands. Read by commands/index.ts, and by scripts/bundle-cli.mjs and the
// launcher (src/cli/launch.cts): the build makes one bundle per module, and the launcher runs the
// command's own bundle, so `procscope ps` reads and compiles only the code of ps, tree and show.
// Plain ES module data, no build. test/cli/registration.test.ts checks it against the modules.

/**
 * In the order of `procscope --help`.
 * @type {readonly { readonly module: string, readonly register: string, readonly commands: readonly string[] }[]}
 */
export const COMMAND_GROUPS = Object.freeze([
  { module: "processes", register: "registerProcessCommands", commands: ["ps", "tree", "show"] },
  { module: "live", register: "registerLiveCommands", commands: ["top", "watch"] },
  {
    module: "files",
    register: "registerFilesCommands",
    commands: ["fds", "lsof", "peers", "net", "recover", "progress", "follow", "pipeline"],
  },
  { module: "system", register: "registerSystemCommands", commands: ["sys"] },
  { module: "memory", register: "registerMemoryCommands", commands: ["maps", "read", "dump", "strings", "search"] },
  { module: "memory-write", register: "registerMemoryWriteCommands", commands: ["replace", "write", "undo", "history"] },
  { module: "kernel", register: "registerKernelCommands", commands: ["threads", "stack", "blocked", "ksym", "sysctl"] },
  { module: "schema", register: "registerSchemaCommands", commands: ["schema"] },
  { module: "serve", register: "registerServeCommands", commands: ["serve"] },
  { module: "exporter", register: "registerExporterCommands", commands: ["exporter"] },
  { module: "triage", register: "registerTriageCommands", commands: ["audit", "capture", "diff"] },
]);

/**
 * The group that has `command`, or undefined (help, a typo, the program's own options).
 * @param {string | undefined} command
 */
export function groupOf(command) {
  return command === undefined ? undefined : COMMAND_GROUPS.find((group) => group.commands.includes(command));
}

/**
 * The file name (without .cjs) of a group's bundle in dist/bin.
 * @param {{ readonly module: string }} group
 */
export function bundleName(group) {
  return `procscope-${group.module}`;
}
