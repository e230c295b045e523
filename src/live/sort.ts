/** Ordering of sampled processes for `top`: the one process sort, with top's own columns. */
import type { SampledProcess } from "../model/process.js";
import { PROCESS_SORT_KEYS, type SortKey, sortProcesses } from "../processes/sort.js";
import { buildTree, flattenTree, type TreeRow } from "../processes/tree.js";

export { isDescending, matchesFilter } from "../processes/sort.js";

const SAMPLED_KEYS: Readonly<Record<string, SortKey<SampledProcess>>> = {
  // top's CPU column is the use over the last interval, not the lifetime average ps shows.
  cpu: (p) => p.recentCpuPercent ?? -1,
  io: (p) => (p.readBytesPerSecond ?? 0) + (p.writeBytesPerSecond ?? 0),
};

/** The column names `top --sort` and the interactive sort keys accept. */
export const LIVE_SORT_KEYS: readonly string[] = [...new Set([...PROCESS_SORT_KEYS, ...Object.keys(SAMPLED_KEYS)])];

/**
 * Sorts a copy; ties by PID. Throws on an unknown key (callers validate first).
 * sortSampled(snapshot.processes, "cpu")[0] — the busiest process
 */
export function sortSampled(processes: readonly SampledProcess[], spec: string): SampledProcess[] {
  return sortProcesses(processes, spec, SAMPLED_KEYS);
}

/**
 * Processes in tree order (children under parents, siblings sorted by `spec`).
 * treeRows(processes, "pid")[0].depth === 0
 */
export function treeRows(processes: readonly SampledProcess[], spec: string): TreeRow<SampledProcess>[] {
  return flattenTree(buildTree(sortSampled(processes, spec)));
}

export type { TreeRow };
