/**
 * What `ps --json` answers, shaped once for both faces: the CLI prints these rows and
 * `procscope serve` returns them unchanged, so the API's shape is the CLI's.
 */
import { InvalidArgument } from "../errors.js";
import type { Process } from "../model/process.js";
import { listProcesses, type ProcessContext, type SkippedProcesses } from "../model/reader.js";
import { PROCESS_SHAPE_FIELDS } from "../processes/process.js";
import { matchesFilter, PROCESS_SORT_KEYS, sortProcesses } from "../processes/sort.js";

export interface PsQuery {
  /** Only processes whose command line, name, user or PID matches this text. */
  readonly filter?: string;
  /** A sort key, "-" prefixed for descending (default "pid"). */
  readonly sort?: string;
  /** User name or uid. */
  readonly user?: string;
  readonly pids?: readonly number[];
  /** false hides kernel threads. */
  readonly kernel?: boolean;
  /** false skips the executable link (the table never shows it; a tenth of the listing's time). */
  readonly exe?: boolean;
}

/**
 * The rows of `ps`: listed, filtered and sorted, with what could not be read counted. `onRow`, if
 * given, receives the rows in that order instead (`rows` is then empty), and with the default sort
 * (ascending PID, the listing's own order) each as soon as it is read: a face formats the first
 * rows while the rest are still being read, and keeps none of them.
 * psRows(context, { filter: "nginx", sort: "-rss" }).rows
 */
export function psRows(
  context: ProcessContext,
  query: PsQuery = {},
  onRow?: (row: Process) => void,
): { rows: Process[]; skipped: SkippedProcesses; listed: readonly number[] } {
  const sort = query.sort ?? "pid";
  if (!PROCESS_SORT_KEYS.includes(sort.replace(/^[-+]/, "")))
    throw new InvalidArgument(`sort must be one of ${PROCESS_SORT_KEYS.join(", ")}, got "${sort}"`);
  const fields = query.exe === false ? PROCESS_SHAPE_FIELDS.filter((f) => f !== "exe") : PROCESS_SHAPE_FIELDS;
  if (query.user !== undefined && !/^\d+$/.test(query.user) && context.users.findUid?.(query.user) === null)
    throw new InvalidArgument(`no user named "${query.user}" (give a user name from the password file, or a uid)`);
  const { user, filter } = query;
  const wanted = (p: Process): boolean =>
    (user === undefined || p.user === user || String(p.uid) === user) &&
    (filter === undefined || matchesFilter(p, filter)) &&
    (query.kernel !== false || !p.kernelThread);
  const streamed = onRow !== undefined && (sort === "pid" || sort === "+pid");
  const listed: number[] = [];
  const rows: Process[] = [];
  const listing = listProcesses(context, {
    fields,
    // Ascending, so that the listing's order is already the default sort's.
    ...(query.pids ? { pids: [...query.pids].sort((a, b) => a - b) } : {}),
    onProcess: (p) => {
      listed.push(p.pid);
      if (!wanted(p)) return;
      if (streamed) onRow(p);
      else rows.push(p);
    },
  });
  const { skipped } = listing;
  if (streamed) return { rows: [], skipped, listed };
  const sorted = sortProcesses(rows, sort);
  if (onRow === undefined) return { rows: sorted, skipped, listed };
  for (const row of sorted) onRow(row);
  return { rows: [], skipped, listed };
}
