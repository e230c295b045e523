/**
 * The `Process` shape (ps, tree, watch, the API's list) read through the one reader.
 */

import type { ProcessDir } from "../access/proc-fs.js";
import type { Process } from "../model/process.js";
import { type ProcessContext, type ProcessField, ProcessFileCache, readProcess, readProcessFields } from "../model/reader.js";

export type { Process } from "../model/process.js";
export { type FieldErrors, fieldFailure, type ProcessContext, type UserNames, ZOMBIE_REASON } from "../model/reader.js";

/** The reader fields that make up the Process shape. */
export const PROCESS_SHAPE_FIELDS = [
  "ppid",
  "pgid",
  "sid",
  "uid",
  "user",
  "state",
  "comm",
  "cmdline",
  "exe",
  "tty",
  "threads",
  "nice",
  "priority",
  "startTime",
  "cpuSeconds",
  "cpuPercent",
  "rssBytes",
  "vszBytes",
  "kernelThread",
] as const satisfies readonly ProcessField[];

/**
 * Reads the Process shape of one process. Throws ProcessGone when it does not exist or exits meanwhile.
 * getProcess(context, 1).comm === "systemd"
 */
export function getProcess(context: ProcessContext, pid: number): Process {
  return readProcess(context, pid, PROCESS_SHAPE_FIELDS);
}

/** The Process shape through files already open (show reads more from the same files). */
export function processFrom(files: ProcessFileCache): Process {
  return readProcessFields(files, PROCESS_SHAPE_FIELDS);
}

/** The Process shape through an open directory. */
export function processFromDir(dir: ProcessDir, context: ProcessContext): Process {
  return processFrom(new ProcessFileCache(dir, context));
}
