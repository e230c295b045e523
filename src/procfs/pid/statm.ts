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

/** parsePidStatm("100 20 10 5 0 30 0\n").residentPages === 20 */
export function parsePidStatm(text: string): PidStatm {
  const parts = text.trim().split(" ");
  if (parts.length < 7 || parts.some((p) => !/^\d+$/.test(p))) throw new ParseError("expected 7 numbers", text);
  const n = parts.map(Number);
  return {
    sizePages: n[0] as number,
    residentPages: n[1] as number,
    sharedPages: n[2] as number,
    textPages: n[3] as number,
    dataPages: n[5] as number,
  };
}
