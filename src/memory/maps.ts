/**
 * A process's memory map, read through ProcFs: the regions of /proc/PID/maps, and with
 * `readSmaps` the per-region memory use of /proc/PID/smaps.
 */
import type { ProcessDir, ProcFs } from "../access/proc-fs.js";
import { Unavailable } from "../errors.js";
import { parsePidMaps, type Region } from "../procfs/pid/maps.js";
import { parsePidSmaps, type SmapsRegion, type SmapsTotals, smapsTotals } from "../procfs/pid/smaps.js";
import { PF_KTHREAD, type PidStat, parsePidStat } from "../procfs/pid/stat.js";

export type { Region, RegionKind, RegionSection } from "../procfs/pid/maps.js";
export type { SmapsRegion, SmapsTotals } from "../procfs/pid/smaps.js";

/**
 * The regions of a process, in address order, one per line of /proc/PID/maps.
 * readMaps(openProcFs(), 42).find((r) => r.kind === "heap")
 */
export function readMaps(procFs: ProcFs, pid: number): Region[] {
  const dir = procFs.openProcess(pid);
  try {
    return dir.parse("maps", parsePidMaps);
  } finally {
    dir.close();
  }
}

/**
 * Throws a clear Unavailable when a process has no user memory at all (kernel threads, zombies),
 * so callers do not report "nothing found" for a process that cannot have anything.
 */
export function assertHasMemory(pid: number, stat: PidStat, regions: readonly Region[]): void {
  if (regions.length > 0) return;
  if ((stat.flags & PF_KTHREAD) !== 0) throw new Unavailable(`process ${pid} (${stat.comm}) is a kernel thread: it has no user memory`);
  if (stat.state === "Z") throw new Unavailable(`process ${pid} (${stat.comm}) is a zombie: it has no memory left`);
  throw new Unavailable(`process ${pid} (${stat.comm}) has no memory mapped`);
}

/** stat and maps of one open process directory. */
export function readStatAndMaps(dir: ProcessDir): { stat: PidStat; regions: Region[] } {
  const stat = dir.parse("stat", parsePidStat);
  const regions = dir.parse("maps", parsePidMaps);
  return { stat, regions };
}

/**
 * The regions of a process with their memory use from /proc/PID/smaps (bytes), and totals.
 * const { regions, totals } = readSmaps(openProcFs(), 42); totals.pss
 */
export function readSmaps(procFs: ProcFs, pid: number): { regions: SmapsRegion[]; totals: SmapsTotals; startTimeTicks: number } {
  const dir = procFs.openProcess(pid);
  try {
    const stat = dir.parse("stat", parsePidStat);
    const regions = dir.parse("smaps", parsePidSmaps);
    assertHasMemory(pid, stat, regions);
    return { regions, totals: smapsTotals(regions), startTimeTicks: stat.startTimeTicks };
  } finally {
    dir.close();
  }
}

/** The regions of a process, refusing kernel threads and zombies with a clear message. */
export function readProcessMaps(procFs: ProcFs, pid: number): { regions: Region[]; startTimeTicks: number; comm: string } {
  const dir = procFs.openProcess(pid);
  try {
    const { stat, regions } = readStatAndMaps(dir);
    assertHasMemory(pid, stat, regions);
    return { regions, startTimeTicks: stat.startTimeTicks, comm: stat.comm };
  } finally {
    dir.close();
  }
}
