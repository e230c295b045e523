/**
 * `watch`: processes as they start (and exit), found by polling /proc, like pspy.
 *
 * Each tick reads /proc/loadavg, whose last field is the PID the kernel handed out last; when it
 * has not moved, no process or thread was created and the tick ends there (unless exits are
 * watched, which needs the listing). Otherwise one readdir of the root gives the PIDs, and only
 * the new ones are read (stat, status, cmdline).
 *
 * What polling misses: a process that starts and exits between two ticks is never seen; a PID
 * reused within one tick looks like the old process; an exec without a fork (the same PID runs a
 * new program) is not reported. A new process whose command line still equals its parent's
 * (forked, not yet exec'd), or is empty (caught inside execve), is held back one tick so the
 * command it runs is shown.
 */
import { ProcError, ProcessGone } from "../errors.js";
import { type FieldErrors, fieldFailure, isKernelThread, type ProcessContext, startTimeIso } from "../processes/process.js";
import { parseLoadavg } from "../procfs/loadavg.js";
import { parseCmdline } from "../procfs/pid/cmdline.js";
import { parsePidStat } from "../procfs/pid/stat.js";
import { parsePidStatus } from "../procfs/pid/status.js";

export interface ProcessEvent {
  readonly event: "start" | "exit";
  /** When the event was noticed, ISO 8601 (at most one interval after it happened). */
  readonly time: string;
  readonly pid: number;
  readonly ppid: number;
  readonly uid: number | null;
  readonly user: string | null;
  readonly comm: string;
  /** argv; null if it could not be read (reason in errors); empty for kernel threads. */
  readonly cmdline: readonly string[] | null;
  readonly kernelThread: boolean;
  /** When the process started (from stat field 22), ISO 8601; null if the boot time is unknown. */
  readonly startTime: string | null;
  readonly startTimeTicks: number;
  readonly errors: FieldErrors;
}

export interface WatchOptions {
  /** Poll period in milliseconds (default 100). */
  readonly intervalMs?: number;
  /** Also report exits of processes (including those running when the watch began). */
  readonly exits?: boolean;
  readonly signal: AbortSignal;
  /** Wall clock for event times; injectable for tests. */
  readonly clock?: () => Date;
}

interface Known {
  readonly info: Omit<ProcessEvent, "event" | "time">;
  /** Start not yet reported (waiting for an exec). */
  pending: boolean;
}

export const DEFAULT_WATCH_INTERVAL_MS = 100;

/**
 * Streams start (and, with `exits`, exit) events until the signal aborts.
 * for await (const e of watchProcesses(context, { signal })) console.log(e.pid, e.cmdline)
 */
export async function* watchProcesses(context: ProcessContext, options: WatchOptions): AsyncIterable<ProcessEvent> {
  const { procFs } = context;
  const intervalMs = options.intervalMs ?? DEFAULT_WATCH_INTERVAL_MS;
  const clock = options.clock ?? (() => new Date());
  const known = new Map<number, Known>();

  const lastPid = (): number | null => {
    try {
      return procFs.parse("loadavg", parseLoadavg).lastPid;
    } catch {
      return null;
    }
  };
  const read = (pid: number): Known["info"] | null => {
    let dir: ReturnType<typeof procFs.openProcess>;
    try {
      dir = procFs.openProcess(pid);
    } catch (error) {
      if (error instanceof ProcessGone) return null;
      throw error;
    }
    try {
      const stat = dir.parse("stat", parsePidStat);
      const errors: FieldErrors = {};
      let uid: number | null = null;
      let user: string | null = null;
      let cmdline: string[] | null = null;
      try {
        uid = dir.parse("status", parsePidStatus).uids?.effective ?? null;
        user = uid === null ? null : context.users.userName(uid);
      } catch (error) {
        errors.uid = errors.user = fieldFailure(error);
      }
      try {
        cmdline = parseCmdline(dir.readBytes("cmdline"));
      } catch (error) {
        errors.cmdline = fieldFailure(error);
      }
      return {
        pid,
        ppid: stat.ppid,
        uid,
        user,
        comm: stat.comm,
        cmdline,
        kernelThread: isKernelThread(stat),
        startTime: startTimeIso(stat.startTimeTicks, context.system),
        startTimeTicks: stat.startTimeTicks,
        errors,
      };
    } catch (error) {
      if (error instanceof ProcessGone) return null;
      if (error instanceof ProcError && error.kind === "Unavailable") return null;
      throw error;
    } finally {
      dir.close();
    }
  };
  const commandNotSettled = (info: Known["info"]): boolean => {
    // Read in the middle of execve: the new memory has no arguments yet.
    if (info.cmdline !== null && info.cmdline.length === 0 && !info.kernelThread) return true;
    let parent = known.get(info.ppid)?.info;
    if (parent !== undefined && parent.comm === "" && parent.startTimeTicks === 0) {
      // Known only by PID (exits are not watched): read the parent now, once.
      const read1 = read(info.ppid);
      if (read1 !== null) known.set(info.ppid, { info: read1, pending: false });
      parent = read1 ?? undefined;
    }
    return (
      parent !== undefined &&
      parent.comm === info.comm &&
      info.cmdline !== null &&
      parent.cmdline !== null &&
      info.cmdline.join("\0") === parent.cmdline.join("\0")
    );
  };

  // What runs now is the baseline: not reported as started.
  let last = lastPid();
  for (const pid of procFs.listPids()) {
    if (options.exits) {
      const info = read(pid);
      if (info) known.set(pid, { info, pending: false });
    } else {
      known.set(pid, {
        info: {
          pid,
          ppid: 0,
          uid: null,
          user: null,
          comm: "",
          cmdline: null,
          kernelThread: false,
          startTime: "",
          startTimeTicks: 0,
          errors: {},
        },
        pending: false,
      });
    }
  }

  while (!options.signal.aborted) {
    try {
      await sleep(intervalMs, options.signal);
    } catch {
      return;
    }
    const events: ProcessEvent[] = [];
    const time = clock().toISOString();

    // Starts held back a tick: report them now, with the command line they have now.
    for (const [pid, entry] of known) {
      if (!entry.pending) continue;
      const again = read(pid);
      if (again !== null && again.startTimeTicks === entry.info.startTimeTicks) {
        const updated = { info: again, pending: false };
        known.set(pid, updated);
        events.push({ event: "start", time, ...again });
      } else {
        entry.pending = false;
        events.push({ event: "start", time, ...entry.info });
      }
    }

    const newest = options.exits ? null : lastPid();
    if (options.exits || newest === null || newest !== last) {
      last = newest;
      const present = new Set(procFs.listPids());
      for (const pid of present) {
        if (known.has(pid)) continue;
        const info = read(pid);
        if (info === null) continue;
        const pending = commandNotSettled(info);
        known.set(pid, { info, pending });
        if (!pending) events.push({ event: "start", time, ...info });
      }
      for (const [pid, entry] of known) {
        if (present.has(pid)) continue;
        known.delete(pid);
        if (entry.pending) events.push({ event: "start", time, ...entry.info });
        if (options.exits) events.push({ event: "exit", time, ...entry.info });
      }
    }
    for (const event of events) {
      if (options.signal.aborted) return;
      yield event;
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Error("aborted"));
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new Error("aborted"));
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
