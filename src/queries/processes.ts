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
 * The rows of `ps`: listed, filtered and sorted, with what could not be read counted.
 * psRows(context, { filter: "nginx", sort: "-rss" }).rows
 */
export function psRows(
  context: ProcessContext,
  query: PsQuery = {},
): { rows: Process[]; skipped: SkippedProcesses; listed: readonly number[] } {
  const sort = query.sort ?? "pid";
  if (!PROCESS_SORT_KEYS.includes(sort.replace(/^[-+]/, "")))
    throw new InvalidArgument(`sort must be one of ${PROCESS_SORT_KEYS.join(", ")}, got "${sort}"`);
  const fields = query.exe === false ? PROCESS_SHAPE_FIELDS.filter((f) => f !== "exe") : PROCESS_SHAPE_FIELDS;
  if (query.user !== undefined && !/^\d+$/.test(query.user) && context.users.findUid?.(query.user) === null)
    throw new InvalidArgument(`no user named "${query.user}" (give a user name from the password file, or a uid)`);
  const listing = listProcesses(context, { fields, ...(query.pids ? { pids: query.pids } : {}) });
  const listed = listing.processes.map((p) => p.pid);
  let rows = listing.processes as Process[];
  if (query.user !== undefined) {
    const wanted = query.user;
    rows = rows.filter((p) => p.user === wanted || String(p.uid) === wanted);
  }
  if (query.filter !== undefined) {
    const filter = query.filter;
    rows = rows.filter((p) => matchesFilter(p, filter));
  }
  if (query.kernel === false) rows = rows.filter((p) => !p.kernelThread);
  return { rows: sortProcesses(rows, sort), skipped: listing.skipped, listed };
}
