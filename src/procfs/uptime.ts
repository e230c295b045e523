/**
 * /proc/uptime — proc_uptime(5) (proc(5) "/proc/uptime" on older man-pages).
 * One line of two seconds values with two decimals: time since boot (including suspend), and idle
 * time summed over all CPUs — so the second can exceed the first on a machine with several CPUs.
 */
import { ParseError } from "../errors.js";
import type { Uptime } from "../model/system-files.js";
import { singleLine, splitLines, toDecimal } from "./_lines.js";

export type { Uptime };

/**
 * Parses /proc/uptime.
 * parseUptime("273.90 500.17\n").uptimeSeconds === 273.9
 */
export function parseUptime(text: string): Uptime {
  const line = singleLine(splitLines(text));
  const fields = line.split(" ");
  if (fields.length !== 2) throw new ParseError(`expected 2 fields, got ${fields.length}`, line, 1);
  return {
    uptimeSeconds: toDecimal(fields[0] as string, "the uptime", line, 1),
    idleSeconds: toDecimal(fields[1] as string, "the idle time", line, 1),
  };
}
