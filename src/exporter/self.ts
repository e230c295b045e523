/**
 * The exporter's own process, as every Prometheus exporter reports itself: the `process_*`
 * families of the client libraries' process collectors (process-exporter has them, so dashboards
 * and alerts on an exporter's own memory or CPU keep working after the switch), and V8's heap,
 * under the names Node's prom-client uses. Read through the model's reader on the live /proc,
 * also when the groups come from a captured tree: these describe the running exporter.
 */
import v8 from "node:v8";
import type { ProcessContext } from "../processes/process.js";
import { listSourceProcesses } from "./_source.js";

export interface ExporterSelf {
  /** user + system, in seconds; null when unreadable (then the families are left out). */
  readonly cpuSeconds: number | null;
  readonly residentBytes: number | null;
  readonly virtualBytes: number | null;
  readonly openFds: number | null;
  /** Soft limit on open files; null when unlimited or unreadable. */
  readonly maxFds: number | null;
  /** Seconds since the epoch. */
  readonly startTimeSeconds: number | null;
  readonly heap: {
    readonly totalBytes: number;
    readonly usedBytes: number;
    /** Committed size of each V8 heap space ("new_space", "old_space"…); empty spaces left out. */
    readonly spaces: readonly { readonly space: string; readonly totalBytes: number }[];
  };
}

/** Where to read the exporter's own process: the live /proc and its PID. */
export interface SelfSource {
  readonly context: ProcessContext;
  readonly pid: number;
}

/** Reads the exporter's own figures; never throws (an unreadable field is null). */
export function readExporterSelf(source: SelfSource): ExporterSelf {
  const record = listSourceProcesses(source.context, {
    fields: ["cpuUserSeconds", "cpuSystemSeconds", "rssBytes", "vszBytes", "fdCount", "fdLimit"],
    pids: [source.pid],
  }).processes[0];
  const { bootTime, clockTicks } = source.context.system;
  const user = record?.cpuUserSeconds;
  const system = record?.cpuSystemSeconds;
  const heap = v8.getHeapStatistics();
  return {
    // Both are ticks / clockTicks: summed as ticks, the total prints as 0.29, not 0.29000000000000004.
    cpuSeconds: user == null || system == null ? null : Math.round((user + system) * clockTicks) / clockTicks,
    residentBytes: record?.rssBytes ?? null,
    virtualBytes: record?.vszBytes ?? null,
    openFds: record?.fdCount ?? null,
    maxFds: record?.fdLimit ?? null,
    startTimeSeconds: record === undefined || bootTime === null ? null : bootTime + record.startTimeTicks / clockTicks,
    heap: {
      totalBytes: heap.total_heap_size,
      usedBytes: heap.used_heap_size,
      spaces: v8
        .getHeapSpaceStatistics()
        .filter((s) => s.space_size > 0)
        .map((s) => ({ space: s.space_name, totalBytes: s.space_size })),
    },
  };
}
