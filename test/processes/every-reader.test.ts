/**
 * Every process reader on every PID, on the captured tree and on the live /proc: each must give
 * a result or ProcessGone (only when the process really is gone), and no field may fail to parse.
 */
import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { openProcFs } from "../../src/access/proc-fs.js";
import { ProcessGone } from "../../src/errors.js";
import { listProcesses, PROCESS_FIELDS } from "../../src/model/reader.js";
import { createProcessContext } from "../../src/processes/context.js";
import { getProcessDetails } from "../../src/processes/details.js";
import { FIXTURE_PROC } from "../helpers/fixtures.js";

const ROOTS = [
  { name: "the captured tree", root: FIXTURE_PROC, live: false },
  { name: "the live /proc", root: "/proc", live: true },
];

describe.each(ROOTS)("every reader on $name", ({ root, live }) => {
  it("getProcessDetails() reads every PID without a parse failure", () => {
    const context = createProcessContext(openProcFs(root));
    const pids = context.procFs.listPids();
    let read = 0;
    for (const pid of pids) {
      try {
        const details = getProcessDetails(context, pid);
        read++;
        for (const [field, reason] of Object.entries(details.errors)) {
          expect(reason, `pid ${pid} ${field}`).not.toMatch(/cannot parse/);
        }
        expect(details.pid).toBe(pid);
        expect(details.startTimeTicks).toBeGreaterThanOrEqual(0);
      } catch (error) {
        expect(error, `pid ${pid}`).toBeInstanceOf(ProcessGone);
        if (live) expect(fs.existsSync(`/proc/${pid}/stat`), `pid ${pid} reported gone but exists`).toBe(false);
      }
    }
    expect(read).toBeGreaterThan(pids.length / 2);
  });

  it("listProcesses() reads every field of every process: a value, or null with a reason, never a parse failure", () => {
    const context = createProcessContext(openProcFs(root));
    const listing = listProcesses(context, { fields: PROCESS_FIELDS });
    expect(listing.skipped).toEqual({ count: 0, reasons: {}, hidden: null });
    expect(listing.processes.length).toBeGreaterThan(10);
    for (const row of listing.processes) {
      for (const field of PROCESS_FIELDS) {
        const value = (row as Record<string, unknown>)[field];
        expect(value, `pid ${row.pid} ${field}`).not.toBeUndefined();
        if (value === null && !["tty", "startTime", "cpuPercent"].includes(field))
          expect(row.errors[field], `pid ${row.pid} ${field} is null without a reason`).toBeTruthy();
      }
      for (const reason of Object.values(row.errors)) expect(reason).not.toMatch(/cannot parse/);
    }
  });
});
