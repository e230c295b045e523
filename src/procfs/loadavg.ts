/**
 * /proc/loadavg — proc_loadavg(5) (proc(5) "/proc/loadavg" on older man-pages).
 * One line: "0.06 0.04 0.00 1/83 3012" — three load averages with two decimals, runnable/total
 * scheduling entities (threads, not processes), and the most recently assigned PID.
 */
import { ParseError } from "../errors.js";
import type { Loadavg } from "../model/system-files.js";
import { singleLine, splitLines, toCount, toDecimal } from "./_lines.js";

export type { Loadavg };

/**
 * Parses /proc/loadavg.
 * parseLoadavg("0.06 0.04 0.00 1/83 3012\n").totalEntities === 83
 */
export function parseLoadavg(text: string): Loadavg {
  const line = singleLine(splitLines(text));
  const fields = line.split(" ");
  if (fields.length < 5) throw new ParseError(`expected 5 fields, got ${fields.length}`, line, 1);
  const entities = /^(\d+)\/(\d+)$/.exec(fields[3] as string);
  if (!entities) throw new ParseError('field 4 is not "runnable/total"', line, 1);
  return {
    load1: toDecimal(fields[0] as string, "the 1-minute load", line, 1),
    load5: toDecimal(fields[1] as string, "the 5-minute load", line, 1),
    load15: toDecimal(fields[2] as string, "the 15-minute load", line, 1),
    runnableEntities: toCount(entities[1] as string, "the runnable count", line, 1),
    totalEntities: toCount(entities[2] as string, "the entity count", line, 1),
    lastPid: toCount(fields[4] as string, "the last PID", line, 1),
    other: fields.slice(5),
  };
}
