/**
 * /proc/PID/stat and /proc/PID/task/TID/stat — proc(5), "/proc/pid/stat".
 * One line of space-separated fields; field 2 (comm) is in parentheses and may itself hold
 * spaces and ")", so it runs from the first "(" to the LAST ")".
 */
import { ParseError } from "../../errors.js";

export interface PidStat {
  readonly pid: number;
  readonly comm: string;
  /** One letter: R S D Z T t X x K W P I. */
  readonly state: string;
  readonly ppid: number;
  readonly pgrp: number;
  readonly session: number;
  /** Encoded device number of the controlling terminal; 0 when none. */
  readonly ttyNr: number;
  readonly tpgid: number;
  readonly flags: number;
  readonly minorFaults: number;
  readonly majorFaults: number;
  readonly utimeTicks: number;
  readonly stimeTicks: number;
  readonly cutimeTicks: number;
  readonly cstimeTicks: number;
  readonly priority: number;
  readonly nice: number;
  readonly numThreads: number;
  /** Start time in clock ticks after boot: with the PID, the identity of a process. */
  readonly startTimeTicks: number;
  readonly vsizeBytes: number;
  readonly rssPages: number;
  /** Soft RSS limit in bytes; 2^64-1 means unlimited. */
  readonly rsslimBytes: bigint;
  readonly startCode: bigint;
  readonly endCode: bigint;
  readonly startStack: bigint;
  /** (31) Signals pending for this task itself, as a mask of signals 1-31 (bit n-1 for signal n). */
  readonly pendingSignals: number;
  readonly exitSignal: number | null;
  /** CPU the task last ran on. */
  readonly processor: number | null;
  readonly rtPriority: number | null;
  readonly policy: number | null;
  /** Aggregated block I/O delays (delay accounting), since 2.6.18. */
  readonly delayacctBlkioTicks: number | null;
  readonly guestTimeTicks: number | null;
  readonly startBrk: bigint | null;
  readonly argStart: bigint | null;
  readonly argEnd: bigint | null;
  readonly envStart: bigint | null;
  readonly envEnd: bigint | null;
  readonly exitCode: number | null;
}

/** Fields through (41) policy exist on every kernel we support; later ones are optional. */
const REQUIRED_AFTER_COMM = 41 - 2;

/** Kernel threads have PF_KTHREAD set in stat's flags (include/linux/sched.h). */
export const PF_KTHREAD = 0x00200000;

/** True for a kernel thread: isKernelThreadFlags(parsePidStat(text).flags) */
export function isKernelThreadFlags(flags: number): boolean {
  return (flags & PF_KTHREAD) !== 0;
}

/**
 * Parses one stat line.
 * parsePidStat("1 (init) S 0 1 1 0 -1 ...").comm === "init"
 */
/** " 1 -2 3 …": every field after the state. */
const ALL_INTEGERS = /^(?: -?\d+)+$/;

/** The error for a stat line that failed ALL_INTEGERS, naming the first field that is not an integer. */
function badField(rest: readonly string[], text: string): ParseError {
  const index = rest.findIndex((field, i) => i > 0 && !/^-?\d+$/.test(field));
  return new ParseError(`field ${index + 3} is not an integer`, text);
}

export function parsePidStat(text: string): PidStat {
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open < 0 || close < open) throw new ParseError('expected "PID (comm) ..."', text);
  const pidText = text.slice(0, open).trim();
  if (!/^\d+$/.test(pidText)) throw new ParseError("expected a PID before the comm", text);
  const comm = text.slice(open + 1, close);
  // The fields end at the first newline after comm (comm itself may hold newlines).
  const end = text.indexOf("\n", close);
  const line = text.slice(close + 2, end < 0 ? undefined : end).trimEnd();
  const rest = line.split(" ");
  if (rest.length < REQUIRED_AFTER_COMM) {
    throw new ParseError(`expected at least 41 fields, got ${rest.length + 2}`, text);
  }
  // rest[0] is field (3), the state; field (n) is rest[n - 3]. Every field after the state is an
  // integer: one check of the whole line (a listing parses thousands of these) instead of one
  // per field, and the per-field checks only to name the field when the line is bad.
  const state = rest[0] as string;
  if (!/^[A-Za-z]$/.test(state)) throw new ParseError("field 3 (state) is not a letter", text);
  if (!ALL_INTEGERS.test(line.slice(state.length))) throw badField(rest, text);
  const int = (n: number): number => Number(rest[n - 3]);
  const big = (n: number): bigint => BigInt.asUintN(64, BigInt(rest[n - 3] as string));
  const optInt = (n: number): number | null => (rest.length >= n - 2 ? int(n) : null);
  const optBig = (n: number): bigint | null => (rest.length >= n - 2 ? big(n) : null);
  return {
    pid: Number(pidText),
    comm,
    state, // (3) state
    ppid: int(4),
    pgrp: int(5),
    session: int(6),
    ttyNr: int(7),
    tpgid: int(8),
    flags: int(9),
    minorFaults: int(10),
    majorFaults: int(12),
    utimeTicks: int(14),
    stimeTicks: int(15),
    cutimeTicks: int(16),
    cstimeTicks: int(17),
    priority: int(18),
    nice: int(19),
    numThreads: int(20),
    startTimeTicks: int(22), // (22) starttime
    vsizeBytes: int(23),
    rssPages: int(24),
    rsslimBytes: big(25),
    startCode: big(26),
    endCode: big(27),
    startStack: big(28),
    pendingSignals: int(31),
    exitSignal: optInt(38),
    processor: optInt(39),
    rtPriority: optInt(40),
    policy: optInt(41),
    delayacctBlkioTicks: optInt(42),
    guestTimeTicks: optInt(43),
    startBrk: optBig(47),
    argStart: optBig(48),
    argEnd: optBig(49),
    envStart: optBig(50),
    envEnd: optBig(51),
    exitCode: optInt(52),
  };
}

/** Splits an encoded tty_nr into major and minor device numbers (proc(5)). */
/** What identifies a process in listings that need nothing else from stat. */
export interface PidStatIdentity {
  readonly comm: string;
  readonly startTimeTicks: number;
}

/**
 * comm and (22) starttime only, for listings over every process (lsof): a full parse costs
 * more than the rest of such a listing's work per process.
 * parsePidStatIdentity("1 (init) S 0 ...").comm === "init"
 */
export function parsePidStatIdentity(text: string): PidStatIdentity {
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open < 0 || close < open) throw new ParseError('expected "PID (comm) ..."', text);
  // Field (3) starts at close + 2; skip to field (22).
  let at = close + 2;
  for (let field = 3; field < 22; field++) {
    at = text.indexOf(" ", at) + 1;
    if (at === 0) throw new ParseError("expected at least 22 fields", text);
  }
  const end = text.indexOf(" ", at);
  const raw = text.slice(at, end < 0 ? undefined : end);
  if (!/^\d+$/.test(raw)) throw new ParseError("field 22 (starttime) is not a number", text);
  return { comm: text.slice(open + 1, close), startTimeTicks: Number(raw) };
}

export function decodeTtyNr(ttyNr: number): { major: number; minor: number } | null {
  if (ttyNr === 0) return null;
  const major = (ttyNr >> 8) & 0xfff;
  const minor = (ttyNr & 0xff) | ((ttyNr >> 12) & 0xfff00);
  return { major, minor };
}
