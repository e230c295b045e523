/**
 * /proc/PID/statm — proc(5). Seven numbers, all in pages: size resident shared text lib data dt.
 */
import { ParseError } from "../../errors.js";

export interface PidStatm {
  readonly sizePages: number;
  readonly residentPages: number;
  readonly sharedPages: number;
  readonly textPages: number;
  readonly dataPages: number;
}

/** size resident shared text lib data dt (lib and dt are 0 since Linux 2.6), and any a later kernel adds. */
const STATM = /^(\d+) (\d+) (\d+) (\d+) \d+ (\d+) \d+(?: \d+)*\n?$/;

/** parsePidStatm("100 20 10 5 0 30 0\n").residentPages === 20 */
export function parsePidStatm(text: string): PidStatm {
  // One match of the whole line: listings parse one of these per process.
  const fields = STATM.exec(text);
  if (fields === null) throw new ParseError("expected 7 numbers", text);
  return {
    sizePages: Number(fields[1]),
    residentPages: Number(fields[2]),
    sharedPages: Number(fields[3]),
    textPages: Number(fields[4]),
    dataPages: Number(fields[5]),
  };
}
