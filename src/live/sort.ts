/** Ordering of sampled processes for `top`: by a column name, "-name" descending, "+name" ascending. */
import { commandText } from "../processes/format.js";
import { sortByKey } from "../processes/sort.js";
import type { SampledProcess } from "./sampler.js";

type Key = (p: SampledProcess) => number | string;

const KEYS: Readonly<Record<string, Key>> = {
  cpu: (p) => p.cpuPercent ?? -1,
  mem: (p) => p.rss,
  rss: (p) => p.rss,
  vsz: (p) => p.vsz,
  pid: (p) => p.pid,
  ppid: (p) => p.ppid,
  user: (p) => p.user ?? "",
  state: (p) => p.state,
  nice: (p) => p.nice,
  priority: (p) => p.priority,
  threads: (p) => p.threads,
  time: (p) => p.cpuTime,
  start: (p) => p.startTimeTicks,
  io: (p) => (p.readBytesPerSecond ?? 0) + (p.writeBytesPerSecond ?? 0),
  command: (p) => commandText(p),
};

/** The column names `top --sort` and the interactive sort keys accept. */
export const LIVE_SORT_KEYS: readonly string[] = Object.keys(KEYS);

/** Numbers read best largest-first, as in top and htop. */
const DESCENDING_BY_DEFAULT = new Set(["cpu", "mem", "rss", "vsz", "threads", "time", "io"]);

/** True when the spec (with its optional sign) sorts largest-first. */
export function isDescending(spec: string): boolean {
  const name = spec.replace(/^[-+]/, "");
  return spec.startsWith("-") || (!spec.startsWith("+") && DESCENDING_BY_DEFAULT.has(name));
}

/**
 * Sorts a copy; ties by PID. Throws on an unknown key (callers validate first).
 * sortSampled(snapshot.processes, "cpu")[0] — the busiest process
 */
export function sortSampled(processes: readonly SampledProcess[], spec: string): SampledProcess[] {
  const name = spec.replace(/^[-+]/, "");
  const key = KEYS[name];
  if (key === undefined) throw new Error(`unknown sort key "${name}"`);
  return sortByKey(processes, key, isDescending(spec));
}

/** Case-insensitive match on command line, comm, user or exact PID. */
export function matchesFilter(p: SampledProcess, filter: string): boolean {
  if (filter === "") return true;
  const needle = filter.toLowerCase();
  return (
    String(p.pid) === filter ||
    p.comm.toLowerCase().includes(needle) ||
    commandText(p).toLowerCase().includes(needle) ||
    (p.user ?? "").toLowerCase() === needle
  );
}

export interface TreeRow {
  readonly process: SampledProcess;
  /** Nesting depth, 0 for roots. */
  readonly depth: number;
  /** For each ancestor level, whether a later sibling follows (to draw │ or space), then whether this is the last child. */
  readonly lastFlags: readonly boolean[];
}

/**
 * Flattens processes into tree order (children under parents, siblings sorted by `spec`).
 * treeRows(processes, "pid")[0].depth === 0
 */
export function treeRows(processes: readonly SampledProcess[], spec: string): TreeRow[] {
  const sorted = sortSampled(processes, spec);
  const pids = new Set(sorted.map((p) => p.pid));
  const children = new Map<number, SampledProcess[]>();
  const roots: SampledProcess[] = [];
  for (const p of sorted) {
    if (p.ppid === p.pid || !pids.has(p.ppid)) roots.push(p);
    else {
      const list = children.get(p.ppid);
      if (list) list.push(p);
      else children.set(p.ppid, [p]);
    }
  }
  const rows: TreeRow[] = [];
  const seen = new Set<number>();
  const walk = (p: SampledProcess, depth: number, flags: boolean[]): void => {
    if (seen.has(p.pid)) return;
    seen.add(p.pid);
    rows.push({ process: p, depth, lastFlags: flags });
    const kids = children.get(p.pid) ?? [];
    kids.forEach((kid, i) => {
      walk(kid, depth + 1, [...flags, i === kids.length - 1]);
    });
  };
  for (const r of roots) walk(r, 0, []);
  return rows;
}
