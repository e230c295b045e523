/**
 * proc/PID/.procscope.json in a capture: what was true of a process at capture time that the
 * copied files cannot say. The kernel's refusals, so `--root` refuses the same reads with the
 * same reason instead of taking a missing fd link for a closed fd (PID 1 holding a capability the
 * capturing session lacks lists its fd/ but refuses every link, even to root). And, for a deleted
 * executable, whether a file with its name existed in the process's own root, which only the live
 * /proc/PID/root could tell.
 */

import type { ProcFs } from "./proc-fs.js";

export const CAPTURE_RECORD_FILE = ".procscope.json";

export interface CaptureRecord {
  /** Paths under PID/ ("fd/3", "environ", "ns") the kernel refused at capture time, by reason. */
  readonly denied?: Readonly<Record<string, readonly string[]>>;
  /** For an executable deleted before the capture: whether a file existed at its path in the process's root. */
  readonly exeReplacedByNewFile?: boolean;
}

/** The record's JSON; a damaged one counts as absent (the capture's files still say the rest). */
export function parseCaptureRecord(text: string): CaptureRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return {};
  }
  if (typeof value !== "object" || value === null) return {};
  const { denied, exeReplacedByNewFile } = value as Record<string, unknown>;
  const record: { denied?: Record<string, string[]>; exeReplacedByNewFile?: boolean } = {};
  if (typeof denied === "object" && denied !== null) {
    record.denied = {};
    for (const [reason, paths] of Object.entries(denied))
      if (Array.isArray(paths)) record.denied[reason] = paths.filter((p): p is string => typeof p === "string");
  }
  if (typeof exeReplacedByNewFile === "boolean") record.exeReplacedByNewFile = exeReplacedByNewFile;
  return record;
}

/**
 * The reason the kernel refused `rel` (a path under PID/) at capture time, or null. A refused
 * directory ("fd") covers what is under it.
 * deniedReason({ denied: { "not root": ["fd/3"] } }, "fd/3") → "not root"
 */
export function deniedReason(record: CaptureRecord, rel: string): string | null {
  for (const [reason, paths] of Object.entries(record.denied ?? {}))
    for (const p of paths) if (rel === p || rel.startsWith(`${p}/`)) return reason;
  return null;
}

/** Names directly under `rel` that were listed but refused at capture time ("fd" → ["0", "1"]). */
export function deniedChildren(record: CaptureRecord, rel: string): string[] {
  const prefix = rel === "" ? "" : `${rel}/`;
  const names: string[] = [];
  for (const paths of Object.values(record.denied ?? {}))
    for (const p of paths)
      if (p.startsWith(prefix) && p.length > prefix.length && !p.includes("/", prefix.length)) names.push(p.slice(prefix.length));
  return names;
}

/**
 * The record of `pid` in a captured tree, or null (the live /proc, an older capture, none kept).
 * readCaptureRecord(openProcFs("incident/proc"), 42)?.exeReplacedByNewFile
 */
export function readCaptureRecord(procFs: ProcFs, pid: number): CaptureRecord | null {
  if (procFs.isLive) return null;
  try {
    return parseCaptureRecord(procFs.readText(`${pid}/${CAPTURE_RECORD_FILE}`));
  } catch {
    return null;
  }
}
