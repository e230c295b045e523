/**
 * What the memory commands answer with --json (`maps`, `read`, `strings`), shaped once for the CLI
 * and the server.
 */

import type { ProcFs } from "../access/proc-fs.js";
import { type MapsRegion, readProcessMaps, readSmaps, type SmapsRegion, type SmapsTotals } from "../memory/maps.js";
import { type MemoryRead, openProcessMemory, readFrom } from "../memory/reader.js";
import { regionLabel } from "../memory/scan.js";
import { type StringsOptions, type StringsStats, stringBatches } from "../memory/strings.js";

/** `maps PID --json` (with smaps: `maps PID --smaps --json`). */
export function mapsResult(
  procFs: ProcFs,
  pid: number,
  options: { smaps?: boolean } = {},
): { pid: number; regions: SmapsRegion[]; totals: SmapsTotals } | { pid: number; regions: MapsRegion[] } {
  if (options.smaps) {
    const { regions, totals } = readSmaps(procFs, pid);
    return { pid, regions, totals };
  }
  const { regions } = readProcessMaps(procFs, pid);
  return { pid, regions };
}

/**
 * `read PID ADDR LEN --json`: the bytes as hex, the holes, and the regions the range covers.
 * The caller checks the length against its cap; `address` is already resolved.
 */
export async function memoryReadResult(procFs: ProcFs, pid: number, address: bigint, length: number, signal?: AbortSignal) {
  const memory = openProcessMemory(procFs, pid);
  try {
    return memoryReadJson(pid, address, length, await readFrom(memory, address, length, signal));
  } finally {
    memory.close();
  }
}

/** The JSON shape of a read: the bytes as hex, the holes, the regions the range covers. */
export function memoryReadJson(pid: number, address: bigint, length: number, result: MemoryRead) {
  return {
    pid,
    startTimeTicks: result.startTimeTicks,
    address,
    length,
    hex: result.bytes.toString("hex"),
    holes: result.holes.map((h) => ({ address: h.address, length: h.length, reason: h.reason })),
    regions: result.regions.map((r) => ({
      start: r.start,
      end: r.end,
      perms: r.perms,
      kind: r.kind,
      path: r.path,
      label: regionLabel(r),
    })),
  };
}

/** One line of `strings PID --json`. */
export interface StringRecord {
  readonly pid: number;
  readonly address: bigint;
  readonly region: string;
  readonly encoding: string;
  readonly text: string;
}

/**
 * The lines of `strings PID --json`, as objects: address, region label, encoding, text.
 * Stops after `limit` strings when given.
 */
export async function* stringRecords(
  procFs: ProcFs,
  pid: number,
  options: Omit<StringsOptions, "stats"> & { limit?: number; stats?: StringsStats } = {},
): AsyncGenerator<StringRecord> {
  const memory = openProcessMemory(procFs, pid);
  let count = 0;
  try {
    let labelOf: unknown = null;
    let label = "";
    for await (const batch of stringBatches(memory, options)) {
      if (labelOf !== batch.region) {
        labelOf = batch.region;
        label = regionLabel(batch.region);
      }
      for (let i = 0; i < batch.texts.length; i++) {
        if (options.limit !== undefined && count >= options.limit) return;
        count++;
        yield {
          pid,
          address: batch.base + BigInt(batch.offsets[i] as number),
          region: label,
          encoding: batch.encodings[i] as string,
          text: batch.texts[i] as string,
        };
      }
    }
  } finally {
    memory.close();
  }
}
