/**
 * What a rule may ask about one process, read lazily through one open process directory and at
 * most once per file however many rules ask (environ, status, maps or smaps, the stdio fds, a few
 * bytes of memory). The directory is opened once and its start time checked against the listing,
 * so every fact belongs to the process the listing saw (a reused PID is skipped, not mixed in).
 */
import type { ProcessDir, ProcFs } from "../access/proc-fs.js";
import { NotFound, ProcError, ProcessGone, Unavailable } from "../errors.js";
import { type FileDescriptor, readFd } from "../files/fds.js";
import { type Socket, socketTablesByNamespace } from "../files/sockets.js";
import type { Finding } from "../model/finding.js";
import type { ProcessContext } from "../model/reader.js";
import type { Severity } from "../model/severity.js";
import { parseEnviron } from "../procfs/pid/cmdline.js";
import { parsePidMaps, type Region } from "../procfs/pid/maps.js";
import { parsePidSmaps, type SmapsRegion } from "../procfs/pid/smaps.js";
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
}

/** A rule: a plain function over the library's data. `process` runs per process, `system` once. */
export interface Rule {
  readonly id: string;
  /** One line for `--help` and the docs. */
  readonly description: string;
  /** Needs smaps rather than maps (costly: the kernel walks every page table). */
  readonly smaps?: boolean;
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
  private smapsCache: readonly SmapsRegion[] | undefined;
  private stdioCache: readonly (FileDescriptor | null)[] | undefined;

  constructor(
    readonly process: AuditedProcess,
    readonly dir: ProcessDir,
    private readonly preferSmaps: boolean,
  ) {}

  /** Opens a process's directory and checks it is still the process the listing saw. */
  static open(procFs: ProcFs, process: AuditedProcess, preferSmaps: boolean): ProcessFacts {
    const dir = procFs.openProcess(process.pid);
    try {
      const identity = dir.parse("stat", parsePidStatIdentity);
      if (identity.startTimeTicks !== process.startTimeTicks) throw new ProcessGone(process.pid, { reused: true });
    } catch (error) {
      dir.close();
      throw error;
    }
    return new ProcessFacts(process, dir, preferSmaps);
  }

  get pid(): number {
    return this.process.pid;
  }

  environ(): Readonly<Record<string, string>> {
    this.environCache ??= parseEnviron(this.dir.readBytes("environ"));
    return this.environCache;
  }

  status(): PidStatus {
    this.statusCache ??= this.dir.parse("status", parsePidStatus);
    return this.statusCache;
  }

  /** The memory map; from smaps when a rule of this run needs smaps (one read serves both). */
  regions(): readonly Region[] {
    if (this.regionsCache) return this.regionsCache;
    if (this.preferSmaps) {
      try {
        this.regionsCache = this.smaps();
        return this.regionsCache;
      } catch (error) {
        // A capture holds maps but not smaps: fall back.
        if (!(error instanceof Unavailable)) throw error;
      }
    }
    this.regionsCache = this.dir.parse("maps", parsePidMaps);
    return this.regionsCache;
  }

  smaps(): readonly SmapsRegion[] {
    this.smapsCache ??= this.dir.parse("smaps", parsePidSmaps);
    return this.smapsCache;
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

/** Socket tables per network namespace, read on first use (most runs need none). */
export function socketTableCache(procFs: ProcFs): (pid: number) => readonly Omit<Socket, "owners">[] {
  const tablesOf = socketTablesByNamespace(procFs);
  return (pid) => tablesOf(pid).tables.sockets;
}
