/**
 * The sampler behind `top`: each sample reads /proc/stat, meminfo, loadavg, uptime and every
 * process's stat, and turns the differences with the previous sample into CPU% per process and
 * per CPU and I/O rates. History is keyed by (pid, start time), so a reused PID starts afresh.
 *
 * Processes are read through the one reader (model/reader.ts), so every field means what it means
 * in `ps`. Cost per refresh, steady state: one readdir of the root, then per process its stat and
 * statm (rss, as in ps), plus PID/io when I/O rates are asked for. The user,
 * command line and executable are read the first time a process is seen, and again when its comm
 * changes (an exec); like htop, a setuid() without an exec is not noticed until then.
 */
import { sleepUnlessAborted } from "../_sleep.js";
import { hiddenListingNotice } from "../access/denied.js";
import { prereadProcesses } from "../access/preread.js";
import type { ProcessDir } from "../access/proc-fs.js";
import type { SystemInfo } from "../access/system-info.js";
import { ProcError, ProcessGone } from "../errors.js";
import type { MemoryUsage, SampledProcess, Snapshot, TaskCounts } from "../model/process.js";
import {
  countReason,
  type FieldErrors,
  filesOf,
  lifetimeCpuPercent,
  type ProcessContext,
  type ProcessField,
  ProcessFileCache,
  type ProcessRecord,
  readProcessFields,
} from "../model/reader.js";
import { PROCESS_SHAPE_FIELDS } from "../processes/process.js";
import { parseLoadavg } from "../procfs/loadavg.js";
import { parseMeminfo } from "../procfs/meminfo.js";
import type { PidStat } from "../procfs/pid/stat.js";
import { type CpuTimes, parseSystemStat } from "../procfs/stat.js";
import { parseUptime } from "../procfs/uptime.js";
import { type CpuTicks, type CpuUsage, cpuUsage, identityKey, type PreviousSample, type Rates, rateOf, type TickRecord } from "./rates.js";

export type { MemoryUsage, SampledProcess, Snapshot, TaskCounts } from "../model/process.js";

/** Read once per process identity (and again after an exec, when comm changes), as htop does. */
const STATIC_FIELDS = ["uid", "user", "cmdline", "exe", "startTime"] as const satisfies readonly ProcessField[];
type StaticField = (typeof STATIC_FIELDS)[number];
/** Read every sample. */
const SAMPLED_FIELDS = PROCESS_SHAPE_FIELDS.filter((f) => !(STATIC_FIELDS as readonly string[]).includes(f)) as Exclude<
  (typeof PROCESS_SHAPE_FIELDS)[number],
  StaticField
>[];

export interface SamplerOptions {
  /** Read PID/io each sample for I/O rates (needs ptrace access to other users' processes). */
  readonly io?: boolean;
  /** Monotonic clock in milliseconds; injectable for tests. Default: performance.now(). */
  readonly now?: () => number;
}

export interface Sampler {
  /** Takes a sample now; rates are over the time since the previous call. */
  sample(): Snapshot;
}

interface StaticInfo {
  readonly comm: string;
  readonly values: ProcessRecord<StaticField>;
}

/**
 * A process as the last sample read it: the texts of its files, and what was made of them. When
 * the texts are the same again (an idle process: most of them), so is everything read from them,
 * and only what depends on the clock (lifetime and recent CPU%, I/O rates) is worked out anew.
 */
interface SeenProcess {
  readonly key: string;
  readonly statText: string;
  /** The text of each file read beyond stat, or the reason it could not be read. */
  readonly otherTexts: readonly string[];
  readonly stat: PidStat;
  readonly kernelThread: boolean;
  readonly record: TickRecord;
  readonly row: SampledProcess;
  /** False when the row had no rates (the first sample, or a process not seen before). */
  readonly rated: boolean;
}

interface Previous extends PreviousSample {
  readonly at: number;
  readonly cpuTotal: CpuTicks | null;
  readonly perCpu: ReadonlyMap<number, CpuTicks>;
  readonly statics: ReadonlyMap<string, StaticInfo>;
  readonly seen: ReadonlyMap<number, SeenProcess>;
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
  const now = options.now ?? (() => performance.now());
  const sampledFields: readonly ProcessField[] = options.io ? [...SAMPLED_FIELDS, "readBytes", "writeBytes"] : SAMPLED_FIELDS;
  let previous: Previous | null = null;
  const sampleFiles = filesOf(sampledFields);
  const primingFiles = filesOf([...sampledFields, ...STATIC_FIELDS]);
  const otherFiles = sampleFiles.filter((name) => name !== "stat");

  return {
    sample(): Snapshot {
      const errors: FieldErrors = {};
      const at = now();
      const elapsedSeconds = previous === null ? 0 : (at - previous.at) / 1000;
      const uptimeSeconds = procFs.parse("uptime", parseUptime).uptimeSeconds;
      // Lifetime CPU% divides by the time since start: with this sample's uptime, not the context's.
      const current: ProcessContext = { ...context, system: { ...system, uptimeSeconds } };

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

      /** Reads a process through the one reader, as a process not seen before or whose files changed. */
      const readAnew = (
        dir: ProcessDir,
        pid: number,
        statText: string,
        otherTexts: readonly string[],
        statics: Map<string, StaticInfo>,
      ): SeenProcess => {
        const files = new ProcessFileCache(dir, current);
        const stat = files.stat();
        const key = identityKey(pid, stat.startTimeTicks);
        let info = previous?.statics.get(key);
        if (info === undefined || info.comm !== stat.comm) info = { comm: stat.comm, values: readProcessFields(files, STATIC_FIELDS) };
        statics.set(key, info);
        const values = readProcessFields(files, sampledFields) as ProcessRecord<(typeof SAMPLED_FIELDS)[number]> &
          Partial<ProcessRecord<"readBytes" | "writeBytes">>;
        const record: TickRecord = {
          pid,
          startTimeTicks: stat.startTimeTicks,
          cpuTicks: stat.utimeTicks + stat.stimeTicks,
          readBytes: values.readBytes ?? null,
          writeBytes: values.writeBytes ?? null,
        };
        const rates = rateOf(record, previous, elapsedSeconds, system.clockTicks);
        const rowErrors: FieldErrors = { ...info.values.errors, ...values.errors };
        if (rates.reason !== null) rowErrors.recentCpuPercent = rates.reason;
        if (!options.io) rowErrors.readBytesPerSecond = rowErrors.writeBytesPerSecond = "I/O rates were not asked for";
        else if (values.errors.readBytes !== undefined)
          rowErrors.readBytesPerSecond = rowErrors.writeBytesPerSecond = values.errors.readBytes;
        else if (rates.reason !== null) rowErrors.readBytesPerSecond = rowErrors.writeBytesPerSecond = rates.reason;
        delete rowErrors.readBytes;
        delete rowErrors.writeBytes;
        const { readBytes: _r, writeBytes: _w, errors: _e, ...shape } = values;
        const { errors: _se, ...staticShape } = info.values;
        const row: SampledProcess = {
          ...shape,
          ...staticShape,
          recentCpuPercent: rates.cpuPercent,
          readBytesPerSecond: rates.readBytesPerSecond,
          writeBytesPerSecond: rates.writeBytesPerSecond,
          errors: rowErrors,
        };
        // A row without rates is not worth keeping: the next sample, which has them, reads anew.
        return { key, statText, otherTexts, stat, kernelThread: files.kernelThread, record, row, rated: rates.reason === null };
      };

      const records = new Map<string, TickRecord>();
      const statics = new Map<string, StaticInfo>();
      const seen = new Map<number, SeenProcess>();
      const processes: SampledProcess[] = [];
      const tasks = { total: 0, running: 0, sleeping: 0, blocked: 0, stopped: 0, zombie: 0, idle: 0, threads: 0, kernelThreads: 0 };
      const skippedReasons: Record<string, number> = {};
      let skippedCount = 0;

      // The files every sample needs are read ahead on the native helper's threads (a thousand
      // processes are thousands of open/read/close calls, each several times dearer from Node);
      // the priming sample, which meets every process for the first time, also reads what is read
      // once per process. A new process's other files are read the ordinary way.
      const pids = procFs.listPids();
      const preread = pids.length > 1 ? prereadProcesses(procFs, pids, previous === null ? primingFiles : sampleFiles) : null;
      for (const { pid, dir: readAhead } of preread ?? pids.map((pid) => ({ pid, dir: null }))) {
        let dir: ProcessDir;
        try {
          dir = readAhead ?? procFs.openProcess(pid);
        } catch (error) {
          if (!(error instanceof ProcessGone)) {
            skippedCount++;
            countReason(skippedReasons, error);
          }
          continue;
        }
        let entry: SeenProcess;
        try {
          // The same stat text is the same process (its start time is in it) in the same state.
          const statText = dir.readText("stat");
          const before = previous?.seen.get(pid);
          const otherTexts = otherFiles.map((name) => textOrReason(dir, name));
          const reused =
            before?.rated && before.statText === statText && sameTexts(before.otherTexts, otherTexts)
              ? rowAgain(before, current.system, rateOf(before.record, previous, elapsedSeconds, system.clockTicks))
              : null;
          if (before !== undefined && reused !== null) {
            entry = { ...before, row: reused };
            const info = previous?.statics.get(before.key);
            if (info !== undefined) statics.set(before.key, info);
          } else {
            entry = readAnew(dir, pid, statText, otherTexts, statics);
          }
          countTask(tasks, entry.stat.state, entry.stat.numThreads, entry.kernelThread);
        } catch (error) {
          if (!(error instanceof ProcessGone)) {
            skippedCount++;
            countReason(skippedReasons, error);
          }
          continue;
        } finally {
          dir.close();
        }
        seen.set(pid, entry);
        records.set(entry.key, entry.record);
        processes.push(entry.row);
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
      previous = { at, uptimeSeconds, records, cpuTotal, perCpu, statics, seen };
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
        skipped: { count: skippedCount, reasons: skippedReasons, hidden: hiddenListingNotice(procFs) },
        errors,
      };
    },
  };
}

/** A file's text, or (after a NUL no text has) why it could not be read; ProcessGone ends the read. */
function textOrReason(dir: ProcessDir, name: string): string {
  try {
    return dir.readText(name);
  } catch (error) {
    if (error instanceof ProcError && !(error instanceof ProcessGone)) return `\0${error.kind}: ${error.message}`;
    throw error;
  }
}

function sameTexts(before: readonly string[], now: readonly string[]): boolean {
  return before.length === now.length && before.every((text, i) => text === now[i]);
}

/**
 * The row of a process whose files read the same as last time: the same row when its CPU% and
 * rates are too, else a copy with them; null when it must be read anew (a rate has no value).
 */
function rowAgain(before: SeenProcess, system: SystemInfo, rates: Rates): SampledProcess | null {
  if (rates.reason !== null) return null;
  const cpuPercent = lifetimeCpuPercent(before.stat, system);
  if (cpuPercent === null) return null;
  const row = before.row;
  if (
    row.cpuPercent === cpuPercent &&
    row.recentCpuPercent === rates.cpuPercent &&
    row.readBytesPerSecond === rates.readBytesPerSecond &&
    row.writeBytesPerSecond === rates.writeBytesPerSecond
  )
    return row;
  return {
    ...row,
    cpuPercent,
    recentCpuPercent: rates.cpuPercent,
    readBytesPerSecond: rates.readBytesPerSecond,
    writeBytesPerSecond: rates.writeBytesPerSecond,
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
  await sleepUnlessAborted(intervalMs, options.signal);
  if (options.signal?.aborted) throw new Error("aborted");
  return sampler.sample();
}

/**
 * Samples every `intervalMs` until `signal` aborts; the first snapshot has rates already
 * (a priming sample is taken one interval earlier).
 */
export async function* streamSamples(
  context: ProcessContext,
  intervalMs: number,
  signal: AbortSignal,
  options: SamplerOptions = {},
): AsyncIterable<Snapshot> {
  const sampler = createSampler(context, options);
  sampler.sample();
  for (;;) {
    await sleepUnlessAborted(intervalMs, signal);
    if (signal.aborted) return;
    yield sampler.sample();
  }
}
