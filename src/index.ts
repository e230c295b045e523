/**
 * procscope as a library: typed access to /proc.
 *
 *   import { openProcFs, createProcessContext, listProcesses } from "procscope";
 *   const context = createProcessContext(openProcFs());
 *   for (const p of listProcesses(context)) console.log(p.pid, p.comm);
 */
export { openProcFs, type ProcFs, type ProcessDir, type RawFile, type ProcFsOptions } from "./access/proc-fs.js";
export { readSystemInfo, type SystemInfo } from "./access/system-info.js";
export * from "./errors.js";
export { decodeBytes, escapeControl } from "./bytes.js";
export { type Process, type ProcessContext, type ProcessFields, readProcess } from "./processes/process.js";
export { listProcesses, type ListOptions } from "./processes/list.js";
export { buildTree, type ProcessNode } from "./processes/tree.js";
export { createProcessContext } from "./processes/context.js";
// Parsers (pure: text in, typed value out)
export { parsePidStat, type PidStat } from "./procfs/pid/stat.js";
export { parsePidStatus, type PidStatus } from "./procfs/pid/status.js";
export { parsePidStatm, type PidStatm } from "./procfs/pid/statm.js";
export { parseCmdline, parseEnviron } from "./procfs/pid/cmdline.js";
// Features add their exports below, one block per area.
