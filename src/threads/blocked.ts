/**
 * Tasks in uninterruptible sleep (state D) across the system: what is stuck, where in the kernel,
 * and for how long where the kernel tells (sched's se.exec_start against our own, and the block
 * I/O delay of delay accounting).
 */

import type { ProcessDir } from "../access/proc-fs.js";
import { ProcError, ProcessGone } from "../errors.js";
import { fieldFailure } from "../model/reader.js";
import type { BlockedTask } from "../model/thread.js";
import type { FieldErrors } from "../processes/process.js";
import { parsePidSched } from "../procfs/pid/sched.js";
import type { StackFrame } from "../procfs/pid/stack.js";
import { parsePidStat } from "../procfs/pid/stat.js";
import { readStackFrom, readThreadFrom, type ThreadContext } from "./threads.js";

export type { BlockedTask };

export interface BlockedOptions {
  /** The states that count as blocked; default ["D"]. */
  readonly states?: readonly string[];
  /** Only the tasks of these processes (default: every process). */
  readonly pids?: readonly number[];
  readonly signal?: AbortSignal;
  /** Told of each process whose tasks could not be listed (hidepid, another user's): it is left out. */
  readonly onSkipped?: (pid: number, error: ProcError) => void;
}

/** Our own runqueue clock reading, in ms: the "now" for se.exec_start of other tasks. */
function schedNowMs(context: ThreadContext): number | null {
  try {
    return context.procFs.parse("thread-self/sched", parsePidSched).execStartMs;
  } catch {
    return null;
  }
}

function readBlocked(dir: ProcessDir, pid: number, tid: number, context: ThreadContext, nowMs: number | null): BlockedTask {
  const thread = readThreadFrom(dir, pid, tid, context);
  const errors: FieldErrors = { ...thread.errors };
  let stack: readonly StackFrame[] | null = null;
  try {
    stack = readStackFrom(dir);
  } catch (error) {
    errors.stack = fieldFailure(error);
  }
  let blockedFor: number | null = null;
  try {
    const sched = dir.parse("sched", parsePidSched);
    if (nowMs === null) errors.blockedForSeconds = "our own sched clock could not be read";
    else if (sched.execStartMs === null) errors.blockedForSeconds = "sched has no se.exec_start";
    else blockedFor = Math.max(0, (nowMs - sched.execStartMs) / 1000);
  } catch (error) {
    errors.blockedForSeconds = fieldFailure(error);
  }
  return { ...thread, blockedForSeconds: blockedFor, stack, errors };
}

/**
 * Every task (thread) in uninterruptible sleep, longest blocked first. Never throws for a task
 * that vanishes or cannot be read: it is skipped, or its fields are null with reasons.
 * listBlocked(context).map((t) => `${t.tid} ${t.wchan}`)
 */
export function listBlocked(context: ThreadContext, options: BlockedOptions = {}): BlockedTask[] {
  const states = new Set(options.states ?? ["D"]);
  const { procFs } = context;
  const nowMs = schedNowMs(context);
  const out: BlockedTask[] = [];
  for (const pid of options.pids ?? procFs.listPids()) {
    options.signal?.throwIfAborted();
    let tids: string[];
    try {
      tids = procFs.listDir(`${pid}/task`);
    } catch (error) {
      if (!(error instanceof ProcError)) throw error;
      if (!(error instanceof ProcessGone)) options.onSkipped?.(pid, error);
      continue;
    }
    for (const name of tids) {
      if (!/^\d+$/.test(name)) continue;
      const tid = Number(name);
      let state: string;
      try {
        state = parsePidStat(procFs.readText(`${pid}/task/${tid}/stat`)).state;
      } catch {
        continue;
      }
      if (!states.has(state)) continue;
      let dir: ProcessDir;
      try {
        dir = procFs.openProcess(pid, tid);
      } catch {
        continue;
      }
      try {
        const task = readBlocked(dir, pid, tid, context, nowMs);
        if (states.has(task.state)) out.push(task);
      } catch (error) {
        if (!(error instanceof ProcessGone)) throw error;
      } finally {
        dir.close();
      }
    }
  }
  return out.sort((a, b) => (b.blockedForSeconds ?? -1) - (a.blockedForSeconds ?? -1) || a.pid - b.pid || a.tid - b.tid);
}
