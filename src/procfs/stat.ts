/**
 * /proc/stat — proc_stat(5) (proc(5) "/proc/stat" on older man-pages).
 * "name value..." lines. The "cpu" line (followed by two spaces) totals the "cpuN" lines, which
 * skip offline CPUs; their field count grew from 4 (2.4) to 10 (2.6.33), in USER_HZ ticks.
 */
import { ParseError } from "../errors.js";
import type { CpuTimes, PerCpuTimes, SystemStat } from "../model/system-files.js";
import { type LineProblem, lineProblem, missing, splitTableLines, toCount, type WithProblems, withProblems } from "./_lines.js";

export type { CpuTimes, PerCpuTimes, SystemStat };

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
