import { commandText, cpuTimeText, startText } from "../../processes/format.js";
import type { Process } from "../../processes/process.js";
import { type Column, renderTable } from "./table.js";

export function renderPsTable(rows: readonly Process[], now: Date, width: number | undefined): string {
  const columns: Column<Process>[] = [
    { header: "PID", value: (p) => p.pid, align: "right" },
    { header: "PPID", value: (p) => p.ppid, align: "right" },
    { header: "USER", value: (p) => p.user },
    { header: "S", value: (p) => p.state },
    { header: "%CPU", value: (p) => p.cpuPercent?.toFixed(1), align: "right" },
    { header: "RSS", value: (p) => Math.round(p.rss / 1024), align: "right" },
    { header: "VSZ", value: (p) => Math.round(p.vsz / 1024), align: "right" },
    { header: "THR", value: (p) => p.threads, align: "right" },
    { header: "START", value: (p) => (p.startTime === null ? null : startText(p.startTime, now)) },
    { header: "TIME", value: (p) => cpuTimeText(p.cpuTime), align: "right" },
    { header: "COMMAND", value: (p) => commandText(p) },
  ];
  return renderTable(columns, rows, { width });
}
