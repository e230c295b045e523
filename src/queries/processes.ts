/**
 * What `ps --json` and `show --json` answer, shaped once for both faces: the CLI prints these
 * results and `procscope serve` returns them unchanged, so the API's shapes are the CLI's.
 */
import { InvalidArgument } from "../errors.js";
import { commandText } from "../processes/format.js";
import { listProcesses } from "../processes/list.js";
import type { Process, ProcessContext } from "../processes/process.js";
import { sortProcesses } from "../processes/sort.js";

export const PS_SORT_KEYS = ["pid", "ppid", "user", "state", "cpu", "rss", "vsz", "threads", "start", "time", "comm", "command"] as const;

export interface PsQuery {
  /** Only processes whose command line or name contains this text (or whose PID it is). */
  readonly filter?: string;
  /** A sort key, "-" prefixed for descending (default "pid"). */
  readonly sort?: string;
  /** User name or uid. */
  readonly user?: string;
  readonly pids?: readonly number[];
  /** false hides kernel threads. */
  readonly kernel?: boolean;
  /** Read the executable link too (the JSON shape has it). */
  readonly exe?: boolean;
  readonly onSkip?: (pid: number, error: Error) => void;
}

/**
 * The rows of `ps`: listed, filtered and sorted.
 * psRows(context, { filter: "nginx", sort: "-rss" })
 */
export function psRows(context: ProcessContext, query: PsQuery = {}): Process[] {
  const sort = query.sort ?? "pid";
  if (!(PS_SORT_KEYS as readonly string[]).includes(sort.replace(/^[-+]/, "")))
    throw new InvalidArgument(`sort must be one of ${PS_SORT_KEYS.join(", ")}, got "${sort}"`);
  let rows = listProcesses(context, {
    fields: { user: true, cmdline: true, exe: query.exe !== false },
    ...(query.onSkip ? { onSkip: query.onSkip } : {}),
    ...(query.pids ? { pids: query.pids } : {}),
  });
  if (query.user !== undefined) {
    const wanted = query.user;
    rows = rows.filter((p) => p.user === wanted || String(p.uid) === wanted);
  }
  if (query.filter !== undefined) {
    const filter = query.filter;
    const needle = filter.toLowerCase();
    rows = rows.filter(
      (p) => commandText(p).toLowerCase().includes(needle) || p.comm.toLowerCase().includes(needle) || String(p.pid) === filter,
    );
  }
  if (query.kernel === false) rows = rows.filter((p) => !p.kernelThread);
  return sortProcesses(rows, sort);
}
