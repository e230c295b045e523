/**
 * A process's memory map, read through ProcFs: the regions of /proc/PID/maps, and with
 * `readSmaps` the per-region memory use of /proc/PID/smaps.
 */
import type { ProcessDir, ProcFs } from "../access/proc-fs.js";
import { decodeBytes, rawBase64IfInvalid } from "../bytes.js";
import { Unavailable } from "../errors.js";
import { type LineProblem, problemsOf } from "../procfs/_lines.js";
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
    return dir.parseBytes("maps", parseMapsWithTwins);
  } finally {
    dir.close();
  }
}

const MAPS_HEADER = /^([0-9a-f]+)-[0-9a-f]+ \S{4} [0-9a-f]+ [0-9a-f]+:[0-9a-f]+ \d+ +(.*)$/s;
const DELETED = " (deleted)";

/**
 * parsePidMaps over the bytes of /proc/PID/maps; a region whose path is not valid UTF-8 (its text
 * shows `\xNN`) gets `rawBase64.path`, the path's bytes as parsePidMaps cuts it (no " (deleted)").
 */
export function parseMapsWithTwins(bytes: Uint8Array): Region[] {
  const text = decodeBytes(bytes);
  return withPathTwins(parsePidMaps(text), bytes, text);
}

/** parsePidSmaps over the bytes of /proc/PID/smaps, with the same `rawBase64.path` as maps. */
function parseSmapsWithTwins(bytes: Uint8Array): ReturnType<typeof parsePidSmaps> {
  const text = decodeBytes(bytes);
  return withPathTwins(parsePidSmaps(text), bytes, text);
}

/** Gives each of `regions` (parsed from `text`, the decoding of `bytes`) whose path was not UTF-8 its twin, in place. */
function withPathTwins<T extends Region[]>(regions: T, bytes: Uint8Array, text: string): T {
  if (!text.includes("\\x")) return regions;
  const twins = new Map<string, string>();
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let start = 0;
  while (start < buffer.length) {
    const newline = buffer.indexOf(0x0a, start);
    const end = newline < 0 ? buffer.length : newline;
    const line = buffer.subarray(start, end);
    start = end + 1;
    if (!line.some((b) => b >= 0x80)) continue;
    // latin1 keeps one character per byte, so the path's characters give back its bytes.
    const match = MAPS_HEADER.exec(line.toString("latin1"));
    if (!match) continue;
    let path = (match[2] as string).replace(/\\012/g, "\n");
    if (path.endsWith(DELETED) && !path.startsWith("[")) path = path.slice(0, -DELETED.length);
    const twin = rawBase64IfInvalid(Buffer.from(path, "latin1"));
    if (twin !== null) twins.set(match[1] as string, twin);
  }
  regions.forEach((region, i) => {
    const twin = twins.get(region.start.toString(16));
    if (twin !== undefined) regions[i] = { ...region, rawBase64: { path: twin } };
  });
  return regions;
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
  const regions = dir.parseBytes("maps", parseMapsWithTwins);
  return { stat, regions };
}

/**
 * The regions of a process with their memory use from /proc/PID/smaps (bytes), and totals;
 * `problems` are the lines that did not parse (their blocks are left out, the rest kept).
 * const { regions, totals } = readSmaps(openProcFs(), 42); totals.pss
 */
export function readSmaps(
  procFs: ProcFs,
  pid: number,
): { regions: SmapsRegion[]; totals: SmapsTotals; startTimeTicks: number; problems: readonly LineProblem[] } {
  const dir = procFs.openProcess(pid);
  try {
    const stat = dir.parse("stat", parsePidStat);
    const regions = dir.parseBytes("smaps", parseSmapsWithTwins);
    assertHasMemory(pid, stat, regions);
    return { regions, totals: smapsTotals(regions), startTimeTicks: stat.startTimeTicks, problems: problemsOf(regions) };
  } finally {
    dir.close();
  }
}

/**
 * The regions of a process, refusing kernel threads and zombies with a clear message; `problems`
 * are the lines of maps that did not parse (the other regions are all there).
 */
export function readProcessMaps(
  procFs: ProcFs,
  pid: number,
): { regions: Region[]; startTimeTicks: number; comm: string; problems: readonly LineProblem[] } {
  const dir = procFs.openProcess(pid);
  try {
    const { stat, regions } = readStatAndMaps(dir);
    assertHasMemory(pid, stat, regions);
    return { regions, startTimeTicks: stat.startTimeTicks, comm: stat.comm, problems: problemsOf(regions) };
  } finally {
    dir.close();
  }
}
