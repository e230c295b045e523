/**
 * A PID alone is not an identity: the kernel hands a PID out again once its process is reaped. The
 * pair (pid, start time in clock ticks after boot, stat field 22) names one process for the life of
 * the machine. Everything that acts later on a process it read earlier (a write, a freeze, follow,
 * recover, the sampler, top's kill) keeps a ProcessRef and verifies it first.
 */
import type { ProcessDir, ProcFs } from "../access/proc-fs.js";
import { InvalidArgument, ProcessGone } from "../errors.js";
import { parsePidStat } from "../procfs/pid/stat.js";

export interface ProcessRef {
  readonly pid: number;
  /** Start time in clock ticks after boot (stat field 22). */
  readonly startTimeTicks: number;
}

/**
 * The ref of the process that has `pid` now. Throws ProcessGone when there is none.
 * readProcessRef(procFs, 1) // { pid: 1, startTimeTicks: 7 }
 */
export function readProcessRef(procFs: ProcFs, pid: number): ProcessRef {
  const dir = procFs.openProcess(pid);
  try {
    return refOf(dir);
  } finally {
    dir.close();
  }
}

/** The ref of the process behind an open directory. */
export function refOf(dir: ProcessDir): ProcessRef {
  return { pid: dir.pid, startTimeTicks: dir.parse("stat", parsePidStat).startTimeTicks };
}

/**
 * Throws ProcessGone (reused: true when another process now has the PID) unless `ref` still names
 * the process that runs under its PID.
 * verifyProcessRef(procFs, ref) // then act on ref.pid
 */
export function verifyProcessRef(procFs: ProcFs, ref: ProcessRef): void {
  const dir = procFs.openProcess(ref.pid);
  try {
    verifyOpenProcess(dir, ref);
  } finally {
    dir.close();
  }
}

/**
 * The same check through a directory already open: afterwards every read through `dir` is of the
 * process `ref` names, since an open /proc/PID directory never switches to a new process.
 */
export function verifyOpenProcess(dir: ProcessDir, ref: ProcessRef): void {
  const now = refOf(dir);
  if (now.startTimeTicks !== ref.startTimeTicks) throw new ProcessGone(ref.pid, { reused: true });
}

/** True if both name the same process. */
export function sameProcess(a: ProcessRef, b: ProcessRef): boolean {
  return a.pid === b.pid && a.startTimeTicks === b.startTimeTicks;
}

/** The ref as text, the form links and logs use: processRefKey({ pid: 42, startTimeTicks: 900 }) === "42@900" */
export function processRefKey(ref: ProcessRef): string {
  return `${ref.pid}@${ref.startTimeTicks}`;
}

/**
 * Parses "PID" or "PID@TICKS"; startTimeTicks is null when the text gives only a PID.
 * parseProcessRefText("42@900") // { pid: 42, startTimeTicks: 900 }
 */
export function parseProcessRefText(text: string): { readonly pid: number; readonly startTimeTicks: number | null } {
  const match = /^([1-9]\d{0,9})(?:@(\d{1,20}))?$/.exec(text);
  if (!match) throw new InvalidArgument(`expected a PID or PID@STARTTICKS, got "${text}"`);
  const pid = Number(match[1]);
  if (pid > 4194304) throw new InvalidArgument(`PID ${pid} is above the kernel's limit (4194304)`);
  return { pid, startTimeTicks: match[2] === undefined ? null : Number(match[2]) };
}
