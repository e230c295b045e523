/**
 * /proc/meminfo — proc_meminfo(5) (proc(5) "/proc/meminfo" on older man-pages).
 * "Key:   value kB" lines, padded with spaces; keys contain parentheses ("Active(anon)") and come
 * and go with kernel version and config. "kB" means KiB; the HugePages_* lines are bare counts.
 */
import { ParseError } from "../errors.js";
import type { Meminfo } from "../model/system-files.js";
import {
  kibToBytes,
  type LineProblem,
  lineProblem,
  missing,
  splitTableLines,
  toCount,
  toU64,
  type WithProblems,
  withProblems,
} from "./_lines.js";

export type { Meminfo };

type KibField = {
  [K in keyof Meminfo]: Meminfo[K] extends number | null ? (K extends `${string}Bytes` ? K : never) : never;
}[keyof Meminfo];
type CountField = "hugePagesTotal" | "hugePagesFree" | "hugePagesRsvd" | "hugePagesSurp";

const KIB_KEYS: Readonly<Record<Exclude<KibField, "memTotalBytes" | "memFreeBytes">, string>> = {
  memAvailableBytes: "MemAvailable",
  buffersBytes: "Buffers",
  cachedBytes: "Cached",
  swapCachedBytes: "SwapCached",
  activeBytes: "Active",
  inactiveBytes: "Inactive",
  activeAnonBytes: "Active(anon)",
  inactiveAnonBytes: "Inactive(anon)",
  activeFileBytes: "Active(file)",
  inactiveFileBytes: "Inactive(file)",
  unevictableBytes: "Unevictable",
  mlockedBytes: "Mlocked",
  swapTotalBytes: "SwapTotal",
  swapFreeBytes: "SwapFree",
  zswapBytes: "Zswap",
  zswappedBytes: "Zswapped",
  dirtyBytes: "Dirty",
  writebackBytes: "Writeback",
  anonPagesBytes: "AnonPages",
  mappedBytes: "Mapped",
  shmemBytes: "Shmem",
  kReclaimableBytes: "KReclaimable",
  slabBytes: "Slab",
  sReclaimableBytes: "SReclaimable",
  sUnreclaimBytes: "SUnreclaim",
  kernelStackBytes: "KernelStack",
  pageTablesBytes: "PageTables",
  secPageTablesBytes: "SecPageTables",
  commitLimitBytes: "CommitLimit",
  committedAsBytes: "Committed_AS",
  vmallocUsedBytes: "VmallocUsed",
  percpuBytes: "Percpu",
  hardwareCorruptedBytes: "HardwareCorrupted",
  anonHugePagesBytes: "AnonHugePages",
  shmemHugePagesBytes: "ShmemHugePages",
  fileHugePagesBytes: "FileHugePages",
  hugepagesizeBytes: "Hugepagesize",
  hugetlbBytes: "Hugetlb",
  directMap4kBytes: "DirectMap4k",
  directMap2MBytes: "DirectMap2M",
  directMap1GBytes: "DirectMap1G",
};

const COUNT_KEYS: Readonly<Record<CountField, string>> = {
  hugePagesTotal: "HugePages_Total",
  hugePagesFree: "HugePages_Free",
  hugePagesRsvd: "HugePages_Rsvd",
  hugePagesSurp: "HugePages_Surp",
};

/**
 * Parses /proc/meminfo; "kB" values become bytes.
 * parseMeminfo("MemTotal:  2048 kB\nMemFree:  1024 kB\n").memTotalBytes === 2097152
 */
export function parseMeminfo(text: string): WithProblems<Meminfo> {
  const problems: LineProblem[] = [];
  const raw: Record<string, string> = {};
  const where = new Map<string, { line: string; lineNumber: number; value: string; kib: boolean }>();
  const lines = splitTableLines(text, problems);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line === "") continue;
    const match = /^([^:\s][^:]*):\s+(\d+)( kB)?$/.exec(line);
    if (!match) {
      problems.push(lineProblem('expected "Key:   N" or "Key:   N kB"', line, i + 1));
      continue;
    }
    const key = match[1] as string;
    raw[key] = line.slice(key.length + 1).trim();
    where.set(key, { line, lineNumber: i + 1, value: match[2] as string, kib: match[3] !== undefined });
  }
  const entry = (key: string, kib: boolean) => {
    const found = where.get(key);
    if (found === undefined) return undefined;
    if (found.kib !== kib) throw new ParseError(`"${key}" should ${kib ? "" : "not "}be in kB`, found.line, found.lineNumber);
    return found;
  };
  // A known key whose value cannot be used is null and reported, like a line that does not parse.
  const orNull = <T>(key: string, read: () => T | null): T | null => {
    try {
      return read();
    } catch (error) {
      if (!(error instanceof ParseError)) throw error;
      const found = where.get(key);
      problems.push(lineProblem(error, found?.line ?? "", found?.lineNumber ?? 0));
      return null;
    }
  };
  const bytes = (key: string): number | null => {
    const found = entry(key, true);
    return found === undefined ? null : kibToBytes(found.value, `"${key}"`, found.line, found.lineNumber);
  };
  const bigBytes = (key: string): bigint | null => {
    const found = entry(key, true);
    return found === undefined ? null : toU64(found.value, `"${key}"`, found.line, found.lineNumber) * 1024n;
  };
  const count = (key: string): number | null => {
    const found = entry(key, false);
    return found === undefined ? null : toCount(found.value, `"${key}"`, found.line, found.lineNumber);
  };
  const required = (key: string): number => {
    const value = bytes(key);
    if (value === null) throw missing(`"${key}:" line`, lines);
    return value;
  };
  const named: Record<string, number | null> = {};
  for (const [field, key] of Object.entries(KIB_KEYS))
    if (key !== "MemTotal" && key !== "MemFree") named[field] = orNull(key, () => bytes(key));
  for (const [field, key] of Object.entries(COUNT_KEYS)) named[field] = orNull(key, () => count(key));
  return withProblems(
    {
      ...(named as Record<Exclude<KibField, "memTotalBytes" | "memFreeBytes"> | CountField, number | null>),
      memTotalBytes: required("MemTotal"),
      memFreeBytes: required("MemFree"),
      vmallocTotalBytes: orNull("VmallocTotal", () => bigBytes("VmallocTotal")),
      vmallocChunkBytes: orNull("VmallocChunk", () => bigBytes("VmallocChunk")),
      raw,
    },
    problems,
  );
}
