/** What `top --once --json` answers, shaped once for the CLI and the server's event stream. */

import { sortSampled } from "../live/sort.js";
import type { Snapshot } from "../model/process.js";
import { matchesFilter } from "../processes/sort.js";

export interface TopQuery {
  readonly sort?: string;
  readonly filter?: string;
  readonly limit?: number;
}

/** A snapshot with its processes sorted, filtered and cut as `top --once` prints them. */
export function topResult(snapshot: Snapshot, query: TopQuery = {}): Snapshot {
  let rows = sortSampled(snapshot.processes, query.sort ?? "cpu");
  if (query.filter !== undefined) {
    const filter = query.filter;
    rows = rows.filter((p) => matchesFilter(p, filter));
  }
  if (query.limit !== undefined) rows = rows.slice(0, query.limit);
  return { ...snapshot, processes: rows };
}
