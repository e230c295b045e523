import type { Process } from "../../model/process.js";
import { commandText, cpuTimeText, startText } from "../../processes/format.js";
import { type Column, TableBuilder } from "./table.js";

/** What the ps table shows: the Process shape without exe (the table never shows it, and its readlink costs). */
export type PsRow = Omit<Process, "exe">;

/** An empty ps table to add rows to as they are read; `now` decides how START is written. */
export function psTable(now: Date): TableBuilder<PsRow> {
  return new TableBuilder(psColumns(now));
}

function psColumns(now: Date): Column<PsRow>[] {
  return [
    { header: "PID", value: (p) => p.pid, align: "right" },
    { header: "PPID", value: (p) => p.ppid, align: "right" },
    { header: "USER", value: (p) => p.user },
    { header: "S", value: (p) => p.state },
    { header: "%CPU", value: (p) => p.cpuPercent?.toFixed(1), align: "right" },
    { header: "RSS", value: (p) => (p.rssBytes === null ? null : Math.round(p.rssBytes / 1024)), align: "right" },
    { header: "VSZ", value: (p) => Math.round(p.vszBytes / 1024), align: "right" },
    { header: "THR", value: (p) => p.threads, align: "right" },
    { header: "START", value: (p) => (p.startTime === null ? null : startText(p.startTime, now)) },
    { header: "TIME", value: (p) => cpuTimeText(p.cpuSeconds), align: "right" },
    { header: "COMMAND", value: (p) => commandText(p) },
  ];
}
