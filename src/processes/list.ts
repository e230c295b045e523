/**
 * Listing: one readdir of the root, then per process only the files the requested fields need.
 * Processes that exit mid-listing are skipped; unreadable fields become null with a reason.
 */
import { ProcessGone } from "../errors.js";
import { ALL_FIELDS, type Process, type ProcessContext, type ProcessFields, readProcessFrom } from "./process.js";

export interface ListOptions {
  readonly fields?: ProcessFields;
  /** Only these PIDs (others are not read at all). */
  readonly pids?: readonly number[];
}

/**
 * Lists processes (not threads).
 * listProcesses(context).find((p) => p.pid === 1)?.comm
 */
export function listProcesses(context: ProcessContext, options: ListOptions = {}): Process[] {
  const fields = options.fields ?? ALL_FIELDS;
  const pids = options.pids ?? context.procFs.listPids();
  const processes: Process[] = [];
  for (const pid of pids) {
    let dir: ReturnType<typeof context.procFs.openProcess>;
    try {
      dir = context.procFs.openProcess(pid);
    } catch (error) {
      if (error instanceof ProcessGone) continue;
      throw error;
    }
    try {
      processes.push(readProcessFrom(dir, context, fields));
    } catch (error) {
      if (!(error instanceof ProcessGone)) throw error;
    } finally {
      dir.close();
    }
  }
  return processes;
}
