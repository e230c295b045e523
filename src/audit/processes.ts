/**
 * The one adapter between the audit and the process reader: the rules see `AuditedProcess` rows,
 * whoever reads them. Today it calls `src/processes/list.ts`; when the model's field-driven
 * `listProcesses(context, { fields })` lands, only this file changes.
 */
import { ProcError } from "../errors.js";
import { listProcesses } from "../processes/list.js";
import type { FieldErrors, ProcessContext } from "../processes/process.js";

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
  readonly rssBytes: number;
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

/** Lists processes with the fields the rules need; processes that could not be read are counted. */
export function listAuditedProcesses(context: ProcessContext, pids?: readonly number[]): { processes: AuditedProcess[]; skipped: Skipped } {
  const skipped = emptySkipped();
  const rows = listProcesses(context, {
    fields: { user: true, cmdline: true, exe: true },
    ...(pids ? { pids } : {}),
    onSkip: (_pid, error) => addSkip(skipped, error instanceof ProcError ? error.kind : "error"),
  });
  const processes = rows.map(
    (p): AuditedProcess => ({
      pid: p.pid,
      startTimeTicks: p.startTimeTicks,
      ppid: p.ppid,
      comm: p.comm,
      state: p.state,
      uid: p.uid,
      exe: p.exe,
      cmdline: p.cmdline,
      kernelThread: p.kernelThread,
      threads: p.threads,
      vszBytes: p.vsz,
      rssBytes: p.rss,
      errors: p.errors,
    }),
  );
  return { processes, skipped };
}
