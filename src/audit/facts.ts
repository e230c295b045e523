/**
 * What a rule may ask about one process, read lazily through one open process directory and at
 * most once per file however many rules ask (environ, status, maps or smaps, the stdio fds, a few
 * bytes of memory). The directory is opened once and its start time checked against the listing,
 * so every fact belongs to the process the listing saw (a reused PID is skipped, not mixed in).
 */
import type { ProcessDir, ProcFs } from "../access/proc-fs.js";
import { decodeBytes } from "../bytes.js";
import { NotFound, ProcError, ProcessGone, Unavailable } from "../errors.js";
import { type FileDescriptor, readFd } from "../files/fds.js";
import { type Socket, socketTablesByNamespace } from "../files/sockets.js";
import type { Finding } from "../model/finding.js";
import type { ProcessContext } from "../model/reader.js";
import type { Severity } from "../model/severity.js";
import { problemsOf } from "../procfs/_lines.js";
import { parseEnviron } from "../procfs/pid/cmdline.js";
import { parsePidMaps, type Region } from "../procfs/pid/maps.js";
import { createSmapsParser, type SmapsRegion } from "../procfs/pid/smaps.js";
import { parsePidStatIdentity } from "../procfs/pid/stat.js";
import { type PidStatus, parsePidStatus } from "../procfs/pid/status.js";
import type { AuditedProcess } from "./processes.js";

export type { Finding } from "../model/finding.js";

/** Facts about the system shared by every rule of one run. */
export interface AuditEnv {
  readonly context: ProcessContext;
  readonly procFs: ProcFs;
  /** Every process listed (all of them, even when only some PIDs are audited). */
  readonly processes: readonly AuditedProcess[];
  readonly byPid: ReadonlyMap<number, AuditedProcess>;
  /** Our own PID on a live system (rules skip it), else null. */
  readonly selfPid: number | null;
  readonly signal?: AbortSignal;
  /** Socket tables of a network namespace, read once per namespace (keyed by a PID inside it). */
  socketsOf(pid: number): readonly Omit<Socket, "owners">[];
  /** Counts a part of a check that could not be done (the rest was) in the result's `notChecked`. */
  notChecked(reason: string): void;
}

/** A rule: a plain function over the library's data. `process` runs per process, `system` once. */
export interface Rule {
  readonly id: string;
  /** One line for `--help` and the docs. */
  readonly description: string;
  /** Runs only when asked for (--memory). */
  readonly optIn?: boolean;
  process?(facts: ProcessFacts, env: AuditEnv): Finding[] | Promise<Finding[]>;
  system?(env: AuditEnv, options: { readonly pids: readonly number[] | null }): Finding[] | Promise<Finding[]>;
}

/** A finding about a process, with the identity fields filled from its row. */
export function finding(
  p: AuditedProcess,
  rule: string,
  severity: Severity,
  summary: string,
  evidence: Record<string, unknown>,
  hint: string,
): Finding {
  return { rule, severity, pid: p.pid, startTimeTicks: p.startTimeTicks, comm: p.comm, exe: p.exe, summary, evidence, hint };
}

export class ProcessFacts {
  private environCache: Readonly<Record<string, string>> | undefined;
  private statusCache: PidStatus | undefined;
  private regionsCache: readonly Region[] | undefined;
  private fileCodeCache: readonly SmapsRegion[] | undefined;
  private stdioCache: readonly (FileDescriptor | null)[] | undefined;

  constructor(
    readonly process: AuditedProcess,
    readonly dir: ProcessDir,
  ) {}

  /** Opens a process's directory and checks it is still the process the listing saw. */
  static open(procFs: ProcFs, process: AuditedProcess): ProcessFacts {
    const dir = procFs.openProcess(process.pid);
    try {
      const identity = dir.parse("stat", parsePidStatIdentity);
      if (identity.startTimeTicks !== process.startTimeTicks) throw new ProcessGone(process.pid, { reused: true });
    } catch (error) {
      dir.close();
      throw error;
    }
    return new ProcessFacts(process, dir);
  }

  get pid(): number {
    return this.process.pid;
  }

  /**
   * The exe link text (" (deleted)" included), null for kernel threads and zombies. Throws when
   * the link could not be read (another user's process), so a rule about the executable counts
   * the process as not checked instead of passing it.
   */
  exe(): string | null {
    const { exe, errors, kernelThread, state } = this.process;
    // A kernel thread's or a zombie's null comes with its explanation, not a failure.
    if (exe !== null || errors.exe === undefined || kernelThread || state === "Z") return exe;
    throw new Unavailable(errors.exe);
  }

  environ(): Readonly<Record<string, string>> {
    this.environCache ??= parseEnviron(this.dir.readBytes("environ"));
    return this.environCache;
  }

  status(): PidStatus {
    this.statusCache ??= this.dir.parse("status", parsePidStatus);
    return this.statusCache;
  }

  /** Files of this process with lines that did not parse (skipped: the rules saw the rest). */
  readonly filesWithSkippedLines = new Set<"maps" | "smaps">();

  /** The memory map (maps). */
  regions(): readonly Region[] {
    if (this.regionsCache) return this.regionsCache;
    const regions = this.dir.parse("maps", parsePidMaps);
    if (problemsOf(regions).length > 0) this.filesWithSkippedLines.add("maps");
    this.regionsCache = regions;
    return regions;
  }

  /**
   * The smaps records of the private executable mappings of files, the only ones a rule asks
   * about. smaps is streamed and every other block skipped: held whole, the smaps of a process
   * with 60,000 mappings (20 MB of text, 60,000 records) took audit to 430 MB; streamed, 70 MB.
   */
  fileCodeSmaps(): readonly SmapsRegion[] {
    if (this.fileCodeCache) return this.fileCodeCache;
    const found: SmapsRegion[] = [];
    const parser = createSmapsParser(
      (region) => found.push(region),
      (header) => header.executable && !header.shared && header.path?.startsWith("/") === true,
    );
    streamLines(this.dir, "smaps", (text) => parser.feed(text));
    if (parser.end().length > 0) this.filesWithSkippedLines.add("smaps");
    this.fileCodeCache = found;
    return found;
  }

  /** fds 0, 1 and 2 (null where not open): the link and its type, no fdinfo. */
  stdio(): readonly (FileDescriptor | null)[] {
    if (this.stdioCache) return this.stdioCache;
    const fds: (FileDescriptor | null)[] = [];
    for (const fd of [0, 1, 2]) {
      try {
        fds.push(readFd(this.dir, fd, { fdinfo: false, stat: false }));
      } catch (error) {
        if (!(error instanceof NotFound)) throw error;
        fds.push(null);
      }
    }
    this.stdioCache = fds;
    return fds;
  }

  /** Up to `length` bytes at `address` from /proc/PID/mem; null with a reason when unreadable. */
  readMemory(address: bigint, length: number): { bytes: Buffer | null; reason: string | null } {
    let mem: ReturnType<ProcessDir["openRaw"]>;
    try {
      mem = this.dir.openRaw("mem", "r");
    } catch (error) {
      if (error instanceof ProcError && error.kind !== "ProcessGone") return { bytes: null, reason: error.message };
      throw error;
    }
    try {
      const buffer = Buffer.alloc(length);
      const n = mem.read(buffer, 0, length, address);
      return { bytes: buffer.subarray(0, n), reason: null };
    } catch (error) {
      if (error instanceof ProcError && error.kind !== "ProcessGone") return { bytes: null, reason: error.message };
      throw error;
    } finally {
      mem.close();
    }
  }

  close(): void {
    this.dir.close();
  }
}

const STREAM_PIECE = 64 * 1024;

/**
 * Reads a file through `feed` piece by piece, each piece ending at a newline (so no UTF-8
 * sequence is cut) and decoded as the rest of procscope decodes (invalid bytes as \xNN).
 */
function streamLines(dir: ProcessDir, name: string, feed: (text: string) => void): void {
  const file = dir.openRaw(name, "r");
  try {
    const buffer = Buffer.allocUnsafe(STREAM_PIECE);
    let carry = Buffer.alloc(0);
    let position = 0n;
    for (;;) {
      const n = file.read(buffer, 0, buffer.length, position);
      if (n === 0) break;
      position += BigInt(n);
      const data = carry.length === 0 ? buffer.subarray(0, n) : Buffer.concat([carry, buffer.subarray(0, n)]);
      const cut = data.lastIndexOf(0x0a) + 1;
      if (cut > 0) feed(decodeBytes(data.subarray(0, cut)));
      carry = Buffer.from(data.subarray(cut));
    }
    if (carry.length > 0) feed(decodeBytes(carry));
  } finally {
    file.close();
  }
}

/** Socket tables per network namespace, read on first use (most runs need none). */
export function socketTableCache(procFs: ProcFs): (pid: number) => readonly Omit<Socket, "owners">[] {
  const tablesOf = socketTablesByNamespace(procFs);
  return (pid) => tablesOf(pid).tables.sockets;
}
