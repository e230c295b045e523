/**
 * /proc/stat — proc_stat(5) (proc(5) "/proc/stat" on older man-pages).
 * "name value..." lines. The "cpu" line (followed by two spaces) totals the "cpuN" lines, which
 * skip offline CPUs; their field count grew from 4 (2.4) to 10 (2.6.33), in USER_HZ ticks.
 */
import { ParseError } from "../errors.js";
import { type LineProblem, lineProblem, missing, splitTableLines, toCount, type WithProblems, withProblems } from "./_lines.js";

/** Time spent in each mode, in clock ticks (USER_HZ, sysconf(_SC_CLK_TCK)). */
export interface CpuTimes {
  readonly userTicks: number;
  readonly niceTicks: number;
  readonly systemTicks: number;
  readonly idleTicks: number;
  /** Waiting for I/O to complete; not reliable (proc_stat(5)). Since 2.5.41. */
  readonly iowaitTicks: number | null;
  /** Servicing interrupts. Since 2.6.0. */
  readonly irqTicks: number | null;
  /** Servicing softirqs. Since 2.6.0. */
  readonly softirqTicks: number | null;
  /** Stolen by the hypervisor for other guests. Since 2.6.11. */
  readonly stealTicks: number | null;
  /** Running a guest's virtual CPU; already included in userTicks. Since 2.6.24. */
  readonly guestTicks: number | null;
  /** Running a niced guest; already included in niceTicks. Since 2.6.33. */
  readonly guestNiceTicks: number | null;
  /** Values after guest_nice, if a kernel ever adds some. */
  readonly otherTicks: readonly number[];
}

export interface PerCpuTimes extends CpuTimes {
  /** N of "cpuN": the logical CPU number. */
  readonly cpu: number;
}

export interface SystemStat {
  /** The "cpu" line: all CPUs added up. */
  readonly total: CpuTimes;
  /** The "cpuN" lines, in file order. Offline CPUs have no line. */
  readonly cpus: readonly PerCpuTimes[];
  /** Interrupts serviced since boot, all sources ("intr" first value). */
  readonly interruptsTotal: number;
  /** Per-interrupt-number counts ("intr" further values), starting at interrupt 0. */
  readonly interrupts: readonly number[];
  /** Context switches since boot ("ctxt"). */
  readonly contextSwitches: number;
  /** Boot time, seconds since the Unix epoch ("btime"). */
  readonly bootTime: number;
  /** Processes and threads created since boot ("processes"). */
  readonly processesCreated: number;
  /** Threads runnable right now ("procs_running", since 2.5.45). */
  readonly procsRunning: number | null;
  /** Threads blocked on I/O right now ("procs_blocked", since 2.5.45). */
  readonly procsBlocked: number | null;
  /** Softirqs serviced since boot, all kinds ("softirq" first value, since 2.6.31). */
  readonly softirqsTotal: number | null;
  /** Per-kind counts: HI, TIMER, NET_TX, NET_RX, BLOCK, IRQ_POLL, TASKLET, SCHED, HRTIMER, RCU. */
  readonly softirqs: readonly number[] | null;
  /** Lines this parser does not know ("page", "swap" on 2.4...), name → the rest of the line. */
  readonly other: Readonly<Record<string, string>>;
}

/**
 * Parses the system-wide /proc/stat.
 * parseSystemStat(text).cpus[0].idleTicks — idle time of cpu0 in clock ticks
 */
export function parseSystemStat(text: string): WithProblems<SystemStat> {
  const problems: LineProblem[] = [];
  const lines = splitTableLines(text, problems);
  let total: CpuTimes | null = null;
  const cpus: PerCpuTimes[] = [];
  const single = new Map<string, number>();
  let intr: number[] | null = null;
  let softirq: number[] | null = null;
  const other: Record<string, string> = {};
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    try {
      if (line === "") continue;
      const lineNumber = i + 1;
      const fields = line.split(" ").filter((field) => field !== "");
      const name = fields[0];
      if (name === undefined) throw new ParseError("blank line", line, lineNumber);
      const values = fields.slice(1);
      const numbers = (what: string): number[] => values.map((value, n) => toCount(value, `${what} value ${n + 1}`, line, lineNumber));
      if (name === "cpu") {
        total = cpuTimes(numbers("cpu"), line, lineNumber);
      } else if (/^cpu\d+$/.test(name)) {
        cpus.push({ cpu: Number(name.slice(3)), ...cpuTimes(numbers(name), line, lineNumber) });
      } else if (name === "intr" || name === "softirq") {
        if (values.length === 0) throw new ParseError(`"${name}" has no total`, line, lineNumber);
        if (name === "intr") intr = numbers(name);
        else softirq = numbers(name);
      } else if (name === "ctxt" || name === "btime" || name === "processes" || name === "procs_running" || name === "procs_blocked") {
        if (values.length !== 1) throw new ParseError(`"${name}" should have one value`, line, lineNumber);
        single.set(name, toCount(values[0] as string, `"${name}"`, line, lineNumber));
      } else if (/^[a-z_]\w*:?$/i.test(name)) {
        // 2.4's "disk_io:" is the one name written with a colon.
        other[name.replace(/:$/, "")] = values.join(" ");
      } else {
        throw new ParseError('expected "name value..."', line, lineNumber);
      }
    } catch (error) {
      if (!(error instanceof ParseError)) throw error;
      problems.push(lineProblem(error, line, i + 1));
    }
  }
  const required = (name: string): number => {
    const value = single.get(name);
    if (value === undefined) throw missing(`"${name}" line`, lines);
    return value;
  };
  if (total === null) throw missing('"cpu" line', lines);
  if (intr === null) throw missing('"intr" line', lines);
  return withProblems(
    {
      total,
      cpus,
      interruptsTotal: intr[0] as number,
      interrupts: intr.slice(1),
      contextSwitches: required("ctxt"),
      bootTime: required("btime"),
      processesCreated: required("processes"),
      procsRunning: single.get("procs_running") ?? null,
      procsBlocked: single.get("procs_blocked") ?? null,
      softirqsTotal: softirq === null ? null : (softirq[0] as number),
      softirqs: softirq === null ? null : softirq.slice(1),
      other,
    },
    problems,
  );
}

function cpuTimes(ticks: readonly number[], line: string, lineNumber: number): CpuTimes {
  if (ticks.length < 4) throw new ParseError(`expected at least 4 tick counts, got ${ticks.length}`, line, lineNumber);
  const optional = (index: number): number | null => ticks[index] ?? null;
  return {
    userTicks: ticks[0] as number,
    niceTicks: ticks[1] as number,
    systemTicks: ticks[2] as number,
    idleTicks: ticks[3] as number,
    iowaitTicks: optional(4),
    irqTicks: optional(5),
    softirqTicks: optional(6),
    stealTicks: optional(7),
    guestTicks: optional(8),
    guestNiceTicks: optional(9),
    otherTicks: ticks.slice(10),
  };
}
