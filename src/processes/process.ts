/**
 * The `Process` shape shared by `ps`, `tree`, `top`, the HTTP API and the web UI, and the code
 * that fills it from one process directory held open (so every field belongs to one process).
 */
import type { ProcessDir, ProcFs } from "../access/proc-fs.js";
import type { SystemInfo } from "../access/system-info.js";
import { decodeBytes } from "../bytes.js";
import { AccessDenied, ProcError, ProcessGone } from "../errors.js";
import { parseCmdline } from "../procfs/pid/cmdline.js";
import { type PidStat, parsePidStat } from "../procfs/pid/stat.js";
import { type PidStatus, parsePidStatusBrief } from "../procfs/pid/status.js";
import { ttyName } from "./tty.js";

export const ZOMBIE_REASON = "zombie: it has exited and waits for its parent to reap it";

/** Kernel threads have PF_KTHREAD set in stat's flags (include/linux/sched.h). */
const PF_KTHREAD = 0x00200000;

export interface UserNames {
  userName(uid: number): string;
}

/** What the readers need besides /proc itself. */
export interface ProcessContext {
  readonly procFs: ProcFs;
  readonly system: SystemInfo;
  readonly users: UserNames;
}

/** Why a field is null: a sentence a user can act on. Keyed by field name. */
export type FieldErrors = Record<string, string>;

export interface Process {
  readonly pid: number;
  readonly ppid: number;
  readonly pgid: number;
  readonly sid: number;
  /** Effective uid (as ps's USER column); null if status could not be read. */
  readonly uid: number | null;
  readonly user: string | null;
  /** One letter, as in stat: R S D Z T t I X. */
  readonly state: string;
  readonly comm: string;
  /** argv; empty for kernel threads and zombies; null if it could not be read. */
  readonly cmdline: readonly string[] | null;
  readonly exe: string | null;
  readonly tty: string | null;
  readonly threads: number;
  readonly nice: number;
  readonly priority: number;
  /** ISO 8601; null if the boot time is unknown (a captured tree without /proc/stat). */
  readonly startTime: string | null;
  /** Clock ticks after boot; with the pid, the process's identity. */
  readonly startTimeTicks: number;
  /** User + system CPU seconds (not counting children). */
  readonly cpuTime: number;
  /** Lifetime CPU use as ps computes it: cpuTime / seconds since start × 100; null without uptime. */
  readonly cpuPercent: number | null;
  readonly rss: number;
  readonly vsz: number;
  readonly kernelThread: boolean;
  readonly errors: FieldErrors;
}

/** Which optional files a listing reads; stat is always read. */
export interface ProcessFields {
  readonly user?: boolean;
  readonly cmdline?: boolean;
  readonly exe?: boolean;
}

export const ALL_FIELDS: ProcessFields = { user: true, cmdline: true, exe: true };

/** ps's pcpu: CPU seconds over seconds since the process started, in percent, one decimal. */
export function lifetimeCpuPercent(stat: PidStat, system: SystemInfo): number | null {
  if (system.uptimeSeconds === null) return null;
  const cpuTicks = stat.utimeTicks + stat.stimeTicks;
  const elapsed = system.uptimeSeconds - stat.startTimeTicks / system.clockTicks;
  if (elapsed <= 0) return 0;
  return Math.round((cpuTicks / system.clockTicks / elapsed) * 1000) / 10;
}

export function startTimeIso(startTimeTicks: number, system: SystemInfo): string | null {
  if (system.bootTime === null) return null;
  return new Date((system.bootTime + startTimeTicks / system.clockTicks) * 1000).toISOString();
}

/** Turns an error from a field read into its reason, rethrowing what must end the process read. */
export function fieldFailure(error: unknown): string {
  if (error instanceof ProcessGone) throw error;
  if (error instanceof AccessDenied) return `permission denied: ${error.reason}`;
  if (error instanceof ProcError) return error.message;
  throw error;
}

export function isKernelThread(stat: PidStat): boolean {
  return (stat.flags & PF_KTHREAD) !== 0;
}

/**
 * Reads one process through an open directory. Throws ProcessGone if it exits meanwhile;
 * other failures become null fields with reasons.
 */
export function readProcessFrom(dir: ProcessDir, context: ProcessContext, fields: ProcessFields, status?: PidStatus): Process {
  const stat = dir.parse("stat", parsePidStat);
  const errors: FieldErrors = {};
  const kernelThread = isKernelThread(stat);
  const zombie = stat.state === "Z" || stat.state === "X";

  let uid: number | null = null;
  let user: string | null = null;
  let vmRssBytes: number | null = null;
  if (fields.user) {
    try {
      const brief = status ?? dir.parse("status", parsePidStatusBrief);
      vmRssBytes = brief.vmRssBytes;
      uid = brief.uids?.effective ?? null;
      user = uid === null ? null : context.users.userName(uid);
      if (uid === null) errors.uid = errors.user = "status has no Uid line";
    } catch (error) {
      errors.uid = errors.user = fieldFailure(error);
    }
  }

  let cmdline: string[] | null = null;
  if (fields.cmdline) {
    try {
      cmdline = dir.parseBytes("cmdline", parseCmdline);
    } catch (error) {
      errors.cmdline = fieldFailure(error);
    }
  }

  let exe: string | null = null;
  if (fields.exe) {
    if (kernelThread) errors.exe = "kernel thread: it has no executable";
    else if (zombie) errors.exe = ZOMBIE_REASON;
    else {
      try {
        exe = decodeBytes(dir.readLink("exe"));
      } catch (error) {
        errors.exe = fieldFailure(error);
      }
    }
  }

  const { system } = context;
  if (system.bootTime === null) errors.startTime = system.errors.bootTime ?? "boot time unknown";
  if (system.uptimeSeconds === null) errors.cpuPercent = system.errors.uptimeSeconds ?? "uptime unknown";
  return {
    // The directory name is how the process is addressed; the kernel always writes the same PID
    // into stat, but a captured tree need not.
    pid: dir.pid,
    ppid: stat.ppid,
    pgid: stat.pgrp,
    sid: stat.session,
    uid,
    user,
    state: stat.state,
    comm: stat.comm,
    cmdline,
    exe,
    tty: ttyName(stat.ttyNr),
    threads: stat.numThreads,
    nice: stat.nice,
    priority: stat.priority,
    startTime: startTimeIso(stat.startTimeTicks, system),
    startTimeTicks: stat.startTimeTicks,
    cpuTime: (stat.utimeTicks + stat.stimeTicks) / system.clockTicks,
    cpuPercent: lifetimeCpuPercent(stat, system),
    // stat's rss lags behind (the kernel batches per-CPU RSS counters); status's VmRSS is what
    // procps and psutil report. Without status (not requested or unreadable) fall back to stat.
    rss: vmRssBytes ?? stat.rssPages * system.pageSize,
    vsz: stat.vsizeBytes,
    kernelThread,
    errors,
  };
}

/**
 * Reads one process by PID. Throws ProcessGone when it does not exist or exits meanwhile.
 * readProcess(context, 1).comm === "systemd"
 */
export function readProcess(context: ProcessContext, pid: number, fields: ProcessFields = ALL_FIELDS): Process {
  const dir = context.procFs.openProcess(pid);
  try {
    return readProcessFrom(dir, context, fields);
  } finally {
    dir.close();
  }
}
