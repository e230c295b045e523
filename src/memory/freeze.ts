/**
 * Freezing a process for the length of a write: SIGSTOP stops every thread of the thread group
 * (signal(7)); we wait until /proc/PID/task/TID/stat shows each thread stopped (state T, or t
 * under a tracer), and SIGCONT it afterwards — unless it was already stopped when we came, in
 * which case it stays stopped.
 *
 * Known limit: a foreground job of an interactive shell that is stopped this way is reported by
 * its shell as "Stopped" and the shell takes back the terminal; only ptrace (PTRACE_INTERRUPT)
 * stops a process without its parent noticing.
 */
import { sleepUnlessAborted } from "../_sleep.js";
import type { ProcessDir } from "../access/proc-fs.js";
import { Conflict, ProcError, ProcessGone } from "../errors.js";
import { type ProcessRef, sameProcess } from "../model/ref.js";
import { parsePidStat } from "../procfs/pid/stat.js";

/** A process held stopped; `thaw()` lets it run again (a no-op if it was stopped before). */
export interface Frozen {
  readonly pid: number;
  /** The process was already stopped (state T or t) before we came: thaw leaves it stopped. */
  readonly wasStopped: boolean;
  thaw(): void;
}

export interface FreezeOptions {
  /** Give up (and continue the process) if it has not stopped after this long. Default 2000 ms. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /** Injected for tests; default process.kill. */
  readonly kill?: (pid: number, signal: NodeJS.Signals) => void;
}

const STOPPED = new Set(["T", "t"]);
/** States in which a thread will never report T: it is dead. */
const DEAD = new Set(["Z", "X", "x"]);

function threadStates(dir: ProcessDir): Map<string, string> {
  const states = new Map<string, string>();
  let tids: string[];
  try {
    tids = dir.listDir("task");
  } catch (error) {
    if (error instanceof ProcError && error.kind === "ProcessGone") throw error;
    tids = [];
  }
  for (const tid of tids) {
    try {
      states.set(tid, parsePidStat(dir.readText(`task/${tid}/stat`)).state);
    } catch (error) {
      if (error instanceof ProcError && error.kind === "ProcessGone") throw error;
      // A thread that exits while we look is no longer one to wait for.
    }
  }
  return states;
}

/**
 * Stops process `dir.pid` (whose identity the caller has checked through `dir`) and resolves once
 * every thread is stopped. const frozen = await freezeProcess(dir, startTimeTicks); try { … } finally { frozen.thaw(); }
 */
export async function freezeProcess(dir: ProcessDir, startTimeTicks: number, options: FreezeOptions = {}): Promise<Frozen> {
  const kill = options.kill ?? ((pid: number, signal: NodeJS.Signals) => process.kill(pid, signal));
  const pid = dir.pid;
  const ref: ProcessRef = { pid, startTimeTicks };
  const checkIdentity = (): string => {
    const stat = parsePidStat(dir.readText("stat"));
    if (!sameProcess({ pid, startTimeTicks: stat.startTimeTicks }, ref)) throw new ProcessGone(pid, { reused: true });
    return stat.state;
  };
  const state = checkIdentity();
  if (STOPPED.has(state)) return { pid, wasStopped: true, thaw() {} };
  if (DEAD.has(state)) throw new ProcessGone(pid);
  try {
    kill(pid, "SIGSTOP");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") throw new ProcessGone(pid, { cause: error });
    throw error;
  }
  let thawed = false;
  const thaw = (): void => {
    if (thawed) return;
    thawed = true;
    try {
      // The directory handle answers ESRCH once the process is gone, so a reused PID is not signalled.
      checkIdentity();
      kill(pid, "SIGCONT");
    } catch {
      // Gone: nothing to continue.
    }
  };
  const deadline = Date.now() + (options.timeoutMs ?? 2000);
  try {
    for (let delay = 1; ; delay = Math.min(delay * 2, 20)) {
      const states = threadStates(dir);
      const running = [...states].filter(([, s]) => !STOPPED.has(s) && !DEAD.has(s));
      if (states.size > 0 && running.length === 0) break;
      if (states.size === 0) throw new ProcessGone(pid);
      if (Date.now() > deadline) {
        const [tid, s] = running[0] as [string, string];
        throw new Conflict(
          `process ${pid} did not stop within ${options.timeoutMs ?? 2000} ms (thread ${tid} is in state ${s}${s === "D" ? ", uninterruptible sleep" : ""}); retry, or do not stop it`,
          { option: "stop" },
        );
      }
      await sleepUnlessAborted(delay, options.signal);
      options.signal?.throwIfAborted();
    }
  } catch (error) {
    thaw();
    throw error;
  }
  return { pid, wasStopped: false, thaw };
}
