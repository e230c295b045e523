/**
 * The one sort and the one text filter of process listings (ps, top, the API). A sort spec is a
 * column name; "-name" sorts descending, "+name" ascending, a bare numeric column largest-first.
 */
import { commandText } from "./format.js";
import type { Process } from "./process.js";

export type SortKey<P> = (p: P) => number | string;

const PROCESS_KEYS: Readonly<Record<string, SortKey<Process>>> = {
  pid: (p) => p.pid,
  ppid: (p) => p.ppid,
  user: (p) => p.user ?? "",
  state: (p) => p.state,
  cpu: (p) => p.cpuPercent ?? -1,
  rss: (p) => p.rssBytes ?? -1,
  mem: (p) => p.rssBytes ?? -1,
  vsz: (p) => p.vszBytes,
  nice: (p) => p.nice,
  priority: (p) => p.priority,
  threads: (p) => p.threads,
  start: (p) => p.startTimeTicks,
  time: (p) => p.cpuSeconds,
  comm: (p) => p.comm,
  command: (p) => commandText(p),
};

/** The column names `ps --sort` accepts. */
export const PROCESS_SORT_KEYS: readonly string[] = Object.keys(PROCESS_KEYS);

/** Numbers read best largest-first, as in top and htop. */
const DESCENDING_BY_DEFAULT = new Set(["cpu", "mem", "rss", "vsz", "threads", "time", "io"]);

/** True when the spec (with its optional sign) sorts largest-first. */
export function isDescending(spec: string): boolean {
  const name = spec.replace(/^[-+]/, "");
  return spec.startsWith("-") || (!spec.startsWith("+") && DESCENDING_BY_DEFAULT.has(name));
}

/**
 * A sorted copy by a column spec; `keys` adds or replaces columns (top's cpu is the recent CPU%).
 * Throws on an unknown key (callers validate first).
 * sortProcesses(processes, "-rss")[0] // the largest
 */
export function sortProcesses<P extends Process>(processes: readonly P[], spec: string, keys?: Readonly<Record<string, SortKey<P>>>): P[] {
  const name = spec.replace(/^[-+]/, "");
  const key = keys?.[name] ?? (PROCESS_KEYS[name] as SortKey<P> | undefined);
  if (key === undefined) throw new Error(`unknown sort key "${name}"`);
  return sortByKey(processes, key, isDescending(spec));
}

/** A sorted copy, ties broken by PID (ascending whatever the direction, so the order is stable). */
export function sortByKey<P extends { readonly pid: number }>(
  processes: readonly P[],
  key: (p: P) => number | string,
  descending: boolean,
): P[] {
  const sign = descending ? -1 : 1;
  return [...processes].sort((a, b) => {
    const x = key(a);
    const y = key(b);
    const order = x < y ? -1 : x > y ? 1 : 0;
    return order === 0 ? a.pid - b.pid : order * sign;
  });
}

/**
 * The one text filter: an exact PID, or a case-insensitive substring of the command line or the
 * name, or the exact user name.
 * matchesFilter(p, "nginx")
 */
export function matchesFilter(p: Pick<Process, "pid" | "comm" | "cmdline" | "user">, filter: string): boolean {
  if (filter === "") return true;
  const needle = filter.toLowerCase();
  return (
    String(p.pid) === filter ||
    p.comm.toLowerCase().includes(needle) ||
    commandText(p).toLowerCase().includes(needle) ||
    (p.user ?? "").toLowerCase() === needle
  );
}
