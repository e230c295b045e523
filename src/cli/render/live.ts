/**
 * Text for `top --once` (like `top -b -n 1`): a summary header and the process table. Pure:
 * snapshot in, string out. The interactive view draws its own screen (src/cli/tui/).
 */

import { plural } from "../../_plural.js";
import type { SampledProcess, Snapshot } from "../../live/sampler.js";
import { commandText, cpuTimeText } from "../../processes/format.js";
import { humanBytes, renderTable } from "./table.js";

/** "3 days, 04:05:06" / "04:05:06" */
export function uptimeText(seconds: number): string {
  const total = Math.floor(seconds);
  const days = Math.floor(total / 86400);
  const h = Math.floor((total % 86400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const clock = `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}:${String(s).padStart(2, "0")}`;
  return days > 0 ? `${plural(days, "day")}, ${clock}` : clock;
}

export function percentText(value: number | null | undefined): string {
  return value === null || value === undefined ? "-" : value.toFixed(1);
}

/** The summary lines shared by `top --once` and the interactive header. */
export function summaryLines(snapshot: Snapshot): string[] {
  const { tasks, load, memory, cpu } = snapshot;
  const lines = [
    `Tasks: ${tasks.total} total, ${tasks.running} running, ${tasks.sleeping} sleeping, ${tasks.blocked} blocked, ${tasks.stopped} stopped, ${tasks.zombie} zombie; ${plural(tasks.threads, "thread")}`,
    `Load average: ${load ? `${load.load1.toFixed(2)} ${load.load5.toFixed(2)} ${load.load15.toFixed(2)}` : "-"}   Uptime: ${uptimeText(snapshot.uptimeSeconds)}`,
  ];
  if (cpu)
    lines.push(
      `CPU: ${percentText(cpu.userPercent)} us, ${percentText(cpu.systemPercent)} sy, ${percentText(cpu.nicePercent)} ni, ${percentText(cpu.idlePercent)} id, ${percentText(cpu.iowaitPercent)} wa, ${percentText(cpu.stealPercent)} st`,
    );
  if (memory) {
    lines.push(
      `Mem: ${humanBytes(memory.usedBytes)} used / ${humanBytes(memory.totalBytes)} total, ${humanBytes(memory.availableBytes)} available` +
        (memory.swapTotalBytes === null ? "" : `   Swap: ${humanBytes(memory.swapUsedBytes)} used / ${humanBytes(memory.swapTotalBytes)}`),
    );
  }
  return lines;
}

export function memPercent(p: SampledProcess, snapshot: Snapshot): number | null {
  if (p.rssBytes === null || snapshot.memory === null || snapshot.memory.totalBytes <= 0) return null;
  return Math.round((p.rssBytes / snapshot.memory.totalBytes) * 1000) / 10;
}

export function renderTopOnce(snapshot: Snapshot, processes: readonly SampledProcess[], width: number | undefined): string {
  const table = renderTable<SampledProcess>(
    [
      { header: "PID", value: (p) => p.pid, align: "right" },
      { header: "USER", value: (p) => p.user },
      { header: "PR", value: (p) => p.priority, align: "right" },
      { header: "NI", value: (p) => p.nice, align: "right" },
      { header: "VIRT", value: (p) => humanBytes(p.vszBytes), align: "right" },
      { header: "RES", value: (p) => humanBytes(p.rssBytes), align: "right" },
      { header: "S", value: (p) => p.state },
      { header: "%CPU", value: (p) => percentText(p.recentCpuPercent), align: "right" },
      { header: "%MEM", value: (p) => percentText(memPercent(p, snapshot)), align: "right" },
      { header: "TIME", value: (p) => cpuTimeText(p.cpuSeconds), align: "right" },
      { header: "COMMAND", value: (p) => commandText(p) },
    ],
    processes,
    { width },
  );
  return `${summaryLines(snapshot).join("\n")}\n\n${table}`;
}
