/**
 * /proc/PID/status — proc(5), "/proc/pid/status".
 * "Key:\tvalue" lines. Fields come and go between kernel versions, so everything but Name, State,
 * Pid and PPid is optional. Memory lines are "NNN kB" and become bytes here.
 */
import { ParseError } from "../../errors.js";
import { type LineProblem, lineProblem, type WithProblems, withProblems } from "../_lines.js";

export interface IdSet {
  readonly real: number;
  readonly effective: number;
  readonly saved: number;
  readonly filesystem: number;
}

export interface PidStatus {
  readonly name: string;
  readonly umask: number | null;
  /** "S (sleeping)" as the letter "S". */
  readonly state: string;
  readonly tgid: number | null;
  readonly ngid: number | null;
  readonly pid: number;
  readonly ppid: number;
  readonly tracerPid: number | null;
  readonly uids: IdSet | null;
  readonly gids: IdSet | null;
  readonly fdSize: number | null;
  readonly groups: readonly number[];
  /** PIDs of this process as seen from each nested PID namespace, outermost first. */
  readonly nsPid: readonly number[];
  readonly nsTgid: readonly number[];
  readonly nsPgid: readonly number[];
  readonly nsSid: readonly number[];
  readonly vmPeakBytes: number | null;
  readonly vmSizeBytes: number | null;
  readonly vmLckBytes: number | null;
  readonly vmPinBytes: number | null;
  readonly vmHwmBytes: number | null;
  readonly vmRssBytes: number | null;
  readonly rssAnonBytes: number | null;
  readonly rssFileBytes: number | null;
  readonly rssShmemBytes: number | null;
  readonly vmDataBytes: number | null;
  readonly vmStkBytes: number | null;
  readonly vmExeBytes: number | null;
  readonly vmLibBytes: number | null;
  readonly vmPteBytes: number | null;
  readonly vmSwapBytes: number | null;
  readonly hugetlbPagesBytes: number | null;
  readonly coreDumping: boolean | null;
  readonly threads: number | null;
  readonly sigQueued: number | null;
  readonly sigQueueLimit: number | null;
  readonly sigPnd: bigint | null;
  readonly shdPnd: bigint | null;
  readonly sigBlk: bigint | null;
  readonly sigIgn: bigint | null;
  readonly sigCgt: bigint | null;
  readonly capInh: bigint | null;
  readonly capPrm: bigint | null;
  readonly capEff: bigint | null;
  readonly capBnd: bigint | null;
  readonly capAmb: bigint | null;
  readonly noNewPrivs: boolean | null;
  /** 0 disabled, 1 strict, 2 filter. */
  readonly seccomp: number | null;
  readonly seccompFilters: number | null;
  readonly speculationStoreBypass: string | null;
  readonly cpusAllowedList: string | null;
  readonly memsAllowedList: string | null;
  readonly voluntaryCtxtSwitches: number | null;
  readonly nonvoluntaryCtxtSwitches: number | null;
  /** Every "Key: value" pair as the kernel wrote it, including keys this parser does not know. */
  readonly raw: Readonly<Record<string, string>>;
}

/** Parses the "Key:\tvalue" lines into a map; lines without a colon are skipped and listed in problemsOf(result). */
export function parseKeyValueLines(text: string): WithProblems<Record<string, string>> {
  const raw: Record<string, string> = {};
  const problems: LineProblem[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line === "") continue;
    const colon = line.indexOf(":");
    if (colon <= 0) {
      problems.push(lineProblem('expected "Key:\\tvalue"', line, i + 1));
      continue;
    }
    raw[line.slice(0, colon)] = line.slice(colon + 1).trim();
  }
  return withProblems(raw, problems);
}

/**
 * Parses /proc/PID/status.
 * parsePidStatus("Name:\tbash\nState:\tS (sleeping)\nPid:\t1\nPPid:\t0\n").state === "S"
 */
export function parsePidStatus(text: string): PidStatus {
  const raw = parseKeyValueLines(text);
  const required = (key: string): string => {
    const value = raw[key];
    if (value === undefined) throw new ParseError(`missing "${key}:" line`, text.slice(0, 80));
    return value;
  };
  const int = (key: string): number | null => {
    const value = raw[key];
    if (value === undefined) return null;
    const n = Number(value);
    if (!Number.isFinite(n)) throw new ParseError(`"${key}" is not a number`, value);
    return n;
  };
  const kb = (key: string): number | null => {
    const value = raw[key];
    if (value === undefined) return null;
    const match = /^(\d+) kB$/.exec(value);
    if (!match) throw new ParseError(`"${key}" is not "N kB"`, value);
    return Number(match[1]) * 1024;
  };
  const hex = (key: string): bigint | null => {
    const value = raw[key];
    if (value === undefined) return null;
    if (!/^[0-9a-fA-F]+$/.test(value)) throw new ParseError(`"${key}" is not hexadecimal`, value);
    return BigInt(`0x${value}`);
  };
  const ids = (key: string): IdSet | null => {
    const value = raw[key];
    if (value === undefined) return null;
    const parts = value.split(/\s+/).map(Number);
    if (parts.length < 4 || parts.some((n) => !Number.isInteger(n))) throw new ParseError(`"${key}" needs four ids`, value);
    return { real: parts[0] as number, effective: parts[1] as number, saved: parts[2] as number, filesystem: parts[3] as number };
  };
  const list = (key: string): number[] => {
    const value = raw[key];
    if (value === undefined || value === "") return [];
    return value.split(/\s+/).map(Number);
  };
  const sigQ = raw.SigQ?.split("/");
  // Name is escaped by the kernel (\n as "\n", backslash as "\\"); undo that. It is printed as
  // "Name:\t%s" (fs/proc/array.c, proc_task_name()), so spaces at either end belong to the name:
  // take it untrimmed.
  const name = nameValue(text, required("Name")).replace(/\\(n|\\)/g, (_, c: string) => (c === "n" ? "\n" : "\\"));
  const pid = int("Pid");
  const ppid = int("PPid");
  if (pid === null || ppid === null) throw new ParseError('missing "Pid:" or "PPid:"', text.slice(0, 80));
  return {
    name,
    umask: raw.Umask === undefined ? null : Number.parseInt(raw.Umask, 8),
    state: required("State").charAt(0),
    tgid: int("Tgid"),
    ngid: int("Ngid"),
    pid,
    ppid,
    tracerPid: int("TracerPid"),
    uids: ids("Uid"),
    gids: ids("Gid"),
    fdSize: int("FDSize"),
    groups: list("Groups"),
    nsPid: list("NSpid"),
    nsTgid: list("NStgid"),
    nsPgid: list("NSpgid"),
    nsSid: list("NSsid"),
    vmPeakBytes: kb("VmPeak"),
    vmSizeBytes: kb("VmSize"),
    vmLckBytes: kb("VmLck"),
    vmPinBytes: kb("VmPin"),
    vmHwmBytes: kb("VmHWM"),
    vmRssBytes: kb("VmRSS"),
    rssAnonBytes: kb("RssAnon"),
    rssFileBytes: kb("RssFile"),
    rssShmemBytes: kb("RssShmem"),
    vmDataBytes: kb("VmData"),
    vmStkBytes: kb("VmStk"),
    vmExeBytes: kb("VmExe"),
    vmLibBytes: kb("VmLib"),
    vmPteBytes: kb("VmPTE"),
    vmSwapBytes: kb("VmSwap"),
    hugetlbPagesBytes: kb("HugetlbPages"),
    coreDumping: raw.CoreDumping === undefined ? null : raw.CoreDumping === "1",
    threads: int("Threads"),
    sigQueued: sigQ ? Number(sigQ[0]) : null,
    sigQueueLimit: sigQ ? Number(sigQ[1]) : null,
    sigPnd: hex("SigPnd"),
    shdPnd: hex("ShdPnd"),
    sigBlk: hex("SigBlk"),
    sigIgn: hex("SigIgn"),
    sigCgt: hex("SigCgt"),
    capInh: hex("CapInh"),
    capPrm: hex("CapPrm"),
    capEff: hex("CapEff"),
    capBnd: hex("CapBnd"),
    capAmb: hex("CapAmb"),
    noNewPrivs: raw.NoNewPrivs === undefined ? null : raw.NoNewPrivs === "1",
    seccomp: int("Seccomp"),
    seccompFilters: int("Seccomp_filters"),
    speculationStoreBypass: raw.Speculation_Store_Bypass ?? null,
    cpusAllowedList: raw.Cpus_allowed_list ?? null,
    memsAllowedList: raw.Mems_allowed_list ?? null,
    voluntaryCtxtSwitches: int("voluntary_ctxt_switches"),
    nonvoluntaryCtxtSwitches: int("nonvoluntary_ctxt_switches"),
    raw,
  };
}

/** The Name line's value exactly as printed (after "Name:\t"), where `trimmed` is what the map holds. */
function nameValue(text: string, trimmed: string): string {
  const at = text.startsWith("Name:") ? 0 : text.indexOf("\nName:") + 1;
  const end = text.indexOf("\n", at);
  const line = text.slice(at + "Name:".length, end < 0 ? undefined : end);
  return line.startsWith("\t") ? line.slice(1) : trimmed;
}

/** The two status fields a process listing needs, found without building the whole record. */
export interface PidStatusBrief {
  readonly uids: IdSet | null;
  readonly vmRssBytes: number | null;
}

/**
 * The value of one "Key:" line of status, trimmed, without parsing the rest; null if absent.
 * pidStatusLine("Name:\tsh\nVmRSS:\t 8 kB\n", "VmRSS:") === "8 kB"
 */
export function pidStatusLine(text: string, key: string): string | null {
  const at = text.startsWith(key) ? 0 : text.indexOf(`\n${key}`);
  if (at < 0) return null;
  const start = (at === 0 ? 0 : at + 1) + key.length;
  const end = text.indexOf("\n", start);
  return text.slice(start, end < 0 ? undefined : end).trim();
}

/**
 * Extracts Uid and VmRSS only: listings read status for every process, and building the full
 * record (60-odd fields) costs more than reading the file.
 * parsePidStatusBrief("Uid:\t1\t2\t3\t4\nVmRSS:\t 8 kB\n").vmRssBytes === 8192
 */
export function parsePidStatusBrief(text: string): PidStatusBrief {
  const uidText = pidStatusLine(text, "Uid:");
  let uids: IdSet | null = null;
  if (uidText !== null) {
    const parts = uidText.split("\t").map(Number);
    if (parts.length < 4 || parts.some((n) => !Number.isInteger(n))) throw new ParseError('"Uid" needs four ids', uidText);
    uids = { real: parts[0] as number, effective: parts[1] as number, saved: parts[2] as number, filesystem: parts[3] as number };
  }
  const rssText = pidStatusLine(text, "VmRSS:");
  let vmRssBytes: number | null = null;
  if (rssText !== null) {
    if (!rssText.endsWith(" kB")) throw new ParseError('"VmRSS" is not "N kB"', rssText);
    vmRssBytes = Number(rssText.slice(0, -3)) * 1024;
    if (!Number.isFinite(vmRssBytes)) throw new ParseError('"VmRSS" is not "N kB"', rssText);
  }
  return { uids, vmRssBytes };
}
