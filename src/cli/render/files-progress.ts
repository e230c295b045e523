/** Tables for progress and pipeline (pure). */
import type { Pipeline, PipelineStage } from "../../files/pipeline.js";
import type { FileProgress } from "../../files/progress.js";
import { type Column, humanBytes, renderTable } from "./table.js";

function eta(seconds: number | null): string | null {
  if (seconds === null) return null;
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, "0")}m` : m > 0 ? `${m}m${String(rest).padStart(2, "0")}s` : `${rest}s`;
}

const PROGRESS_COLUMNS: readonly Column<FileProgress>[] = [
  { header: "PID", value: (r) => r.pid, align: "right" },
  { header: "COMMAND", value: (r) => r.comm },
  { header: "FD", value: (r) => `${r.fd}${r.mode ?? ""}`, align: "right" },
  { header: "POS", value: (r) => humanBytes(r.posBytes), align: "right" },
  { header: "SIZE", value: (r) => humanBytes(r.sizeBytes), align: "right" },
  { header: "%", value: (r) => (r.percent === null ? null : r.percent.toFixed(1)), align: "right" },
  { header: "RATE", value: (r) => `${humanBytes(r.bytesPerSecond)}/s`, align: "right" },
  { header: "ETA", value: (r) => eta(r.etaSeconds), align: "right" },
  { header: "PATH", value: (r) => `${r.path ?? "?"}${r.deleted ? " (deleted)" : ""}` },
];

export function renderProgress(rows: readonly FileProgress[], width?: number): string {
  return renderTable(PROGRESS_COLUMNS, rows, { width });
}

const STAGE_COLUMNS: readonly Column<PipelineStage>[] = [
  { header: "PID", value: (s) => s.pid, align: "right" },
  { header: "COMMAND", value: (s) => s.comm },
  { header: "STATE", value: (s) => s.state },
  { header: "CPU%", value: (s) => s.cpuPercent.toFixed(1), align: "right" },
  { header: "READ/s", value: (s) => humanBytes(s.readBytesPerSecond), align: "right" },
  { header: "WRITE/s", value: (s) => humanBytes(s.writeBytesPerSecond), align: "right" },
  { header: "PIPE-WAIT%", value: (s) => (s.pipeWaitPercent === null ? null : s.pipeWaitPercent.toFixed(0)), align: "right" },
  { header: "WCHAN", value: (s) => s.wchan ?? "(running)" },
  { header: "STDIN", value: (s) => s.stdin },
  { header: "STDOUT", value: (s) => s.stdout },
];

export function renderPipeline(p: Pipeline, width?: number): string {
  const bottleneck = p.bottleneck === null ? `no clear bottleneck: ${p.reason}` : `bottleneck: ${p.reason}`;
  return `${renderTable(STAGE_COLUMNS, p.stages, { width })}${bottleneck}\n`;
}
