/**
 * The machine facts that turn kernel units into human ones: clock ticks per second, page size,
 * boot time, and "now" as the kernel's uptime. A captured tree carries its own (system-info.json
 * beside the proc directory), so results on fixtures are deterministic.
 */
import fs from "node:fs";
import path from "node:path";
import { readOrRecord } from "../errors.js";
import { AT_CLKTCK, AT_PAGESZ, parseAuxv } from "../procfs/pid/auxv.js";
import { parseSystemStat } from "../procfs/stat.js";
import { parseUptime } from "../procfs/uptime.js";
import type { ProcFs } from "./proc-fs.js";

export interface SystemInfo {
  /** USER_HZ: the unit of every *Ticks field. */
  readonly clockTicks: number;
  readonly pageSize: number;
  /** Boot time, seconds since the epoch (btime of /proc/stat); null if the tree lacks it. */
  readonly bootTime: number | null;
  /** Seconds since boot when this info was read; null if the tree lacks /proc/uptime. */
  readonly uptimeSeconds: number | null;
  /** Why bootTime or uptimeSeconds is null. */
  readonly errors: Readonly<Record<string, string>>;
}

/** Written beside a captured proc tree by scripts/capture-fixture.mjs. */
export const SYSTEM_INFO_FILE = "system-info.json";

function liveConstants(): { clockTicks: number; pageSize: number } {
  try {
    const auxv = parseAuxv(fs.readFileSync("/proc/self/auxv"));
    return { clockTicks: Number(auxv.get(AT_CLKTCK) ?? 100n), pageSize: Number(auxv.get(AT_PAGESZ) ?? 4096n) };
  } catch {
    return { clockTicks: 100, pageSize: 4096 };
  }
}

function capturedConstants(procFs: ProcFs): { clockTicks: number; pageSize: number } | null {
  try {
    const saved = JSON.parse(fs.readFileSync(path.join(procFs.root, "..", SYSTEM_INFO_FILE), "utf8")) as Partial<SystemInfo>;
    if (typeof saved.clockTicks === "number" && typeof saved.pageSize === "number") {
      return { clockTicks: saved.clockTicks, pageSize: saved.pageSize };
    }
  } catch {
    // A tree without the file (like another project's fixtures) gets the Linux defaults.
  }
  return null;
}

/** Reads clock ticks, page size, boot time and uptime for the tree behind `procFs`. */
export function readSystemInfo(procFs: ProcFs): SystemInfo {
  const constants = procFs.isLive ? liveConstants() : (capturedConstants(procFs) ?? { clockTicks: 100, pageSize: 4096 });
  const errors: Record<string, string> = {};
  // A captured tree may lack these files; only start times and %CPU depend on them.
  const optional = <T>(name: string, read: () => T): T | null => readOrRecord(errors, name, read);
  const bootTime = optional("bootTime", () => procFs.parse("stat", parseSystemStat).bootTime);
  const uptimeSeconds = optional("uptimeSeconds", () => procFs.parse("uptime", parseUptime).uptimeSeconds);
  return { ...constants, bootTime, uptimeSeconds, errors };
}
