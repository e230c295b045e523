/**
 * The system-wide /proc files procscope can parse, by short name, for `procscope sys NAME`.
 * Paths are relative to the proc root, so they work on the live /proc and on captured trees.
 */
import { parseCpuinfo } from "./cpuinfo.js";
import { parseDevices } from "./devices.js";
import { parseDiskstats } from "./diskstats.js";
import { parseDma } from "./dma.js";
import { parseFilesystems } from "./filesystems.js";
import { parseLoadavg } from "./loadavg.js";
import { parseMeminfo } from "./meminfo.js";
import { parseMounts } from "./mounts.js";
import { parsePartitions } from "./partitions.js";
import { parseSystemStat } from "./stat.js";
import { parseSwaps } from "./swaps.js";
import { parseUptime } from "./uptime.js";
import { parseVersion } from "./version.js";
import { parseVmstat } from "./vmstat.js";
import { parseZoneinfo } from "./zoneinfo.js";

export interface SystemFile<T> {
  /** Relative to the proc root: "meminfo", "stat". */
  readonly path: string;
  /** Pure parser of the whole file's text; throws ParseError. */
  readonly parse: (text: string) => T;
  /** One line for help output. */
  readonly description: string;
}

function entry<T>(path: string, parse: (text: string) => T, description: string): SystemFile<T> {
  return Object.freeze({ path, parse, description });
}

/**
 * Every system-wide file with a parser, by the name `procscope sys NAME` takes.
 * SYSTEM_FILES.meminfo.parse(text).memTotalBytes
 */
export const SYSTEM_FILES = Object.freeze({
  meminfo: entry("meminfo", parseMeminfo, "Memory usage: totals, caches, swap, huge pages (bytes)"),
  cpuinfo: entry("cpuinfo", parseCpuinfo, "One record per logical CPU: model, clock, cache, flags"),
  loadavg: entry("loadavg", parseLoadavg, "Load averages over 1, 5 and 15 minutes, runnable and total threads, last PID"),
  uptime: entry("uptime", parseUptime, "Seconds since boot, and idle seconds summed over CPUs"),
  stat: entry("stat", parseSystemStat, "CPU time per mode (ticks), interrupts, context switches, boot time, forks"),
  vmstat: entry("vmstat", parseVmstat, "Virtual memory counters: free pages, faults, swapping, reclaim"),
  zoneinfo: entry("zoneinfo", parseZoneinfo, "Per NUMA node and memory zone: free pages, watermarks, counters"),
  devices: entry("devices", parseDevices, "Character and block device major numbers and their drivers"),
  dma: entry("dma", parseDma, "ISA DMA channels in use"),
  version: entry("version", parseVersion, "Kernel release, builder, compiler and build string"),
  filesystems: entry("filesystems", parseFilesystems, "Filesystem types the kernel knows, and which need no device (nodev)"),
  partitions: entry("partitions", parsePartitions, "Block devices and partitions with their sizes (1 KiB blocks)"),
  diskstats: entry("diskstats", parseDiskstats, "I/O counters per block device: reads, writes, discards, flushes, times"),
  mounts: entry("mounts", parseMounts, "Mounted filesystems of this mount namespace, with options"),
  swaps: entry("swaps", parseSwaps, "Active swap areas with size, use and priority"),
});

export type SystemFileName = keyof typeof SYSTEM_FILES;

/** The names in a stable order, for listings and help. */
export const SYSTEM_FILE_NAMES: readonly SystemFileName[] = Object.freeze(Object.keys(SYSTEM_FILES) as SystemFileName[]);

/** True when `name` is a key of SYSTEM_FILES. isSystemFileName("meminfo") === true */
export function isSystemFileName(name: string): name is SystemFileName {
  return Object.hasOwn(SYSTEM_FILES, name);
}
