/** Human renderings of Process fields shared by the faces (ps table, tree, top). */
import type { Process } from "./process.js";

/** What ps shows as COMMAND: argv joined, or [comm] for kernel threads and empty argv. */
export function commandText(p: Pick<Process, "cmdline" | "comm">): string {
  if (p.cmdline === null) return p.comm;
  if (p.cmdline.length === 0 || (p.cmdline.length === 1 && p.cmdline[0] === "")) return `[${p.comm}]`;
  return p.cmdline.join(" ");
}

/** CPU time as ps aux prints it: M:SS, or H:MM:SS past an hour. */
export function cpuTimeText(seconds: number): string {
  const total = Math.floor(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${String(s).padStart(2, "0")}` : `${m}:${String(s).padStart(2, "0")}`;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** Start time as ps prints it: HH:MM today, MonDD this year, else the year. */
export function startText(iso: string, now: Date): string {
  const start = new Date(iso);
  if (now.getTime() - start.getTime() < 24 * 3600 * 1000 && start.getDate() === now.getDate()) {
    return `${String(start.getHours()).padStart(2, "0")}:${String(start.getMinutes()).padStart(2, "0")}`;
  }
  if (start.getFullYear() === now.getFullYear()) return `${MONTHS[start.getMonth()]}${String(start.getDate()).padStart(2, "0")}`;
  return String(start.getFullYear());
}
