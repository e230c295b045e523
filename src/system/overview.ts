/** The `sys` overview and single system files, over a ProcFs. */

import type { ProcFs } from "../access/proc-fs.js";
import { InvalidArgument, readOrRecord } from "../errors.js";
import type { SystemOverview } from "../model/system.js";
import { parseCpuinfo } from "../procfs/cpuinfo.js";
import { parseLoadavg } from "../procfs/loadavg.js";
import { parseMeminfo } from "../procfs/meminfo.js";
import { parseSystemStat } from "../procfs/stat.js";
import { isSystemFileName, SYSTEM_FILE_NAMES, SYSTEM_FILES } from "../procfs/system-files.js";
import { parseUptime } from "../procfs/uptime.js";
import { parseVersion } from "../procfs/version.js";

export type { SystemOverview };

/**
 * A summary of the machine: kernel, uptime, load, CPUs, memory.
 * systemOverview(openProcFs()).memory?.totalBytes
 */
export function readSystemOverview(procFs: ProcFs): SystemOverview {
  const errors: Record<string, string> = {};
  const attempt = <T>(name: string, read: () => T): T | null => readOrRecord(errors, name, read);
  const stat = attempt("bootTime", () => procFs.parse("stat", parseSystemStat));
  const memory = attempt("memory", () => {
    const m = procFs.parse("meminfo", parseMeminfo);
    // free(1)'s "used": total minus free, buffers, page cache and reclaimable slab.
    const cache = (m.cachedBytes ?? 0) + (m.sReclaimableBytes ?? 0);
    return {
      totalBytes: m.memTotalBytes,
      availableBytes: m.memAvailableBytes,
      usedBytes: Math.max(0, m.memTotalBytes - m.memFreeBytes - (m.buffersBytes ?? 0) - cache),
      freeBytes: m.memFreeBytes,
      buffersBytes: m.buffersBytes,
      cachedBytes: m.cachedBytes,
      swapTotalBytes: m.swapTotalBytes,
      swapFreeBytes: m.swapFreeBytes,
    };
  });
  return {
    hostname: attempt("hostname", () => procFs.readText("sys/kernel/hostname").trim()),
    kernel: attempt("kernel", () => procFs.parse("version", parseVersion).release),
    bootTime: stat ? new Date(stat.bootTime * 1000).toISOString() : null,
    uptimeSeconds: attempt("uptimeSeconds", () => procFs.parse("uptime", parseUptime).uptimeSeconds),
    load: attempt("load", () => {
      const l = procFs.parse("loadavg", parseLoadavg);
      return { load1: l.load1, load5: l.load5, load15: l.load15, running: l.runnableEntities, threads: l.totalEntities };
    }),
    cpus: attempt("cpus", () => {
      const info = procFs.parse("cpuinfo", parseCpuinfo);
      return { count: info.processors.length || (stat?.cpus.length ?? 0), model: info.processors[0]?.modelName ?? null };
    }),
    memory,
    processes: procFs.listPids().length,
    errors,
  };
}

/** One system file, parsed. Throws InvalidArgument for an unknown name. */
export function readSystemFile(procFs: ProcFs, name: string): unknown {
  if (!isSystemFileName(name)) throw new InvalidArgument(`unknown system file "${name}"; known: ${SYSTEM_FILE_NAMES.join(", ")}`);
  const file = SYSTEM_FILES[name];
  return procFs.parse(file.path, file.parse as (text: string) => unknown);
}

export { SYSTEM_FILE_NAMES };
