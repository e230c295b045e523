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

/** " 1 -2 3 …": every field after the state. */
const ALL_INTEGERS = /^(?: -?\d+)+$/;

/** The error for a stat line that failed ALL_INTEGERS, naming the first field that is not an integer. */
function badField(rest: readonly string[], text: string): ParseError {
  const index = rest.findIndex((field, i) => i > 0 && !/^-?\d+$/.test(field));
  return new ParseError(`field ${index + 3} is not an integer`, text);
}

/**
 * Parses one stat line; a field that is not an integer is an error here, not when it is read.
 * parsePidStat("1 (init) S 0 1 1 0 -1 ...").comm === "init"
 */
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
  return new PidStatLine(Number(pidText), comm, state, rest);
}

/**
 * A checked stat line whose numbers are converted when they are read: a listing parses one line
 * per process and reads about a dozen of its fifty fields, and converting the rest (nine of them
 * to bigint) was most of the parse. Field (n) of proc(5) is fields[n - 3].
 */
class PidStatLine implements PidStat {
  constructor(
    readonly pid: number,
    readonly comm: string,
    readonly state: string,
    private readonly fields: readonly string[],
  ) {}

  private int(n: number): number {
    return Number(this.fields[n - 3]);
  }

  private big(n: number): bigint {
    return BigInt.asUintN(64, BigInt(this.fields[n - 3] as string));
  }

  private optInt(n: number): number | null {
    return this.fields.length >= n - 2 ? this.int(n) : null;
  }

  private optBig(n: number): bigint | null {
    return this.fields.length >= n - 2 ? this.big(n) : null;
  }

  get ppid(): number {
    return this.int(4);
  }
  get pgrp(): number {
    return this.int(5);
  }
  get session(): number {
    return this.int(6);
  }
  get ttyNr(): number {
    return this.int(7);
  }
  get tpgid(): number {
    return this.int(8);
  }
  get flags(): number {
    return this.int(9);
  }
  get minorFaults(): number {
    return this.int(10);
  }
  get majorFaults(): number {
    return this.int(12);
  }
  get utimeTicks(): number {
    return this.int(14);
  }
  get stimeTicks(): number {
    return this.int(15);
  }
  get cutimeTicks(): number {
    return this.int(16);
  }
  get cstimeTicks(): number {
    return this.int(17);
  }
  get priority(): number {
    return this.int(18);
  }
  get nice(): number {
    return this.int(19);
  }
  get numThreads(): number {
    return this.int(20);
  }
  get startTimeTicks(): number {
    return this.int(22);
  }
  get vsizeBytes(): number {
    return this.int(23);
  }
  get rssPages(): number {
    return this.int(24);
  }
  get rsslimBytes(): bigint {
    return this.big(25);
  }
  get startCode(): bigint {
    return this.big(26);
  }
  get endCode(): bigint {
    return this.big(27);
  }
  get startStack(): bigint {
    return this.big(28);
  }
  get pendingSignals(): number {
    return this.int(31);
  }
  get exitSignal(): number | null {
    return this.optInt(38);
  }
  get processor(): number | null {
    return this.optInt(39);
  }
  get rtPriority(): number | null {
    return this.optInt(40);
  }
  get policy(): number | null {
    return this.optInt(41);
  }
  get delayacctBlkioTicks(): number | null {
    return this.optInt(42);
  }
  get guestTimeTicks(): number | null {
    return this.optInt(43);
  }
  get startBrk(): bigint | null {
    return this.optBig(47);
  }
  get argStart(): bigint | null {
    return this.optBig(48);
  }
  get argEnd(): bigint | null {
    return this.optBig(49);
  }
  get envStart(): bigint | null {
    return this.optBig(50);
  }
  get envEnd(): bigint | null {
    return this.optBig(51);
  }
  get exitCode(): number | null {
    return this.optInt(52);
  }
}

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

/** Splits an encoded tty_nr into major and minor device numbers (proc(5)). */
export function decodeTtyNr(ttyNr: number): { major: number; minor: number } | null {
  if (ttyNr === 0) return null;
  const major = (ttyNr >> 8) & 0xfff;
  const minor = (ttyNr & 0xff) | ((ttyNr >> 12) & 0xfff00);
  return { major, minor };
}
