/**
 * The exporter's one door to process data: records with the model's field names (units in
 * names), read through ProcFs and the parsers. When the model's `listProcesses(context, {fields})`
 * lands this file becomes a thin call to it; nothing else in src/exporter/ reads /proc for
 * per-process fields.
 */
import { AccessDenied, ProcError, ProcessGone } from "../errors.js";
import type { ProcessContext } from "../processes/process.js";
import { parseCmdline } from "../procfs/pid/cmdline.js";
import { parsePidIo } from "../procfs/pid/io.js";
import { parsePidLimits, pidLimit } from "../procfs/pid/limits.js";
import { parsePidSmaps, smapsTotals } from "../procfs/pid/smaps.js";
import { parsePidStat } from "../procfs/pid/stat.js";
import { parsePidStatus } from "../procfs/pid/status.js";

/** The fields the exporter asks for; each names the model's field of the same name. */
export type SourceField =
  | "comm"
  | "state"
  | "threads"
  | "cpuUserSeconds"
  | "cpuSystemSeconds"
  | "childrenCpuUserSeconds"
  | "childrenCpuSystemSeconds"
  | "minorFaults"
  | "majorFaults"
  | "vszBytes"
  | "rssBytes"
  | "swapBytes"
  | "uid"
  | "user"
  | "voluntaryCtxSwitches"
  | "nonvoluntaryCtxSwitches"
  | "readBytes"
  | "writeBytes"
  | "fdLimit"
  | "cmdline"
  | "pssBytes"
  | "swapPssBytes";

export interface SourceRecord {
  readonly pid: number;
  readonly startTimeTicks: number;
  readonly comm?: string;
  readonly state?: string;
  readonly threads?: number;
  readonly cpuUserSeconds?: number;
  readonly cpuSystemSeconds?: number;
  readonly childrenCpuUserSeconds?: number;
  readonly childrenCpuSystemSeconds?: number;
  readonly minorFaults?: number;
  readonly majorFaults?: number;
  readonly vszBytes?: number;
  readonly rssBytes?: number | null;
  readonly swapBytes?: number | null;
  readonly uid?: number | null;
  readonly user?: string | null;
  readonly voluntaryCtxSwitches?: number | null;
  readonly nonvoluntaryCtxSwitches?: number | null;
  readonly readBytes?: number | null;
  readonly writeBytes?: number | null;
  /** Soft RLIMIT_NOFILE; null when unlimited or unreadable. */
  readonly fdLimit?: number | null;
  readonly cmdline?: readonly string[] | null;
  readonly pssBytes?: number | null;
  readonly swapPssBytes?: number | null;
  readonly errors: Record<string, string>;
}

export interface SourceListing {
  readonly processes: SourceRecord[];
  readonly skipped: { count: number; reasons: Record<string, number> };
  /** Processes listed by readdir that were gone before they could be read. */
  readonly vanished: number;
}

function reasonOf(error: unknown): string {
  if (error instanceof ProcessGone) throw error;
  if (error instanceof AccessDenied) return `permission denied: ${error.reason}`;
  if (error instanceof ProcError) return error.message;
  throw error;
}

/**
 * Reads the asked fields of every process (or of `pids`). Never throws per process: vanished
 * ones are counted, unreadable ones skipped with a reason, unreadable fields null with a reason.
 */
export function listSourceProcesses(
  context: ProcessContext,
  options: { fields: readonly SourceField[]; pids?: readonly number[] },
): SourceListing {
  const want = new Set(options.fields);
  const { procFs, system } = context;
  const pids = options.pids ?? procFs.listPids();
  const processes: SourceRecord[] = [];
  const reasons: Record<string, number> = {};
  let skippedCount = 0;
  let vanished = 0;
  const needStatus = ["rssBytes", "swapBytes", "uid", "user", "voluntaryCtxSwitches", "nonvoluntaryCtxSwitches"].some((f) =>
    want.has(f as SourceField),
  );
  for (const pid of pids) {
    let dir: ReturnType<typeof procFs.openProcess>;
    try {
      dir = procFs.openProcess(pid);
    } catch (error) {
      if (error instanceof ProcessGone) vanished++;
      else if (error instanceof ProcError) {
        skippedCount++;
        reasons[error.kind] = (reasons[error.kind] ?? 0) + 1;
      } else throw error;
      continue;
    }
    try {
      const stat = dir.parse("stat", parsePidStat);
      const errors: Record<string, string> = {};
      const ticks = system.clockTicks;
      const r: Record<string, unknown> = { pid, startTimeTicks: stat.startTimeTicks, errors };
      if (want.has("comm")) r.comm = stat.comm;
      if (want.has("state")) r.state = stat.state;
      if (want.has("threads")) r.threads = stat.numThreads;
      if (want.has("cpuUserSeconds")) r.cpuUserSeconds = stat.utimeTicks / ticks;
      if (want.has("cpuSystemSeconds")) r.cpuSystemSeconds = stat.stimeTicks / ticks;
      if (want.has("childrenCpuUserSeconds")) r.childrenCpuUserSeconds = stat.cutimeTicks / ticks;
      if (want.has("childrenCpuSystemSeconds")) r.childrenCpuSystemSeconds = stat.cstimeTicks / ticks;
      if (want.has("minorFaults")) r.minorFaults = stat.minorFaults;
      if (want.has("majorFaults")) r.majorFaults = stat.majorFaults;
      if (want.has("vszBytes")) r.vszBytes = stat.vsizeBytes;
      if (needStatus) {
        const statusFields = ["rssBytes", "swapBytes", "uid", "user", "voluntaryCtxSwitches", "nonvoluntaryCtxSwitches"] as const;
        try {
          const status = dir.parse("status", parsePidStatus);
          const uid = status.uids?.effective ?? null;
          const values = {
            rssBytes: status.vmRssBytes ?? (stat.state === "Z" ? 0 : stat.rssPages * system.pageSize),
            swapBytes: status.vmSwapBytes ?? 0,
            uid,
            user: uid === null ? null : context.users.userName(uid),
            voluntaryCtxSwitches: status.voluntaryCtxtSwitches,
            nonvoluntaryCtxSwitches: status.nonvoluntaryCtxtSwitches,
          };
          for (const f of statusFields) if (want.has(f)) r[f] = values[f];
        } catch (error) {
          const reason = reasonOf(error);
          for (const f of statusFields)
            if (want.has(f)) {
              r[f] = null;
              errors[f] = reason;
            }
        }
      }
      if (want.has("readBytes") || want.has("writeBytes")) {
        try {
          const io = dir.parse("io", parsePidIo);
          if (want.has("readBytes")) r.readBytes = io.readBytes;
          if (want.has("writeBytes")) r.writeBytes = io.writeBytes;
        } catch (error) {
          const reason = reasonOf(error);
          for (const f of ["readBytes", "writeBytes"] as const)
            if (want.has(f)) {
              r[f] = null;
              errors[f] = reason;
            }
        }
      }
      if (want.has("fdLimit")) {
        try {
          const limit = pidLimit(dir.parse("limits", parsePidLimits), "RLIMIT_NOFILE");
          r.fdLimit = limit === null || limit.soft === "unlimited" ? null : Number(limit.soft);
          if (r.fdLimit === null) errors.fdLimit = "no soft limit on open files";
        } catch (error) {
          r.fdLimit = null;
          errors.fdLimit = reasonOf(error);
        }
      }
      if (want.has("cmdline")) {
        try {
          r.cmdline = dir.parseBytes("cmdline", parseCmdline);
        } catch (error) {
          r.cmdline = null;
          errors.cmdline = reasonOf(error);
        }
      }
      if (want.has("pssBytes") || want.has("swapPssBytes")) {
        try {
          const totals = smapsTotals(dir.parse("smaps_rollup", parsePidSmaps));
          if (want.has("pssBytes")) r.pssBytes = totals.pss;
          if (want.has("swapPssBytes")) r.swapPssBytes = totals.swapPss;
        } catch (error) {
          const reason = reasonOf(error);
          for (const f of ["pssBytes", "swapPssBytes"] as const)
            if (want.has(f)) {
              r[f] = null;
              errors[f] = reason;
            }
        }
      }
      processes.push(r as unknown as SourceRecord);
    } catch (error) {
      if (error instanceof ProcessGone) vanished++;
      else if (error instanceof ProcError) {
        skippedCount++;
        reasons[error.kind] = (reasons[error.kind] ?? 0) + 1;
      } else throw error;
    } finally {
      dir.close();
    }
  }
  return { processes, skipped: { count: skippedCount, reasons }, vanished };
}
