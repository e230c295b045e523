/**
 * The sampler behind `top`: each sample reads /proc/stat, meminfo, loadavg, uptime and every
 * process's stat, and turns the differences with the previous sample into CPU% per process and
 * per CPU and I/O rates. History is keyed by (pid, start time), so a reused PID starts afresh.
 *
 * Cost per refresh, steady state: one readdir of the root and one read of PID/stat per process
 * (plus PID/io when I/O rates are asked for). The user, command line and executable of a process
 * are read the first time it is seen, and again when its comm changes (an exec); like htop, a
 * setuid() without an exec is not noticed until then.
 */
import { decodeBytes } from "../bytes.js";
import { ProcError, ProcessGone } from "../errors.js";
import {
  type FieldErrors,
  fieldFailure,
  isKernelThread,
  type Process,
  type ProcessContext,
  type ProcessFields,
  startTimeIso,
} from "../processes/process.js";
import { ttyName } from "../processes/tty.js";
import { parseLoadavg } from "../procfs/loadavg.js";
import { parseMeminfo } from "../procfs/meminfo.js";
import { parseCmdline } from "../procfs/pid/cmdline.js";
import { parsePidIo } from "../procfs/pid/io.js";
import { type PidStat, parsePidStat } from "../procfs/pid/stat.js";
import { parsePidStatusBrief } from "../procfs/pid/status.js";
import { type CpuTimes, parseSystemStat } from "../procfs/stat.js";
import { parseUptime } from "../procfs/uptime.js";
import { type CpuTicks, type CpuUsage, cpuUsage, identityKey, type PreviousSample, rateOf, type TickRecord } from "./rates.js";

/** A process as `ps` shows it, with CPU% over the sampling interval and I/O rates. */
export interface SampledProcess extends Omit<Process, "cpuPercent"> {
  /** CPU use over the interval, 100 = one CPU; null on the first sample (reason in errors). */
  readonly cpuPercent: number | null;
  /** Bytes per second this process caused to be read from / written to storage (PID/io). */
  readonly readBytesPerSecond: number | null;
  readonly writeBytesPerSecond: number | null;
}

export interface MemoryUsage {
  readonly totalBytes: number;
  /** MemAvailable (or MemFree + Buffers + Cached on kernels before 3.14). */
  readonly availableBytes: number;
  /** total − available, as htop and free(1) count "used". */
  readonly usedBytes: number;
  readonly buffersBytes: number | null;
  readonly cachedBytes: number | null;
  readonly swapTotalBytes: number | null;
  readonly swapUsedBytes: number | null;
}

export interface TaskCounts {
  readonly total: number;
  readonly running: number;
  readonly sleeping: number;
  /** Uninterruptible sleep (D). */
  readonly blocked: number;
  readonly stopped: number;
  readonly zombie: number;
  readonly idle: number;
  /** Threads of all processes. */
  readonly threads: number;
  readonly kernelThreads: number;
}

export interface Snapshot {
  /** Wall-clock time of the sample, ISO 8601. */
  readonly time: string;
  /** Milliseconds since the previous sample; null for the first. */
  readonly intervalMs: number | null;
  readonly uptimeSeconds: number;
  readonly load: { readonly load1: number; readonly load5: number; readonly load15: number } | null;
  /** All CPUs together, over the interval; null for the first sample. */
  readonly cpu: CpuUsage | null;
  /** One per online CPU, over the interval; empty for the first sample. */
  readonly cpus: readonly CpuUsage[];
  /** Number of CPUs /proc/stat lists (online ones). */
  readonly cpuCount: number;
  readonly memory: MemoryUsage | null;
  readonly tasks: TaskCounts;
  readonly processes: readonly SampledProcess[];
  /** System-wide parts that could not be read (load, memory, cpu), with the reason. */
  readonly errors: FieldErrors;
}

export interface SamplerOptions {
  /** Which optional per-process files to read (once per process identity). Default: user and cmdline. */
  readonly fields?: ProcessFields;
  /** Read PID/io each sample for I/O rates (needs ptrace access to other users' processes). */
  readonly io?: boolean;
  /** Monotonic clock in milliseconds; injectable for tests. Default: performance.now(). */
  readonly now?: () => number;
}

export interface Sampler {
  /** Takes a sample now; rates are over the time since the previous call. */
  sample(): Snapshot;
}

/** What is read once per process identity (and again after an exec). */
interface StaticInfo {
  readonly comm: string;
  /** ISO start time, formatted once per process rather than on every refresh. */
  readonly startTime: string | null;
  readonly uid: number | null;
  readonly user: string | null;
  readonly cmdline: readonly string[] | null;
  readonly exe: string | null;
  readonly errors: FieldErrors;
}

interface Previous extends PreviousSample {
  readonly at: number;
  readonly cpuTotal: CpuTicks | null;
  readonly perCpu: ReadonlyMap<number, CpuTicks>;
  readonly statics: ReadonlyMap<string, StaticInfo>;
}

function toCpuTicks(times: CpuTimes): CpuTicks {
  return {
    user: times.userTicks,
    nice: times.niceTicks,
    system: times.systemTicks + (times.irqTicks ?? 0) + (times.softirqTicks ?? 0),
    idle: times.idleTicks,
    iowait: times.iowaitTicks ?? 0,
    steal: times.stealTicks ?? 0,
  };
}

/**
 * Creates a sampler over a process context. The first sample has no rates; take two.
 * const sampler = createSampler(context); sampler.sample(); await sleep(1000); sampler.sample().cpu?.busyPercent
 */
export function createSampler(context: ProcessContext, options: SamplerOptions = {}): Sampler {
  const { procFs, system } = context;
  const fields = options.fields ?? { user: true, cmdline: true };
  const now = options.now ?? (() => performance.now());
  let previous: Previous | null = null;

  const readStatic = (pid: number, stat: PidStat): StaticInfo => {
    const errors: FieldErrors = {};
    let uid: number | null = null;
    let user: string | null = null;
    let cmdline: string[] | null = null;
    let exe: string | null = null;
    const kernelThread = isKernelThread(stat);
    const zombie = stat.state === "Z" || stat.state === "X";
    const dir = procFs.openProcess(pid);
    try {
      // Through the open directory: if the PID was reused since stat was read, the start time differs.
      const again = dir.parse("stat", parsePidStat);
      if (again.startTimeTicks !== stat.startTimeTicks) throw new ProcessGone(pid, { reused: true });
      if (fields.user) {
        try {
          uid = dir.parse("status", parsePidStatusBrief).uids?.effective ?? null;
          user = uid === null ? null : context.users.userName(uid);
          if (uid === null) errors.uid = errors.user = "status has no Uid line";
        } catch (error) {
          errors.uid = errors.user = fieldFailure(error);
        }
      }
      if (fields.cmdline) {
        try {
          cmdline = parseCmdline(dir.readBytes("cmdline"));
        } catch (error) {
          errors.cmdline = fieldFailure(error);
        }
      }
      if (fields.exe) {
        if (kernelThread) errors.exe = "kernel thread: it has no executable";
        else if (zombie) errors.exe = "zombie: it has exited and waits for its parent to reap it";
        else {
          try {
            exe = decodeBytes(dir.readLink("exe"));
          } catch (error) {
            errors.exe = fieldFailure(error);
          }
        }
      }
    } finally {
      dir.close();
    }
    return { comm: stat.comm, startTime: startTimeIso(stat.startTimeTicks, system), uid, user, cmdline, exe, errors };
  };

  const readIo = (pid: number): { read: number; write: number } | string => {
    try {
      const io = procFs.parse(`${pid}/io`, parsePidIo);
      return { read: io.readBytes, write: io.writeBytes };
    } catch (error) {
      return fieldFailure(error);
    }
  };

  return {
    sample(): Snapshot {
      const errors: FieldErrors = {};
      const at = now();
      const elapsedSeconds = previous === null ? 0 : (at - previous.at) / 1000;
      const uptimeSeconds = procFs.parse("uptime", parseUptime).uptimeSeconds;

      let cpuTotal: CpuTicks | null = null;
      const perCpu = new Map<number, CpuTicks>();
      try {
        const stat = procFs.parse("stat", parseSystemStat);
        cpuTotal = toCpuTicks(stat.total);
        for (const c of stat.cpus) perCpu.set(c.cpu, toCpuTicks(c));
      } catch (error) {
        errors.cpu = failure(error);
      }

      let load: Snapshot["load"] = null;
      try {
        const l = procFs.parse("loadavg", parseLoadavg);
        load = { load1: l.load1, load5: l.load5, load15: l.load15 };
      } catch (error) {
        errors.load = failure(error);
      }

      let memory: MemoryUsage | null = null;
      try {
        const m = procFs.parse("meminfo", parseMeminfo);
        const available = m.memAvailableBytes ?? m.memFreeBytes + (m.buffersBytes ?? 0) + (m.cachedBytes ?? 0);
        memory = {
          totalBytes: m.memTotalBytes,
          availableBytes: available,
          usedBytes: Math.max(0, m.memTotalBytes - available),
          buffersBytes: m.buffersBytes,
          cachedBytes: m.cachedBytes,
          swapTotalBytes: m.swapTotalBytes,
          swapUsedBytes: m.swapTotalBytes === null || m.swapFreeBytes === null ? null : m.swapTotalBytes - m.swapFreeBytes,
        };
      } catch (error) {
        errors.memory = failure(error);
      }

      const records = new Map<string, TickRecord>();
      const statics = new Map<string, StaticInfo>();
      const processes: SampledProcess[] = [];
      const tasks = { total: 0, running: 0, sleeping: 0, blocked: 0, stopped: 0, zombie: 0, idle: 0, threads: 0, kernelThreads: 0 };

      for (const pid of procFs.listPids()) {
        let stat: PidStat;
        try {
          // A plain read: the start time in the line itself says which process this is.
          stat = procFs.parse(`${pid}/stat`, parsePidStat);
        } catch (error) {
          if (error instanceof ProcessGone || (error instanceof ProcError && error.kind === "Unavailable")) continue;
          throw error;
        }
        const key = identityKey(pid, stat.startTimeTicks);
        let info = previous?.statics.get(key);
        if (info === undefined || info.comm !== stat.comm) {
          try {
            info = readStatic(pid, stat);
          } catch (error) {
            if (error instanceof ProcessGone) continue;
            throw error;
          }
        }
        statics.set(key, info);

        let ioRead: number | null = null;
        let ioWrite: number | null = null;
        const processErrors: FieldErrors = { ...info.errors };
        if (options.io) {
          const io = readIo(pid);
          if (typeof io === "string") processErrors.readBytesPerSecond = processErrors.writeBytesPerSecond = io;
          else {
            ioRead = io.read;
            ioWrite = io.write;
          }
        }
        const record: TickRecord = {
          pid,
          startTimeTicks: stat.startTimeTicks,
          cpuTicks: stat.utimeTicks + stat.stimeTicks,
          readBytes: ioRead,
          writeBytes: ioWrite,
        };
        records.set(key, record);
        const rates = rateOf(record, previous, elapsedSeconds, system.clockTicks);
        if (rates.reason !== null) processErrors.cpuPercent = rates.reason;
        if (!options.io) processErrors.readBytesPerSecond = processErrors.writeBytesPerSecond = "I/O rates were not asked for";
        else if (rates.reason !== null && ioRead !== null)
          processErrors.readBytesPerSecond = processErrors.writeBytesPerSecond = rates.reason;

        const kernelThread = isKernelThread(stat);
        countTask(tasks, stat.state, stat.numThreads, kernelThread);
        processes.push({
          pid,
          ppid: stat.ppid,
          pgid: stat.pgrp,
          sid: stat.session,
          uid: info.uid,
          user: info.user,
          state: stat.state,
          comm: stat.comm,
          cmdline: info.cmdline,
          exe: info.exe,
          tty: ttyName(stat.ttyNr),
          threads: stat.numThreads,
          nice: stat.nice,
          priority: stat.priority,
          startTime: info.startTime,
          startTimeTicks: stat.startTimeTicks,
          cpuTime: (stat.utimeTicks + stat.stimeTicks) / system.clockTicks,
          cpuPercent: rates.cpuPercent,
          readBytesPerSecond: rates.readBytesPerSecond,
          writeBytesPerSecond: rates.writeBytesPerSecond,
          rss: stat.rssPages * system.pageSize,
          vsz: stat.vsizeBytes,
          kernelThread,
          errors: processErrors,
        });
      }

      let cpu: CpuUsage | null = null;
      const cpus: CpuUsage[] = [];
      if (previous !== null && previous.cpuTotal !== null && cpuTotal !== null) {
        cpu = cpuUsage(null, previous.cpuTotal, cpuTotal);
        for (const [n, ticks] of perCpu) {
          const before = previous.perCpu.get(n);
          if (before !== undefined) cpus.push(cpuUsage(n, before, ticks));
        }
      } else if (errors.cpu === undefined) {
        errors.cpu = "one sample has no interval";
      }

      const intervalMs = previous === null ? null : Math.round((at - previous.at) * 10) / 10;
      previous = { at, uptimeSeconds, records, cpuTotal, perCpu, statics };
      return {
        time: new Date().toISOString(),
        intervalMs,
        uptimeSeconds,
        load,
        cpu,
        cpus,
        cpuCount: perCpu.size,
        memory,
        tasks,
        processes,
        errors,
      };
    },
  };
}

function failure(error: unknown): string {
  if (error instanceof ProcError) return error.message;
  throw error;
}

function countTask(tasks: { -readonly [K in keyof TaskCounts]: number }, state: string, threads: number, kernelThread: boolean): void {
  tasks.total++;
  tasks.threads += threads;
  if (kernelThread) tasks.kernelThreads++;
  switch (state) {
    case "R":
      tasks.running++;
      break;
    case "D":
      tasks.blocked++;
      break;
    case "T":
    case "t":
      tasks.stopped++;
      break;
    case "Z":
    case "X":
      tasks.zombie++;
      break;
    case "I":
      tasks.idle++;
      break;
    default:
      tasks.sleeping++;
  }
}

/**
 * Takes two samples `intervalMs` apart and returns the second: CPU% over that interval.
 * Rejects with an AbortError-like error if `signal` aborts first.
 * (await sampleOnce(context, 500)).processes.find((p) => p.pid === 1)?.cpuPercent
 */
export async function sampleOnce(
  context: ProcessContext,
  intervalMs: number,
  options: SamplerOptions & { signal?: AbortSignal } = {},
): Promise<Snapshot> {
  const sampler = createSampler(context, options);
  sampler.sample();
  await delay(intervalMs, options.signal);
  return sampler.sample();
}

/**
 * Samples every `intervalMs` until `signal` aborts; the first snapshot has rates already
 * (a priming sample is taken one interval earlier).
 */
export async function* samples(
  context: ProcessContext,
  intervalMs: number,
  signal: AbortSignal,
  options: SamplerOptions = {},
): AsyncIterable<Snapshot> {
  const sampler = createSampler(context, options);
  sampler.sample();
  while (!signal.aborted) {
    try {
      await delay(intervalMs, signal);
    } catch {
      return;
    }
    yield sampler.sample();
  }
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Error("aborted"));
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new Error("aborted"));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
