/**
 * Listing: one readdir of the root, then per process only the files the requested fields need.
 * Processes that exit mid-listing are skipped; unreadable fields become null with a reason.
 */
import { ProcError, ProcessGone } from "../errors.js";
import { ALL_FIELDS, type Process, type ProcessContext, type ProcessFields, readProcessFrom } from "./process.js";

export interface ListOptions {
  /**
   * Called for a process that could not be listed for a reason other than exiting (its stat
   * could not be parsed or read); the listing goes on without it. Default: ignore.
   */
  readonly onSkip?: (pid: number, error: Error) => void;
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
      if (!(error instanceof ProcessGone)) skip(options, pid, error);
      continue;
    }
    try {
      processes.push(readProcessFrom(dir, context, fields));
    } catch (error) {
      if (!(error instanceof ProcessGone)) skip(options, pid, error);
    } finally {
      dir.close();
    }
  }
  return processes;
}

function skip(options: ListOptions, pid: number, error: unknown): void {
  // Only our typed errors are per-process conditions; anything else is a bug and must surface.
  if (!(error instanceof ProcError)) throw error;
  options.onSkip?.(pid, error);
}
