/**
 * Threads of one process: state, CPU time, wait channel, context switches, current system call
 * and kernel stack, read from /proc/PID/task/TID/*. Threads that exit while being read are skipped.
 */

import type { ProcessDir, ProcFs } from "../access/proc-fs.js";
import type { SystemInfo } from "../access/system-info.js";
import { rawBase64IfInvalid } from "../bytes.js";
import { AccessDenied, errnoCode, NotFound, ProcessGone, Unavailable } from "../errors.js";
import { fieldFailure } from "../model/reader.js";
import type { Thread, ThreadStack } from "../model/thread.js";
import type { FieldErrors } from "../processes/process.js";
import { parsePidStack, type StackFrame } from "../procfs/pid/stack.js";
import { isKernelThreadFlags, parsePidStat } from "../procfs/pid/stat.js";
import { parsePidStatus } from "../procfs/pid/status.js";
import { parsePidSyscall } from "../procfs/pid/syscall.js";
import { parsePidWchan } from "../procfs/pid/wchan.js";
import { type CurrentSyscall, decodeSyscall } from "./syscall.js";

export type { Thread, ThreadStack };

/** What the thread readers need: /proc and the clock-tick rate. */
export interface ThreadContext {
  readonly procFs: ProcFs;
  readonly system: Pick<SystemInfo, "clockTicks">;
}

export interface ThreadOptions {
  /** Only this thread; NotFound when it is not a thread of the process. */
  readonly tid?: number;
}

/** Lists the thread ids of a process, checking `tid` belongs to it. */
function threadIds(dir: ProcessDir, pid: number, tid: number | undefined): number[] {
  const tids = dir
    .listDir("task")
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .sort((a, b) => a - b);
  if (tid === undefined) return tids;
  if (!tids.includes(tid)) throw new NotFound(`thread ${tid} is not a thread of process ${pid}`);
  return [tid];
}

/** Reads one thread through its open directory; throws ProcessGone if it exits meanwhile. */
export function readThreadFrom(dir: ProcessDir, pid: number, tid: number, context: ThreadContext): Thread {
  const stat = dir.parse("stat", parsePidStat);
  const errors: FieldErrors = {};
  let voluntary: number | null = null;
  let nonvoluntary: number | null = null;
  try {
    const status = dir.parse("status", parsePidStatus);
    voluntary = status.voluntaryCtxtSwitches;
    nonvoluntary = status.nonvoluntaryCtxtSwitches;
  } catch (error) {
    errors.voluntaryCtxSwitches = errors.nonvoluntaryCtxSwitches = fieldFailure(error);
  }
  let wchan: string | null = null;
  try {
    wchan = readWchan(dir, stat.state);
  } catch (error) {
    errors.wchan = fieldFailure(error);
  }
  let syscall: CurrentSyscall | null = null;
  if (stat.state === "Z" || stat.state === "X") errors.syscall = "zombie: it has exited";
  else if (isKernelThreadFlags(stat.flags)) {
    // A kernel thread's saved registers are zeros, which would read as syscall 0 (read on x86_64).
    syscall = { state: "none", number: null, name: null, args: [], stackPointer: null, programCounter: null };
  } else {
    try {
      syscall = decodeSyscall(dir.parse("syscall", parsePidSyscall));
    } catch (error) {
      errors.syscall = fieldFailure(error);
    }
  }
  const ticks = context.system.clockTicks;
  const commTwin = stat.comm.includes("\\x") ? commBytesTwin(dir) : null;
  return {
    pid,
    tid,
    comm: stat.comm,
    ...(commTwin === null ? {} : { rawBase64: { comm: commTwin } }),
    state: stat.state,
    startTimeTicks: stat.startTimeTicks,
    cpuUserSeconds: stat.utimeTicks / ticks,
    cpuSystemSeconds: stat.stimeTicks / ticks,
    cpuSeconds: (stat.utimeTicks + stat.stimeTicks) / ticks,
    lastCpu: stat.processor,
    wchan,
    voluntaryCtxSwitches: voluntary,
    nonvoluntaryCtxSwitches: nonvoluntary,
    blkioDelaySeconds: stat.delayacctBlkioTicks === null ? null : stat.delayacctBlkioTicks / ticks,
    syscall,
    errors,
  };
}

/**
 * The raw bytes of a thread name that is not valid UTF-8 (stat shows them as \xNN), from the comm
 * file; null when it reads as valid after all or cannot be read (the text still says what it can).
 */
function commBytesTwin(dir: ProcessDir): string | null {
  try {
    const bytes = dir.readBytes("comm");
    return rawBase64IfInvalid(bytes.subarray(0, bytes[bytes.length - 1] === 0x0a ? -1 : undefined));
  } catch {
    return null;
  }
}

/** PF_EXITING (include/linux/sched.h): set on a task that has begun to exit. */
const PF_EXITING = 0x4;

const SIGKILL_PENDING = 1 << 8;

/**
 * True when the process behind `dir` is gone, a zombie, or on its way out. A group exit (SIGKILL)
 * queues SIGKILL on every thread at once, but the main thread sets PF_EXITING only when it next
 * runs, after others may already be gone: its pending SIGKILL says it too.
 */
function processExiting(dir: ProcessDir): boolean {
  try {
    const stat = parsePidStat(dir.readText("stat"));
    return stat.state === "Z" || stat.state === "X" || (stat.flags & PF_EXITING) !== 0 || (stat.pendingSignals & SIGKILL_PENDING) !== 0;
  } catch (error) {
    if (error instanceof ProcessGone) return true;
    throw error;
  }
}

/** Runs `read` for each thread of `pid`, skipping threads that exit meanwhile. */
function eachThread<T>(context: ThreadContext, pid: number, options: ThreadOptions, read: (dir: ProcessDir, tid: number) => T): T[] {
  const dir = context.procFs.openProcess(pid);
  try {
    const tids = threadIds(dir, pid, options.tid);
    const out: T[] = [];
    for (const tid of tids) {
      let taskDir: ProcessDir;
      try {
        taskDir = context.procFs.openProcess(pid, tid);
      } catch (error) {
        if (!(error instanceof ProcessGone) || options.tid !== undefined) throw error;
        // A thread that exits is skipped; if the whole process is exiting, its other threads
        // vanish one by one and any still readable are leftovers: keep what was read before.
        if (processExiting(dir)) break;
        continue;
      }
      try {
        out.push(read(taskDir, tid));
      } catch (error) {
        if (!(error instanceof ProcessGone) || options.tid !== undefined) throw error;
        if (processExiting(dir)) break;
      } finally {
        taskDir.close();
      }
    }
    if (out.length === 0) dir.readText("stat");
    return out;
  } finally {
    dir.close();
  }
}

/**
 * Every thread of a process (or one, with `tid`). Throws ProcessGone if the process does not
 * exist or exits; NotFound if `tid` is not one of its threads.
 * listThreads(context, 42).map((t) => t.tid)  // [42, 43, 44]
 */
export function listThreads(context: ThreadContext, pid: number, options: ThreadOptions = {}): Thread[] {
  return eachThread(context, pid, options, (dir, tid) => readThreadFrom(dir, pid, tid, context));
}

/**
 * The wait channel of a task, null when it waits on nothing. The kernel prints "0" both when the
 * task is not waiting and when the caller may not ptrace it (proc_pid_wchan): for a sleeping task,
 * a "0" is checked against that access, and AccessDenied (with the reason) is thrown when it is
 * missing, so "not waiting" is never claimed for what was hidden.
 */
export function readWchan(dir: ProcessDir, state: string): string | null {
  const wchan = dir.parse("wchan", parsePidWchan);
  if (wchan !== null || state === "R" || state === "Z" || state === "X") return wchan;
  try {
    // environ is opened with the same check (PTRACE_MODE_READ_FSCREDS); nothing is read.
    dir.openRaw("environ", "r").close();
  } catch (error) {
    if (error instanceof AccessDenied) throw error;
  }
  return wchan;
}

/** Reads a kernel stack; AccessDenied and Unavailable say what the user can do about them. */
export function readStackFrom(dir: ProcessDir): readonly StackFrame[] {
  try {
    return dir.parse("stack", parsePidStack);
  } catch (error) {
    if (error instanceof AccessDenied) {
      const root = typeof process.geteuid === "function" && process.geteuid() === 0;
      if (!root) throw new AccessDenied(error.path ?? "stack", "kernel stacks are readable only by root (CAP_SYS_ADMIN)", error);
    }
    if (error instanceof Unavailable && errnoCode(error.cause) === "ENOENT")
      throw new Unavailable(`this kernel does not offer kernel stacks: "${error.path ?? "stack"}" is missing (CONFIG_STACKTRACE)`, {
        ...(error.path === undefined ? {} : { path: error.path }),
        cause: error,
      });
    throw error;
  }
}

/**
 * Every thread of a process with its kernel stack. Kernel stacks are root-only: throws
 * AccessDenied (exit 4 in the CLI) rather than returning a list of blanks; Unavailable when the
 * kernel has no stack files.
 * readThreadStacks(context, 42)[0].stack[0].symbol  // "do_nanosleep"
 */
export function readThreadStacks(context: ThreadContext, pid: number, options: ThreadOptions = {}): ThreadStack[] {
  return eachThread(context, pid, options, (dir, tid) => {
    const thread = readThreadFrom(dir, pid, tid, context);
    // A zombie's stack file is empty, which would read as "running in user space".
    if (thread.state === "Z" || thread.state === "X")
      return { ...thread, stack: null, errors: { ...thread.errors, stack: "zombie: it has exited, so it has no kernel stack" } };
    return { ...thread, stack: readStackFrom(dir) };
  });
}
