/**
 * The arithmetic of sampling, kept pure so it can be tested with made-up samples: CPU% and I/O
 * rates of a process between two samples, keyed by (pid, start time) so a PID that was reused
 * between samples never inherits the history of the process that had it before.
 */

/** What one sample knows about one process. */
export interface TickRecord {
  readonly pid: number;
  /** Clock ticks after boot (stat field 22): with the pid, the process's identity. */
  readonly startTimeTicks: number;
  /** utime + stime, in clock ticks. */
  readonly cpuTicks: number;
  /** read_bytes / write_bytes of /proc/PID/io, or null when not read or not readable. */
  readonly readBytes: number | null;
  readonly writeBytes: number | null;
}

/** The sample that came before, as the rates need it. */
export interface PreviousSample {
  readonly records: ReadonlyMap<string, TickRecord>;
  /** Seconds since boot when the previous sample was taken. */
  readonly uptimeSeconds: number;
}

export interface Rates {
  /** CPU use over the interval; 100 = one CPU busy all the time (top's "Irix mode"). Null: no interval. */
  readonly cpuPercent: number | null;
  readonly readBytesPerSecond: number | null;
  readonly writeBytesPerSecond: number | null;
  /** Why cpuPercent is null, when it is. */
  readonly reason: string | null;
}

/** identityKey(42, 1234) === "42:1234" */
export function identityKey(pid: number, startTimeTicks: number): string {
  return `${pid}:${startTimeTicks}`;
}

/**
 * Rates of one process between the previous sample and now.
 * A process not in the previous sample that started after it used all its ticks inside the
 * interval; one that started before it (we missed it, or its PID was reused by it) has no rate.
 * rateOf(record, previous, 1.0, 100).cpuPercent — percent of one CPU over the last second
 */
export function rateOf(record: TickRecord, previous: PreviousSample | null, elapsedSeconds: number, clockTicks: number): Rates {
  if (previous === null || !(elapsedSeconds > 0)) {
    return { cpuPercent: null, readBytesPerSecond: null, writeBytesPerSecond: null, reason: "one sample has no interval" };
  }
  const before = previous.records.get(identityKey(record.pid, record.startTimeTicks));
  if (before === undefined) {
    const startedSeconds = record.startTimeTicks / clockTicks;
    if (startedSeconds + 1 / clockTicks < previous.uptimeSeconds) {
      return { cpuPercent: null, readBytesPerSecond: null, writeBytesPerSecond: null, reason: "not seen in the previous sample" };
    }
    // Born during the interval: everything it has done, it did in the interval.
    return {
      cpuPercent: percent(record.cpuTicks, elapsedSeconds, clockTicks),
      readBytesPerSecond: record.readBytes === null ? null : Math.round(record.readBytes / elapsedSeconds),
      writeBytesPerSecond: record.writeBytes === null ? null : Math.round(record.writeBytes / elapsedSeconds),
      reason: null,
    };
  }
  const ticks = Math.max(0, record.cpuTicks - before.cpuTicks);
  const delta = (now: number | null, then: number | null): number | null =>
    now === null || then === null ? null : Math.round(Math.max(0, now - then) / elapsedSeconds);
  return {
    cpuPercent: percent(ticks, elapsedSeconds, clockTicks),
    readBytesPerSecond: delta(record.readBytes, before.readBytes),
    writeBytesPerSecond: delta(record.writeBytes, before.writeBytes),
    reason: null,
  };
}

function percent(ticks: number, elapsedSeconds: number, clockTicks: number): number {
  return Math.round((ticks / clockTicks / elapsedSeconds) * 1000) / 10;
}

/** Ticks of one CPU (or of all) as /proc/stat gives them, reduced to what usage needs. */
export interface CpuTicks {
  readonly user: number;
  readonly nice: number;
  /** system + irq + softirq. */
  readonly system: number;
  readonly idle: number;
  readonly iowait: number;
  readonly steal: number;
}

export interface CpuUsage {
  /** Logical CPU number; null for the total over all CPUs. */
  readonly cpu: number | null;
  readonly userPercent: number;
  readonly nicePercent: number;
  readonly systemPercent: number;
  readonly iowaitPercent: number;
  readonly stealPercent: number;
  readonly idlePercent: number;
  /** Everything but idle and iowait. */
  readonly busyPercent: number;
}

/**
 * CPU usage between two readings of the same CPU's ticks. Counters that went backwards (a CPU
 * taken offline and back) count as zero.
 * cpuUsage(0, before, after).busyPercent
 */
export function cpuUsage(cpu: number | null, before: CpuTicks, after: CpuTicks): CpuUsage {
  const d = (key: keyof CpuTicks): number => Math.max(0, after[key] - before[key]);
  const user = d("user");
  const nice = d("nice");
  const system = d("system");
  const idle = d("idle");
  const iowait = d("iowait");
  const steal = d("steal");
  const total = user + nice + system + idle + iowait + steal;
  const pct = (value: number): number => (total === 0 ? 0 : Math.round((value / total) * 1000) / 10);
  return {
    cpu,
    userPercent: pct(user),
    nicePercent: pct(nice),
    systemPercent: pct(system),
    iowaitPercent: pct(iowait),
    stealPercent: pct(steal),
    idlePercent: pct(idle),
    busyPercent: pct(user + nice + system + steal),
  };
}
