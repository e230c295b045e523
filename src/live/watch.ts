/**
 * `watch`: processes as they start (and exit), found by polling /proc, like pspy.
 *
 * Each tick reads /proc/loadavg, whose last field is the PID the kernel handed out last; when it
 * has not moved, no process or thread was created and the tick ends there (when exits are
 * watched, the number of tasks must not have moved either). Otherwise one readdir of the root gives the PIDs, and only
 * the new ones are read (stat, status, cmdline).
 *
 * What polling misses: a process that starts and exits between two ticks is never seen; a PID
 * reused within one tick looks like the old process; an exec without a fork (the same PID runs a
 * new program) is not reported. A new process whose command line still equals its parent's
 * (forked, not yet exec'd), or is empty (caught inside execve), is held back one tick so the
 * command it runs is shown.
 */
import { sleepUnlessAborted } from "../_sleep.js";
import { AccessDenied, ProcError, ProcessGone } from "../errors.js";
import type { Process, ProcessEvent } from "../model/process.js";
import type { ProcessContext } from "../model/reader.js";
import { processFromDir } from "../processes/process.js";
import { parseLoadavg } from "../procfs/loadavg.js";

export type { ProcessEvent } from "../model/process.js";

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
  /** Null for a process that ran when the watch began and was not read (exits not watched). */
  info: Process | null;
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
  const read = (pid: number): Process | null => {
    let dir: ReturnType<typeof procFs.openProcess>;
    try {
      dir = procFs.openProcess(pid);
    } catch (error) {
      // Gone, or hidden from us (hidepid): not a process this watch can report.
      if (error instanceof ProcessGone || error instanceof AccessDenied) return null;
      throw error;
    }
    try {
      return processFromDir(dir, context);
    } catch (error) {
      if (error instanceof ProcessGone) return null;
      if (error instanceof ProcError && error.kind === "Unavailable") return null;
      throw error;
    } finally {
      dir.close();
    }
  };
  const commandNotSettled = (info: Process): boolean => {
    // Read in the middle of execve: the new memory has no arguments yet.
    if (info.cmdline !== null && info.cmdline.length === 0 && !info.kernelThread) return true;
    const entry = known.get(info.ppid);
    let parent = entry?.info ?? undefined;
    if (entry !== undefined && entry.info === null) {
      // Known only by PID (exits are not watched): read the parent now, once.
      entry.info = read(info.ppid);
      parent = entry.info ?? undefined;
    }
    return (
      parent !== undefined &&
      parent.comm === info.comm &&
      info.cmdline !== null &&
      parent.cmdline !== null &&
      info.cmdline.join("\0") === parent.cmdline.join("\0")
    );
  };

  /**
   * With exits watched, the last PID handed out and the number of tasks: when neither moved, no
   * task was created, so none can have left either (a reaped one lowers the count), and the
   * listing is skipped. Only on the running kernel: a captured tree's loadavg never moves.
   */
  const taskMark = (): string | null => {
    if (!procFs.isLive) return null;
    try {
      const l = procFs.parse("loadavg", parseLoadavg);
      return `${l.lastPid}/${l.totalEntities}`;
    } catch {
      return null;
    }
  };

  // What runs now is the baseline: not reported as started.
  let last: number | string | null = options.exits ? taskMark() : lastPid();
  for (const pid of procFs.listPids()) {
    if (options.exits) {
      const info = read(pid);
      if (info) known.set(pid, { info, pending: false });
    } else {
      known.set(pid, { info: null, pending: false });
    }
  }

  for (;;) {
    await sleepUnlessAborted(intervalMs, options.signal);
    if (options.signal.aborted) return;
    const events: ProcessEvent[] = [];
    const time = clock().toISOString();

    // Starts held back a tick: report them now, with the command line they have now.
    for (const [pid, entry] of known) {
      if (!entry.pending) continue;
      const held = entry.info as Process;
      const again = read(pid);
      entry.pending = false;
      if (again !== null && again.startTimeTicks === held.startTimeTicks) {
        entry.info = again;
        events.push({ event: "start", time, process: again });
      } else {
        events.push({ event: "start", time, process: held });
      }
    }

    const newest = options.exits ? taskMark() : lastPid();
    if (newest === null || newest !== last) {
      last = newest;
      const present = new Set(procFs.listPids());
      for (const pid of present) {
        if (known.has(pid)) continue;
        const info = read(pid);
        if (info === null) continue;
        const pending = commandNotSettled(info);
        known.set(pid, { info, pending });
        if (!pending) events.push({ event: "start", time, process: info });
      }
      for (const [pid, entry] of known) {
        if (present.has(pid)) continue;
        known.delete(pid);
        if (entry.info === null) continue;
        if (entry.pending) events.push({ event: "start", time, process: entry.info });
        if (options.exits) events.push({ event: "exit", time, process: entry.info });
      }
    }
    for (const event of events) {
      if (options.signal.aborted) return;
      yield event;
    }
  }
}
