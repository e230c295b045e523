/**
 * The exporter's one door to per-process fields: the model's reader (`listProcesses`), so the
 * exporter's values mean what `ps` and `top` mean. It adds one count the model does not keep:
 * processes listed by readdir that were gone before they could be read.
 */
import { listProcesses, type ProcessField, type ProcessRecord } from "../model/reader.js";
import type { ProcessContext } from "../processes/process.js";

export type SourceField = ProcessField;
export type SourceRecord = Partial<ProcessRecord<ProcessField>> & Pick<ProcessRecord<never>, "pid" | "startTimeTicks" | "errors">;

export interface SourceListing {
  readonly processes: SourceRecord[];
  readonly skipped: { readonly count: number; readonly reasons: Readonly<Record<string, number>> };
  /** Processes listed by readdir that were gone before they could be read. */
  readonly vanished: number;
}

/**
 * Reads the asked fields of every process (or of `pids`). Never throws per process: vanished
 * ones are counted, unreadable ones skipped with a reason, unreadable fields null with a reason.
 */
export function listSourceProcesses(
  context: ProcessContext,
  options: { readonly fields: readonly SourceField[]; readonly pids?: readonly number[] },
): SourceListing {
  const pids = options.pids ?? context.procFs.listPids();
  const listing = listProcesses(context, { fields: options.fields, pids });
  return {
    processes: listing.processes as SourceRecord[],
    skipped: listing.skipped,
    vanished: Math.max(0, pids.length - listing.processes.length - listing.skipped.count),
  };
}
