/** Parsing of command-line values shared by every command. */
import { UsageError } from "./exit.js";

/** parsePid("42") === 42; a word or a negative number is a usage error. */
export function parsePid(text: string, what = "PID"): number {
  if (!/^\d+$/.test(text) || Number(text) === 0 || Number(text) > 0x3fffffff) {
    throw new UsageError(`${what} must be a positive number, got "${text}"`);
  }
  return Number(text);
}

/**
 * A PID, or PID@STARTTICKS to name one process for good (the startTimeTicks of --json): a command
 * that acts on it then refuses, exit 3, if that process has exited even when its PID was reused.
 * parsePidRef("42") → { pid: 42, startTimeTicks: null }; parsePidRef("42@900") → { pid: 42, startTimeTicks: 900 }
 */
export function parsePidRef(text: string, what = "PID"): { pid: number; startTimeTicks: number | null } {
  const match = /^(\d+)(?:@(\d{1,20}))?$/.exec(text);
  if (!match) throw new UsageError(`${what} must be a positive number or PID@STARTTICKS, got "${text}"`);
  return { pid: parsePid(match[1] as string, what), startTimeTicks: match[2] === undefined ? null : Number(match[2]) };
}

/** parsePidList("1,2 3") → [1, 2, 3] */
export function parsePidList(text: string): number[] {
  const parts = text.split(/[\s,]+/).filter((p) => p !== "");
  if (parts.length === 0) throw new UsageError("--pid needs at least one PID");
  // Each once, in the order given: "--pid 5,5" asks about one process.
  return [...new Set(parts.map((p) => parsePid(p)))];
}

/** A positive whole number of milliseconds. */
export function parseInterval(text: string, option = "--interval"): number {
  const value = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !(value > 0))
    throw new UsageError(`${option} must be a positive number of milliseconds, got "${text}"`);
  return value;
}

/** A positive integer option value. */
export function parsePositiveInt(text: string, option: string): number {
  if (!/^\d+$/.test(text) || Number(text) <= 0) throw new UsageError(`${option} must be a positive whole number, got "${text}"`);
  return Number(text);
}
