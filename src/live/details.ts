/**
 * What the details pane of `top` shows for one process, as plain text lines. The data comes from
 * the other areas (processes/details, files/fds, memory/maps), loaded when a tab first needs
 * them. Threads are read here from PID/task (stat, wchan and, for root, the kernel stack).
 */

import { plural } from "../_plural.js";
import { ProcError, ProcessGone } from "../errors.js";
import type { ProcessContext } from "../processes/process.js";
import { parsePidStat } from "../procfs/pid/stat.js";

export type DetailsTab = 0 | 1 | 2 | 3;

/** Text lines (unescaped: the face escapes them) for one tab. Throws ProcessGone if the process is gone. */
export async function detailLines(context: ProcessContext, pid: number, tab: DetailsTab): Promise<string[]> {
  switch (tab) {
    case 0:
      return summaryLines(context, pid);
    case 1:
      return threadLines(context, pid);
    case 2:
      return fileLines(context, pid);
    case 3:
      return memoryLines(context, pid);
  }
}

function scalarText(value: unknown): string {
  if (value === null || value === undefined) return "-";
  if (typeof value === "bigint") return `0x${value.toString(16)}`;
  return String(value);
}

const isScalar = (value: unknown): boolean => value === null || typeof value !== "object";

/**
 * `key: value` lines for any value of the details shape: objects indented under their key, arrays
 * of scalars on one line, arrays of flat objects one "- k: v, k: v" line per item. Never a JSON
 * blob: a pane a person reads. valueLines("uids", {real: 0}, "") → ["uids:", "  real: 0"]
 */
function valueLines(key: string, value: unknown, indent: string): string[] {
  if (isScalar(value)) return [`${indent}${key}: ${scalarText(value)}`];
  if (Array.isArray(value)) {
    if (value.length === 0) return [`${indent}${key}: none`];
    if (value.every(isScalar)) return [`${indent}${key}: ${value.map(scalarText).join(" ")}`];
    return [
      `${indent}${key}:`,
      ...value.flatMap((item) => {
        if (isScalar(item)) return [`${indent}  - ${scalarText(item)}`];
        const entries = Object.entries(item as object);
        if (entries.every(([, v]) => isScalar(v) || (Array.isArray(v) && v.every(isScalar))))
          return [
            `${indent}  - ${entries.map(([k, v]) => `${k}: ${Array.isArray(v) ? v.map(scalarText).join(" ") : scalarText(v)}`).join(", ")}`,
          ];
        return [`${indent}  -`, ...entries.flatMap(([k, v]) => valueLines(k, v, `${indent}    `))];
      }),
    ];
  }
  return [`${indent}${key}:`, ...Object.entries(value as object).flatMap(([k, v]) => valueLines(k, v, `${indent}  `))];
}

async function summaryLines(context: ProcessContext, pid: number): Promise<string[]> {
  const { getProcessDetails } = await import("../processes/details.js");
  const details = getProcessDetails(context, pid) as unknown as Record<string, unknown>;
  const lines: string[] = [];
  for (const [key, value] of Object.entries(details)) {
    if (key === "errors") continue;
    if (key === "environ") {
      lines.push(`environ: ${value === null ? "-" : plural(Object.keys(value as object).length, "variable")}`);
      continue;
    }
    lines.push(...valueLines(key, value, ""));
  }
  const errors = details.errors as Record<string, string> | undefined;
  if (errors && Object.keys(errors).length > 0) {
    lines.push("", "not readable:");
    for (const [key, reason] of Object.entries(errors)) lines.push(`  ${key}: ${reason}`);
  }
  return lines;
}

async function threadLines(context: ProcessContext, pid: number): Promise<string[]> {
  const { procFs, system } = context;
  const dir = procFs.openProcess(pid);
  let tids: number[];
  try {
    tids = dir
      .listDir("task")
      .map(Number)
      .filter((n) => Number.isInteger(n))
      .sort((a, b) => a - b);
  } finally {
    dir.close();
  }
  const lines = [`${"TID".padStart(7)} S ${"CPU TIME".padStart(9)} ${"WCHAN".padEnd(24)} NAME`];
  let stackDenied: string | null = null;
  for (const tid of tids) {
    let task: ReturnType<typeof procFs.openProcess>;
    try {
      task = procFs.openProcess(pid, tid);
    } catch {
      continue;
    }
    try {
      const stat = task.parse("stat", parsePidStat);
      let wchan = "-";
      try {
        const text = task.readText("wchan").trim();
        wchan = text === "" || text === "0" ? "-" : text;
      } catch (error) {
        if (error instanceof ProcessGone) throw error;
      }
      const seconds = (stat.utimeTicks + stat.stimeTicks) / system.clockTicks;
      lines.push(`${String(tid).padStart(7)} ${stat.state} ${seconds.toFixed(2).padStart(9)} ${wchan.padEnd(24)} ${stat.comm}`);
      try {
        const stack = task.readText("stack").trim();
        for (const frame of stack.split("\n")) if (frame !== "") lines.push(`          ${frame}`);
      } catch (error) {
        if (error instanceof ProcessGone) throw error;
        if (error instanceof ProcError) stackDenied ??= error.message;
      }
    } catch (error) {
      if (!(error instanceof ProcessGone) || tid === pid) throw error;
    } finally {
      task.close();
    }
  }
  if (stackDenied !== null) lines.push("", `kernel stacks not shown: ${stackDenied}`);
  return lines;
}

async function fileLines(context: ProcessContext, pid: number): Promise<string[]> {
  const { listFds } = await import("../files/fds.js");
  const fds = listFds(context.procFs, pid);
  return [
    `${"FD".padStart(5)} ${"TYPE".padEnd(10)} ${"POS".padStart(10)} TARGET`,
    ...fds.map((f) => `${String(f.fd).padStart(5)} ${f.type.padEnd(10)} ${scalarText(f.posBytes).padStart(10)} ${f.target}`),
  ];
}

async function memoryLines(context: ProcessContext, pid: number): Promise<string[]> {
  const { readMaps } = await import("../memory/maps.js");
  const regions = readMaps(context.procFs, pid);
  if (regions.length === 0) return ["(no user memory: a kernel thread or a zombie)"];
  return [
    `${"START".padEnd(16)} ${"END".padEnd(16)} PERM ${"SIZE".padStart(10)} ${"KIND".padEnd(8)} PATH`,
    ...regions.map(
      (r) =>
        `${r.start.toString(16).padStart(16, "0")} ${r.end.toString(16).padStart(16, "0")} ${r.perms} ${String(r.sizeBytes).padStart(10)} ${r.kind.padEnd(8)} ${r.path ?? ""}`,
    ),
  ];
}
