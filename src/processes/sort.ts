/** Sorting of process listings by a column name; "-name" sorts descending. */
import { commandText } from "./format.js";
import type { Process } from "./process.js";

type Key = (p: Process) => number | string;

const KEYS: Record<string, Key> = {
  pid: (p) => p.pid,
  ppid: (p) => p.ppid,
  user: (p) => p.user ?? "",
  state: (p) => p.state,
  cpu: (p) => p.cpuPercent ?? -1,
  rss: (p) => p.rss,
  vsz: (p) => p.vsz,
  threads: (p) => p.threads,
  start: (p) => p.startTimeTicks,
  time: (p) => p.cpuTime,
  comm: (p) => p.comm,
  command: (p) => commandText(p),
};

/** Numeric columns read best largest-first, so "cpu" alone sorts descending like top. */
const DESCENDING_BY_DEFAULT = new Set(["cpu", "rss", "vsz", "threads", "time"]);

export function sortProcesses(processes: readonly Process[], spec: string): Process[] {
  const name = spec.replace(/^[-+]/, "");
  const key = KEYS[name];
  if (!key) throw new Error(`unknown sort key "${name}"`);
  return sortByKey(processes, key, spec.startsWith("-") || (!spec.startsWith("+") && DESCENDING_BY_DEFAULT.has(name)));
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
