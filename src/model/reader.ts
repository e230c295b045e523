/**
 * The one per-process reader. A caller asks for fields; each field knows the files it needs; each
 * file is read at most once per process, through one open directory, so every field describes the
 * same process (as psutil's `oneshot()` and htop's read flags do). `ps`, `show`, `top`, `watch`,
 * `lsof`, the HTTP API and the exporter all read processes here, so a field means the same thing
 * everywhere, with the same reasons when it cannot be read.
 */

import { plural } from "../_plural.js";
import { hiddenListingNotice } from "../access/denied.js";
import { prereadProcesses } from "../access/preread.js";
import type { ProcessDir } from "../access/proc-fs.js";
import type { SystemInfo } from "../access/system-info.js";
import { decodeBytes, rawBase64IfInvalid } from "../bytes.js";
import { AccessDenied, ProcError, ProcessGone, Unavailable } from "../errors.js";
import { ttyName } from "../processes/tty.js";
import { parseCmdline, splitNulBytes } from "../procfs/pid/cmdline.js";
import { type PidIo, parsePidIo } from "../procfs/pid/io.js";
import { type PidLimit, parsePidLimits, pidLimit } from "../procfs/pid/limits.js";
import { parsePidSmaps, type SmapsTotals, smapsTotals } from "../procfs/pid/smaps.js";
import { isKernelThreadFlags, type PidStat, parsePidStat } from "../procfs/pid/stat.js";
import { parsePidStatm } from "../procfs/pid/statm.js";
import { pidStatusLine } from "../procfs/pid/status.js";

export const ZOMBIE_REASON = "zombie: it has exited and waits for its parent to reap it";
export const KERNEL_THREAD_NO_EXE = "kernel thread: it has no executable";
export const KERNEL_THREAD_NO_MEMORY = "kernel thread: it has no user memory";

export interface UserNames {
  userName(uid: number): string;
  /** The uid of a user name, or null when no entry has it (absent: names cannot be looked up). */
  findUid?(name: string): number | null;
}

/** What the readers need besides /proc itself. */
export interface ProcessContext {
  readonly procFs: import("../access/proc-fs.js").ProcFs;
  readonly system: SystemInfo;
  readonly users: UserNames;
}

/** Why a field is null: a sentence a user can act on. Keyed by field name. */
export type FieldErrors = Record<string, string>;

/** Every field the reader knows, with the type of its value (null when unreadable, reason in errors). */
export interface ProcessFieldValues {
  pid: number;
  /** Start time in clock ticks after boot (stat field 22); with the pid, the process's identity. */
  startTimeTicks: number;
  ppid: number;
  pgid: number;
  sid: number;
  /** The controlling terminal's name ("pts/0"), null without one. */
  tty: string | null;
  comm: string;
  /** One letter, as in stat: R S D Z T t I X. */
  state: string;
  kernelThread: boolean;
  threads: number;
  nice: number;
  priority: number;
  /** ISO 8601; null if the boot time is unknown (a captured tree without /proc/stat). */
  startTime: string | null;
  /** User + system CPU seconds of the process (not its children). */
  cpuSeconds: number;
  cpuUserSeconds: number;
  cpuSystemSeconds: number;
  /** CPU seconds of children that exited and were waited for (cutime/cstime). */
  childrenCpuUserSeconds: number;
  childrenCpuSystemSeconds: number;
  /** Lifetime CPU use as ps computes it: cpuSeconds / seconds since start × 100; one decimal. */
  cpuPercent: number | null;
  /**
   * Resident memory from statm: the count status shows as VmRSS and procps and psutil report
   * (stat's rss is not summed over the CPUs' batches, so it can be off by hundreds of KiB).
   */
  rssBytes: number | null;
  vszBytes: number;
  swapBytes: number | null;
  /** Proportional resident and swapped memory (smaps_rollup): costly on big processes, read only when asked. */
  pssBytes: number | null;
  swapPssBytes: number | null;
  minorFaults: number;
  majorFaults: number;
  /** Effective uid, as ps's USER column. */
  uid: number | null;
  user: string | null;
  voluntaryCtxSwitches: number | null;
  nonvoluntaryCtxSwitches: number | null;
  /** Bytes the process caused to be read from / written to storage (io read_bytes/write_bytes). */
  readBytes: number | null;
  writeBytes: number | null;
  /** argv; empty for kernel threads and zombies. */
  cmdline: string[] | null;
  exe: string | null;
  cwd: string | null;
  fdCount: number | null;
  /** Soft RLIMIT_NOFILE; null also when unlimited. */
  fdLimit: number | null;
}

export type ProcessField = keyof ProcessFieldValues;

/**
 * The raw bytes, in base64, of text fields that were not valid UTF-8 (their text shows the bad
 * bytes as `\xNN`): a string for a string field, for a list one entry per element (null where
 * that element was valid), for a map (environ) the values that were not valid, by key. docs/json.md,
 * "Text that is not UTF-8".
 */
export type RawBase64 = Record<string, string | (string | null)[] | Record<string, string>>;

/** What the reader returns: the asked fields, the identity, and why any of them is null. */
export type ProcessRecord<F extends ProcessField> = Pick<ProcessFieldValues, F | "pid" | "startTimeTicks"> & {
  readonly errors: FieldErrors;
  /** Present only when one of the asked text fields was not valid UTF-8. */
  readonly rawBase64?: RawBase64;
};

/**
 * The files of one process, each read (and parsed) at most once, failures kept as well as values.
 * A ProcessGone ends the whole read; other failures become the reason of the fields that need them.
 */
export class ProcessFileCache {
  private statValue: PidStat | undefined;
  private readonly cache = new Map<string, { value: unknown } | { error: ProcError }>();
  /** Base64 of the files' text that was not valid UTF-8, by field (cmdline, exe, cwd, root). */
  readonly raw: RawBase64 = {};

  constructor(
    readonly dir: ProcessDir,
    readonly context: ProcessContext,
  ) {}

  get pid(): number {
    return this.dir.pid;
  }

  /** stat is always read: it holds the identity and says whether the process is a zombie or a kernel thread. */
  stat(): PidStat {
    this.statValue ??= this.dir.parse("stat", parsePidStat);
    return this.statValue;
  }

  get zombie(): boolean {
    const state = this.stat().state;
    return state === "Z" || state === "X";
  }

  get kernelThread(): boolean {
    return isKernelThreadFlags(this.stat().flags);
  }

  /** Reads once; a typed failure is remembered and thrown again to every field that needs the file. */
  private once<T>(name: string, read: () => T): T {
    const hit = this.cache.get(name);
    if (hit !== undefined) {
      if ("error" in hit) throw hit.error;
      return hit.value as T;
    }
    try {
      const value = read();
      this.cache.set(name, { value });
      return value;
    } catch (error) {
      if (error instanceof ProcError && !(error instanceof ProcessGone)) this.cache.set(name, { error });
      throw error;
    }
  }

  statusText(): string {
    return this.once("status", () => this.dir.readText("status"));
  }

  /** stat's comm; when it shows bytes that are not UTF-8, their twin from the comm file. */
  comm(): string {
    const comm = this.stat().comm;
    if (comm.includes("\\x") && this.raw.comm === undefined) {
      try {
        const bytes = this.dir.readBytes("comm");
        const twin = rawBase64IfInvalid(bytes.subarray(0, bytes[bytes.length - 1] === 0x0a ? -1 : undefined));
        if (twin !== null) this.raw.comm = twin;
      } catch (error) {
        if (error instanceof ProcessGone) throw error;
        // The name is still shown; only its twin is missing.
      }
    }
    return comm;
  }

  cmdline(): string[] {
    return this.once("cmdline", () =>
      this.dir.parseBytes("cmdline", (bytes) => {
        const args = parseCmdline(bytes);
        // decodeBytes writes \xNN only for bytes that are not UTF-8: no backslash, nothing to keep.
        if (args.some((a) => a.includes("\\x"))) {
          const raw = splitNulBytes(bytes).map(rawBase64IfInvalid);
          if (raw.some((r) => r !== null)) this.raw.cmdline = raw;
        }
        return args;
      }),
    );
  }

  io(): PidIo {
    return this.once("io", () => this.dir.parse("io", parsePidIo));
  }

  limits(): readonly PidLimit[] {
    return this.once("limits", () => this.dir.parse("limits", parsePidLimits));
  }

  link(name: "exe" | "cwd" | "root"): string {
    return this.once(name, () => {
      if (this.kernelThread && name === "exe") throw new Unavailable(KERNEL_THREAD_NO_EXE);
      if (this.zombie) throw new Unavailable(ZOMBIE_REASON);
      const bytes = this.dir.readLink(name);
      const text = decodeBytes(bytes);
      const raw = text.includes("\\x") ? rawBase64IfInvalid(bytes) : null;
      if (raw !== null) this.raw[name] = raw;
      return text;
    });
  }

  fdNames(): string[] {
    return this.once("fd", () => {
      if (this.zombie) throw new Unavailable(ZOMBIE_REASON);
      return this.dir.listDir("fd");
    });
  }

  smapsRollup(): SmapsTotals {
    return this.once("smaps_rollup", () => {
      if (this.kernelThread) throw new Unavailable(KERNEL_THREAD_NO_MEMORY);
      if (this.zombie) throw new Unavailable(ZOMBIE_REASON);
      return smapsTotals(this.dir.parse("smaps_rollup", parsePidSmaps));
    });
  }

  /** A "N kB" status line in bytes; null when the kernel leaves the line out (kernel threads have no Vm lines). */
  statusBytes(key: string): number | null {
    const text = pidStatusLine(this.statusText(), key);
    if (text === null) return null;
    return kbToBytes(text, key);
  }

  statusNumber(key: string): number | null {
    const text = pidStatusLine(this.statusText(), key);
    if (text === null) return null;
    const n = Number(text);
    if (!Number.isInteger(n)) throw new Unavailable(`status "${key}" is not a number: ${JSON.stringify(text.slice(0, 40))}`);
    return n;
  }

  /** statm's resident pages in bytes: the same count as status's VmRSS, from a file a tenth its length. */
  residentBytes(): number {
    return this.once("statm", () => this.dir.parse("statm", parsePidStatm)).residentPages * this.context.system.pageSize;
  }

  effectiveUid(): number | null {
    // The live directory's owner is the effective uid, non-dumpable processes included (the kernel
    // gives their files to root, never the directory): procps reads it so, without the cost of
    // status. A captured tree's directories belong to whoever unpacked it: there, status's.
    if (this.context.procFs.isLive) return this.once(".", () => this.dir.ownerUid());
    const text = pidStatusLine(this.statusText(), "Uid:");
    if (text === null) return null;
    const effective = Number(text.split("\t")[1]);
    if (!Number.isInteger(effective)) throw new Unavailable(`status "Uid:" has no effective uid: ${JSON.stringify(text.slice(0, 40))}`);
    return effective;
  }
}

function kbToBytes(text: string, key: string): number {
  const n = text.endsWith(" kB") ? Number(text.slice(0, -3)) : Number.NaN;
  if (!Number.isInteger(n)) throw new Unavailable(`status "${key}" is not "N kB": ${JSON.stringify(text.slice(0, 40))}`);
  return n * 1024;
}

/** ps's pcpu: CPU seconds over seconds since the process started, in percent, one decimal. */
export function lifetimeCpuPercent(stat: PidStat, system: SystemInfo): number | null {
  if (system.uptimeSeconds === null) return null;
  const elapsed = system.uptimeSeconds - stat.startTimeTicks / system.clockTicks;
  if (elapsed <= 0) return 0;
  return Math.round(((stat.utimeTicks + stat.stimeTicks) / system.clockTicks / elapsed) * 1000) / 10;
}

export function startTimeIso(startTimeTicks: number, system: SystemInfo): string | null {
  if (system.bootTime === null) return null;
  return new Date((system.bootTime + startTimeTicks / system.clockTicks) * 1000).toISOString();
}

/** The reason a field is null, from the error its read threw; rethrows what must end the read. */
export function fieldFailure(error: unknown): string {
  if (error instanceof ProcessGone) throw error;
  if (error instanceof AccessDenied) return `permission denied: ${error.reason}`;
  if (error instanceof ProcError) return error.message;
  throw error;
}

type FieldReader<T> = (files: ProcessFileCache) => T;

/**
 * How each field is read. A field whose read throws a typed error is null with the reason; a
 * value of null without an error needs its own reason, given by `absent`.
 */
const FIELD_READERS: { readonly [K in ProcessField]: FieldReader<ProcessFieldValues[K]> } = {
  pid: (f) => f.pid,
  startTimeTicks: (f) => f.stat().startTimeTicks,
  ppid: (f) => f.stat().ppid,
  pgid: (f) => f.stat().pgrp,
  sid: (f) => f.stat().session,
  tty: (f) => ttyName(f.stat().ttyNr),
  comm: (f) => f.comm(),
  state: (f) => f.stat().state,
  kernelThread: (f) => f.kernelThread,
  threads: (f) => f.stat().numThreads,
  nice: (f) => f.stat().nice,
  priority: (f) => f.stat().priority,
  startTime: (f) => startTimeIso(f.stat().startTimeTicks, f.context.system),
  cpuSeconds: (f) => (f.stat().utimeTicks + f.stat().stimeTicks) / f.context.system.clockTicks,
  cpuUserSeconds: (f) => f.stat().utimeTicks / f.context.system.clockTicks,
  cpuSystemSeconds: (f) => f.stat().stimeTicks / f.context.system.clockTicks,
  childrenCpuUserSeconds: (f) => f.stat().cutimeTicks / f.context.system.clockTicks,
  childrenCpuSystemSeconds: (f) => f.stat().cstimeTicks / f.context.system.clockTicks,
  cpuPercent: (f) => lifetimeCpuPercent(f.stat(), f.context.system),
  rssBytes: (f) => (f.kernelThread || f.zombie ? 0 : f.residentBytes()),
  vszBytes: (f) => f.stat().vsizeBytes,
  swapBytes: (f) => (f.kernelThread || f.zombie ? 0 : f.statusBytes("VmSwap:")),
  pssBytes: (f) => f.smapsRollup().pssBytes,
  swapPssBytes: (f) => f.smapsRollup().swapPssBytes,
  minorFaults: (f) => f.stat().minorFaults,
  majorFaults: (f) => f.stat().majorFaults,
  uid: (f) => f.effectiveUid(),
  user: (f) => {
    const uid = f.effectiveUid();
    return uid === null ? null : f.context.users.userName(uid);
  },
  voluntaryCtxSwitches: (f) => f.statusNumber("voluntary_ctxt_switches:"),
  nonvoluntaryCtxSwitches: (f) => f.statusNumber("nonvoluntary_ctxt_switches:"),
  readBytes: (f) => f.io().readBytes,
  writeBytes: (f) => f.io().writeBytes,
  cmdline: (f) => f.cmdline(),
  exe: (f) => f.link("exe"),
  cwd: (f) => f.link("cwd"),
  fdCount: (f) => f.fdNames().length,
  fdLimit: (f) => {
    const soft = pidLimit(f.limits(), "RLIMIT_NOFILE")?.soft;
    return soft === undefined || soft === "unlimited" ? null : Number(soft);
  },
};

/**
 * The files each field reads, beyond stat (always read): what a listing reads ahead for all
 * processes at once. A link is "@name", the directory's owner ".". Fields without an entry read
 * only stat, or (fdCount) something read the ordinary way.
 */
const FIELD_FILES: Partial<Record<ProcessField, string>> = {
  rssBytes: "statm",
  swapBytes: "status",
  // The directory's owner (only live trees are read ahead; a captured one reads status).
  uid: ".",
  user: ".",
  voluntaryCtxSwitches: "status",
  nonvoluntaryCtxSwitches: "status",
  cmdline: "cmdline",
  readBytes: "io",
  writeBytes: "io",
  fdLimit: "limits",
  exe: "@exe",
  cwd: "@cwd",
  pssBytes: "smaps_rollup",
  swapPssBytes: "smaps_rollup",
};

/** The files `fields` read, stat first: filesOf(["rssBytes", "exe"]) is ["stat", "statm", "@exe"]. */
export function filesOf(fields: readonly ProcessField[]): string[] {
  const files = new Set(["stat"]);
  for (const field of fields) {
    const file = FIELD_FILES[field];
    if (file !== undefined) files.add(file);
  }
  return [...files];
}

/** Reasons for fields that are null without a failed read (the kernel left the line out). */
const ABSENT_REASONS: Partial<Record<ProcessField, string>> = {
  uid: "status has no Uid line",
  user: "status has no Uid line",
  swapBytes: "status has no VmSwap line",
  voluntaryCtxSwitches: "status has no voluntary_ctxt_switches line",
  nonvoluntaryCtxSwitches: "status has no nonvoluntary_ctxt_switches line",
  tty: "",
  startTime: "",
  cpuPercent: "",
  fdLimit: "no soft limit on open files (unlimited)",
};

export const PROCESS_FIELDS = Object.keys(FIELD_READERS) as ProcessField[];

/**
 * Reads the asked fields from an open process directory. Throws ProcessGone if the process exits
 * meanwhile; any other failure makes its fields null with a reason.
 */
export function readProcessFields<F extends ProcessField>(files: ProcessFileCache, fields: readonly F[]): ProcessRecord<F> {
  const stat = files.stat();
  const errors: FieldErrors = {};
  // The directory name is how the process is addressed; the kernel always writes the same PID into
  // stat, but a captured tree need not.
  const record: Record<string, unknown> = { pid: files.pid, startTimeTicks: stat.startTimeTicks };
  for (const field of fields) {
    if (field === "pid" || field === "startTimeTicks") continue;
    let value: unknown;
    try {
      value = FIELD_READERS[field](files);
    } catch (error) {
      errors[field] = fieldFailure(error);
      value = null;
    }
    if (value === null && errors[field] === undefined) {
      const reason = absentReason(field, files);
      if (reason !== "") errors[field] = reason;
    }
    record[field] = value;
  }
  record.errors = errors;
  // Rarely anything: no arrays made for the common case.
  let raw: RawBase64 | undefined;
  for (const field in files.raw) {
    if (!(fields as readonly string[]).includes(field)) continue;
    raw ??= {};
    raw[field] = files.raw[field] as RawBase64[string];
  }
  if (raw !== undefined) record.rawBase64 = raw;
  return record as ProcessRecord<F>;
}

function absentReason(field: ProcessField, files: ProcessFileCache): string {
  const { system } = files.context;
  if (field === "startTime") return system.bootTime === null ? (system.errors.bootTime ?? "boot time unknown") : "";
  if (field === "cpuPercent") return system.uptimeSeconds === null ? (system.errors.uptimeSeconds ?? "uptime unknown") : "";
  return ABSENT_REASONS[field] ?? "no value";
}

/**
 * Reads one process by PID. Throws ProcessGone when it does not exist or exits meanwhile, and
 * AccessDenied when even its stat cannot be read (hidepid).
 * readProcess(context, 1, ["comm", "rssBytes"]).comm === "systemd"
 */
export function readProcess<F extends ProcessField>(context: ProcessContext, pid: number, fields: readonly F[]): ProcessRecord<F> {
  const dir = context.procFs.openProcess(pid);
  try {
    return readProcessFields(new ProcessFileCache(dir, context), fields);
  } finally {
    dir.close();
  }
}

/** Processes a listing could not read, counted by reason (never dropped silently). */
export interface SkippedProcesses {
  readonly count: number;
  readonly reasons: Readonly<Record<string, number>>;
  /** Set when /proc itself hides processes from us (hidepid=2), so they are not even counted. */
  readonly hidden: string | null;
}

export interface ProcessListing<T> {
  readonly processes: T[];
  readonly skipped: SkippedProcesses;
}

export interface ListProcessesOptions<F extends ProcessField> {
  readonly fields: readonly F[];
  /** Only these PIDs (others are not read at all); absent ones are skipped as exited. */
  readonly pids?: readonly number[];
  /**
   * Called with each process as soon as it is read, in the order of `pids` (ascending without
   * it), instead of being kept in `processes` (left empty): a caller can work on the first
   * processes while the helper's threads still read the rest, and keep only what it needs.
   */
  readonly onProcess?: (process: ProcessRecord<F>) => void;
}

/**
 * Lists processes (not threads), reading for each only the files the fields need. Processes that
 * exit mid-listing are left out; processes that cannot be read at all are counted in `skipped` by
 * reason; fields that cannot be read are null with a reason.
 * listProcesses(context, { fields: ["comm"] }).processes.find((p) => p.pid === 1)?.comm
 */
export function listProcesses<F extends ProcessField>(
  context: ProcessContext,
  options: ListProcessesOptions<F>,
): ProcessListing<ProcessRecord<F>> {
  const pids = options.pids ?? context.procFs.listPids();
  const processes: ProcessRecord<F>[] = [];
  const reasons: Record<string, number> = {};
  let count = 0;
  // Many processes: their files are read ahead on other threads (the native helper) while this
  // one parses; a process it could not read cleanly is read here, with the usual error reporting.
  const preread = pids.length > 1 ? prereadProcesses(context.procFs, pids, filesOf(options.fields)) : null;
  const processesToRead = preread ?? pids.map((pid) => ({ pid, dir: null }));
  for (const { pid, dir: readAhead } of processesToRead) {
    let dir: ProcessDir;
    try {
      dir = readAhead ?? context.procFs.openProcess(pid);
    } catch (error) {
      if (!(error instanceof ProcessGone)) {
        count++;
        countReason(reasons, error);
      }
      continue;
    }
    let record: ProcessRecord<F> | null = null;
    try {
      record = readProcessFields(new ProcessFileCache(dir, context), options.fields);
    } catch (error) {
      if (!(error instanceof ProcessGone)) {
        count++;
        countReason(reasons, error);
      }
    } finally {
      dir.close();
    }
    if (record === null) continue;
    if (options.onProcess) options.onProcess(record);
    else processes.push(record);
  }
  return { processes, skipped: { count, reasons, hidden: hiddenListingNotice(context.procFs) } };
}

/** Counts a process a listing could not read under its reason; rethrows what is not ours (a bug). */
export function countReason(reasons: Record<string, number>, error: unknown): void {
  // Only our typed errors are per-process conditions; anything else is a bug and must surface.
  if (!(error instanceof ProcError)) throw error;
  const reason = error instanceof AccessDenied ? `permission denied: ${error.reason}` : error.message;
  reasons[reason] = (reasons[reason] ?? 0) + 1;
}

/**
 * A tally of unreadable processes for listings that go process by process (lsof, peers, progress):
 * `add` each ProcError a process was skipped for, then `skipped()` gives the same SkippedProcesses
 * that listProcesses returns, so describeSkipped words both alike.
 * const tally = new SkippedTally(); listOpenFiles(context, { onSkipped: (_pid, e) => tally.add(e) });
 */
export class SkippedTally {
  private count = 0;
  private readonly reasons: Record<string, number> = {};
  private readonly pids = new Set<number>();

  /** Counts process `pid` once, under the reason of `error` (rethrows what is not a ProcError). */
  add(pid: number, error: unknown): void {
    if (this.pids.has(pid)) return;
    countReason(this.reasons, error);
    this.pids.add(pid);
    this.count++;
  }

  skipped(procFs: import("../access/proc-fs.js").ProcFs): SkippedProcesses {
    return { count: this.count, reasons: { ...this.reasons }, hidden: hiddenListingNotice(procFs) };
  }
}

/** One line for a listing's end: "3 processes could not be read (permission denied: hidepid=1 …: 3)". */
export function describeSkipped(skipped: SkippedProcesses): string | null {
  const sentences: string[] = [];
  if (skipped.count > 0) {
    const parts = Object.entries(skipped.reasons).map(([reason, n]) => `${reason}: ${n}`);
    sentences.push(`${plural(skipped.count, "process", "processes")} could not be read (${parts.join("; ")})`);
  }
  if (skipped.hidden !== null) sentences.push(skipped.hidden);
  return sentences.length === 0 ? null : sentences.join("; ");
}
