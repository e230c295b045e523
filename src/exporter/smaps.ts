/**
 * Proportional memory for --smaps, read off the scrape's path. smaps_rollup makes the kernel walk
 * every page table of the process: about 12 ms per GiB resident on our VM, so a process of 200 GB
 * takes seconds, and one read cannot be interrupted. A scrape therefore never reads it: it shows
 * the last values read, and after each scrape a round reads processes one at a time on libuv's
 * thread pool until the round has spent the budget, resuming at the next round where it stopped.
 * A read of seconds delays the values of the processes after it, never a scrape.
 *
 * This bypasses the model's reader (which is synchronous) for this one file, with the same pure
 * parser and totals, so the values mean what `maps --smaps` and `show` mean.
 */
import { ProcError } from "../errors.js";
import type { ProcessContext } from "../processes/process.js";
import { parsePidSmaps, smapsTotals } from "../procfs/pid/smaps.js";
import { parsePidStatIdentity } from "../procfs/pid/stat.js";
import { identityKey } from "./accumulate.js";

export interface SmapsReading {
  readonly pss: number | null;
  readonly swapPss: number | null;
}

export interface SmapsRefresher {
  /** The last values read for a process identity (identityKey), if any. */
  get(key: string): SmapsReading | undefined;
  /** Of these processes, how many were not read by the latest round (never read, or earlier). */
  staleCount(processes: readonly SmapsTarget[]): number;
  /**
   * Starts a round over these processes once the current turn of the event loop is over (the
   * scrape's answer goes out first), unless the previous round is still reading.
   */
  refresh(processes: readonly SmapsTarget[]): void;
  /** Resolves when no round is running. */
  settled(): Promise<void>;
}

export interface SmapsTarget {
  readonly pid: number;
  readonly startTimeTicks: number;
  readonly state?: string | null | undefined;
}

export function createSmapsRefresher(
  context: ProcessContext,
  options: { readonly budgetMs: number; readonly now: () => number },
): SmapsRefresher {
  const readings = new Map<string, SmapsReading & { round: number }>();
  let rounds = 0;
  let cursor = 0;
  let running: Promise<void> | null = null;

  /** The start time of a PID now, or null when it is gone or unreadable. */
  function startTimeOf(pid: number): number | null {
    try {
      return context.procFs.parse(`${pid}/stat`, parsePidStatIdentity).startTimeTicks;
    } catch (error) {
      if (error instanceof ProcError) return null;
      throw error;
    }
  }

  async function readOne(target: SmapsTarget, round: number): Promise<void> {
    const key = identityKey(target.pid, target.startTimeTicks);
    if (target.state === "Z") {
      readings.set(key, { pss: null, swapPss: null, round });
      return;
    }
    if (startTimeOf(target.pid) !== target.startTimeTicks) return;
    let text: string;
    try {
      text = await context.procFs.readTextAsync(`${target.pid}/smaps_rollup`);
    } catch (error) {
      if (!(error instanceof ProcError)) throw error;
      // Denied, or a kernel thread (no memory to walk: ESRCH): read, with no value. Gone: nothing.
      if (startTimeOf(target.pid) === target.startTimeTicks) readings.set(key, { pss: null, swapPss: null, round });
      return;
    }
    // The PID was reused while the kernel walked its tables: the text may be another process's.
    if (startTimeOf(target.pid) !== target.startTimeTicks) return;
    // An empty smaps_rollup (a process whose memory is already torn down): read, with no value.
    if (text.trim() === "") {
      readings.set(key, { pss: null, swapPss: null, round });
      return;
    }
    const totals = smapsTotals(parsePidSmaps(text));
    readings.set(key, { pss: totals.pssBytes, swapPss: totals.swapPssBytes, round });
  }

  async function runRound(targets: readonly SmapsTarget[], round: number): Promise<void> {
    const started = options.now();
    const n = targets.length;
    let i = 0;
    for (; i < n && options.now() - started < options.budgetMs; i++) {
      const target = targets[(cursor + i) % n] as SmapsTarget;
      try {
        await readOne(target, round);
      } catch {
        // A text the parser refuses, or anything else unexpected about one process, costs that
        // process its value; the rounds go on (an exporter runs for months).
      }
    }
    cursor = n === 0 ? 0 : (cursor + i) % n;
  }

  return {
    get: (key) => readings.get(key),
    staleCount(processes) {
      let stale = 0;
      for (const p of processes) {
        const reading = readings.get(identityKey(p.pid, p.startTimeTicks));
        if (reading === undefined || reading.round < rounds) stale++;
      }
      return stale;
    },
    refresh(processes) {
      const live = new Set(processes.map((p) => identityKey(p.pid, p.startTimeTicks)));
      for (const key of readings.keys()) if (!live.has(key)) readings.delete(key);
      if (running !== null) return;
      const round = ++rounds;
      const targets = [...processes];
      running = new Promise<void>((resolve) => setImmediate(resolve))
        .then(() => runRound(targets, round))
        .finally(() => {
          running = null;
        });
    },
    settled: () => running ?? Promise.resolve(),
  };
}
