/**
 * The one adapter between the audit and the process reader: the rules see `AuditedProcess` rows
 * read by the model's field-driven `listProcesses` (src/model/reader.ts).
 */
import { type FieldErrors, listProcesses, type ProcessContext, readProcess } from "../model/reader.js";

export interface AuditedProcess {
  readonly pid: number;
  readonly startTimeTicks: number;
  readonly ppid: number;
  readonly comm: string;
  readonly state: string;
  readonly uid: number | null;
  /** The exe link text, " (deleted)" included; null for kernel threads, zombies, or unreadable. */
  readonly exe: string | null;
  readonly cmdline: readonly string[] | null;
  readonly kernelThread: boolean;
  readonly threads: number;
  readonly vszBytes: number;
  readonly rssBytes: number | null;
  readonly errors: FieldErrors;
}

export interface Skipped {
  count: number;
  reasons: Record<string, number>;
}

export function emptySkipped(): Skipped {
  return { count: 0, reasons: {} };
}

export function addSkip(skipped: Skipped, reason: string): void {
  skipped.count++;
  skipped.reasons[reason] = (skipped.reasons[reason] ?? 0) + 1;
}

const FIELDS = ["ppid", "comm", "state", "uid", "exe", "cmdline", "kernelThread", "threads", "vszBytes", "rssBytes"] as const;

/** Lists processes with the fields the rules need; processes that could not be read are counted. */
export function listAuditedProcesses(context: ProcessContext, pids?: readonly number[]): { processes: AuditedProcess[]; skipped: Skipped } {
  const listing = listProcesses(context, { fields: FIELDS, ...(pids ? { pids } : {}) });
  return { processes: listing.processes, skipped: { count: listing.skipped.count, reasons: { ...listing.skipped.reasons } } };
}

/** Reads one process for the rules; throws ProcessGone or AccessDenied (hidepid) as readProcess does. */
export function readAuditedProcess(context: ProcessContext, pid: number): AuditedProcess {
  return readProcess(context, pid, FIELDS);
}
