/**
 * /proc/PID/sched and /proc/PID/task/TID/sched — kernel/sched/debug.c proc_sched_show_task()
 * (CONFIG_SCHED_DEBUG; not in proc(5)). A "comm (pid, #threads: N)" header, a dashed rule, then
 * "key : value" lines; times are milliseconds of the runqueue clock, printed with 6 decimals.
 * The keys differ between kernels and with schedstats on or off, so they are kept by name.
 */
import { ParseError } from "../../errors.js";

export interface PidSched {
  readonly comm: string;
  readonly pid: number;
  readonly threads: number;
  /** Every numeric "key : value" line, e.g. "se.exec_start" → 642355.900348 (ms). */
  readonly values: Readonly<Record<string, number>>;
  /** When the task last started running on a CPU, in ms of the runqueue clock. */
  readonly execStartMs: number | null;
}

const HEADER = /^(.*) \((\d+), #threads: (\d+)\)$/;
const VALUE = /^([\w.>\-[\]]+)\s+:\s+(-?\d+(?:\.\d+)?)$/;

/**
 * Parses a sched file.
 * parsePidSched("sh (42, #threads: 1)\n---\nse.exec_start : 12.5\n").execStartMs === 12.5
 */
export function parsePidSched(text: string): PidSched {
  const lines = text.split("\n");
  const header = HEADER.exec(lines[0] ?? "");
  if (!header) throw new ParseError('expected "comm (pid, #threads: N)"', lines[0] ?? "", 1);
  if (!/^-+$/.test(lines[1] ?? "")) throw new ParseError("expected a dashed rule", lines[1] ?? "", 2);
  const values: Record<string, number> = {};
  for (let i = 2; i < lines.length; i++) {
    const match = VALUE.exec(lines[i] as string);
    // Lines such as "current_node=0, numa_group_id=0" carry no single value: skip them.
    if (match) values[match[1] as string] = Number(match[2]);
  }
  return {
    comm: header[1] as string,
    pid: Number(header[2]),
    threads: Number(header[3]),
    values,
    execStartMs: values["se.exec_start"] ?? null,
  };
}
