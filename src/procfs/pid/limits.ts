/**
 * /proc/PID/limits — proc(5), "/proc/pid/limits"; getrlimit(2) for the resources.
 * A header, then one fixed-width row per resource: a multi-word name padded to 25 columns, soft
 * and hard padded to 20, then a unit that is absent for the two priority rows. Values are "unlimited"
 * (RLIM_INFINITY) or a 64-bit rlim_t, which may exceed 2^53 ("Max locked memory" often does).
 */
import { ParseError } from "../../errors.js";
import { type LineProblem, parseEachLine, splitTableLines, type WithProblems, withProblems } from "../_lines.js";

/** The getrlimit(2) resource a row describes. */
export type RlimitResource =
  | "RLIMIT_CPU"
  | "RLIMIT_FSIZE"
  | "RLIMIT_DATA"
  | "RLIMIT_STACK"
  | "RLIMIT_CORE"
  | "RLIMIT_RSS"
  | "RLIMIT_NPROC"
  | "RLIMIT_NOFILE"
  | "RLIMIT_MEMLOCK"
  | "RLIMIT_AS"
  | "RLIMIT_LOCKS"
  | "RLIMIT_SIGPENDING"
  | "RLIMIT_MSGQUEUE"
  | "RLIMIT_NICE"
  | "RLIMIT_RTPRIO"
  | "RLIMIT_RTTIME";

/** A limit value: "unlimited" (RLIM_INFINITY) or the rlim_t itself, which is 64 bits wide. */
export type RlimitValue = bigint | "unlimited";

export interface PidLimit {
  /** The row name as the kernel prints it: "Max open files". */
  readonly name: string;
  /** The resource this row is for; null for a name this parser does not know (a newer kernel). */
  readonly resource: RlimitResource | null;
  readonly soft: RlimitValue;
  readonly hard: RlimitValue;
  /** "seconds", "bytes", "processes", "files", "locks", "signals", "us"; null for the priority rows. */
  readonly unit: string | null;
}

/** Row names from fs/proc/base.c, in the kernel's (RLIMIT_*) order. */
const RESOURCES: Readonly<Record<string, RlimitResource>> = {
  "Max cpu time": "RLIMIT_CPU",
  "Max file size": "RLIMIT_FSIZE",
  "Max data size": "RLIMIT_DATA",
  "Max stack size": "RLIMIT_STACK",
  "Max core file size": "RLIMIT_CORE",
  "Max resident set": "RLIMIT_RSS",
  "Max processes": "RLIMIT_NPROC",
  "Max open files": "RLIMIT_NOFILE",
  "Max locked memory": "RLIMIT_MEMLOCK",
  "Max address space": "RLIMIT_AS",
  "Max file locks": "RLIMIT_LOCKS",
  "Max pending signals": "RLIMIT_SIGPENDING",
  "Max msgqueue size": "RLIMIT_MSGQUEUE",
  "Max nice priority": "RLIMIT_NICE",
  "Max realtime priority": "RLIMIT_RTPRIO",
  "Max realtime timeout": "RLIMIT_RTTIME",
};

const MAX_RLIM = 2n ** 64n - 1n;
const VALUE = /^(?:unlimited|\d+)$/;

function parseValue(token: string, what: string, line: string, lineNo: number): RlimitValue {
  if (token === "unlimited") return "unlimited";
  if (!/^\d+$/.test(token)) throw new ParseError(`${what} is not a number or "unlimited"`, line, lineNo);
  const value = BigInt(token);
  if (value > MAX_RLIM) throw new ParseError(`${what} does not fit in 64 bits`, line, lineNo);
  return value;
}

/**
 * Parses /proc/PID/limits into one entry per row, in file order.
 * parsePidLimits(text).find((l) => l.resource === "RLIMIT_NOFILE")?.soft === 1024n
 */
export function parsePidLimits(text: string): WithProblems<PidLimit[]> {
  if (text === "") throw new ParseError("empty input", text, 1);
  const problems: LineProblem[] = [];
  // The kernel ends every row with "\n"; without it the last row may be cut mid-number (skipped).
  const lines = splitTableLines(text, problems);
  const header = lines[0] ?? "";
  if (!/^Limit\s+Soft Limit\s+Hard Limit(?:\s+Units)?\s*$/.test(header)) {
    throw new ParseError('expected the header "Limit  Soft Limit  Hard Limit  Units"', header, 1);
  }
  const limits = parseEachLine(lines, 1, problems, (line, lineNo): PidLimit => {
    // The name has spaces but never digits; values never have spaces. Read tokens from the right,
    // so a kernel that widens a column, or a copy with trailing spaces trimmed, still parses.
    const tokens = line.trim().split(/\s+/);
    let end = tokens.length;
    const last = tokens[end - 1] as string;
    const unit = VALUE.test(last) ? null : last;
    if (unit !== null) end -= 1;
    if (end < 3) throw new ParseError('expected "name soft hard [unit]"', line, lineNo);
    const hard = parseValue(tokens[end - 1] as string, "the hard limit", line, lineNo);
    const soft = parseValue(tokens[end - 2] as string, "the soft limit", line, lineNo);
    const name = tokens.slice(0, end - 2).join(" ");
    if (!/^[A-Za-z][A-Za-z ]*$/.test(name)) throw new ParseError("the limit name is not words", line, lineNo);
    return { name, resource: RESOURCES[name] ?? null, soft, hard, unit };
  });
  if (limits.length === 0) throw new ParseError("no limit rows after the header", header, 1);
  return withProblems(limits, problems);
}

/**
 * The row for one resource, or null when the file has none.
 * pidLimit(parsePidLimits(text), "RLIMIT_STACK")?.soft === 8388608n
 */
export function pidLimit(limits: readonly PidLimit[], resource: RlimitResource): PidLimit | null {
  return limits.find((limit) => limit.resource === resource) ?? null;
}
