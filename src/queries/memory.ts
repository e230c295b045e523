/**
 * What the memory commands answer with --json (`maps`, `read`, `strings`), shaped once for the CLI
 * and the server.
 */

import type { ProcFs } from "../access/proc-fs.js";
import { readProcessMaps, readSmaps } from "../memory/maps.js";
import { type MemoryRead, openProcessMemory, readFrom } from "../memory/reader.js";
import { type StringsOptions, type StringsStats, scanStringBatches } from "../memory/strings.js";
import type { ReadReport, StringRun } from "../model/memory.js";
import type { MapsEntry } from "../model/region.js";
import { type WithProblems, withProblems } from "../procfs/_lines.js";

/**
 * `maps PID --json`: an array of MapsEntry; with smaps, each region's usage is filled in. The
 * lines that did not parse are in problemsOf(result) (the array's shape stays MapsEntry[]).
 */
export function mapsResult(procFs: ProcFs, pid: number, options: { smaps?: boolean } = {}): WithProblems<readonly MapsEntry[]> {
  if (options.smaps) {
    const { regions, problems } = readSmaps(procFs, pid);
    return withProblems(regions, problems);
  }
  const { regions, problems } = readProcessMaps(procFs, pid);
  return withProblems(
    regions.map((region): MapsEntry => ({ ...region, usage: null })),
    problems,
  );
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

/** The JSON shape of a read (ReadReport): the bytes as hex, the holes, the regions the range covers. */
export function memoryReadJson(pid: number, address: bigint, length: number, result: MemoryRead): ReadReport {
  return {
    pid,
    startTimeTicks: result.startTimeTicks,
    address,
    lengthBytes: length,
    hex: result.bytes.toString("hex"),
    holes: result.holes.map((h) => ({ address: h.address, lengthBytes: h.length, reason: h.reason })),
    regions: [...result.regions],
  };
}

/** One run of `strings PID --json`. */
export type StringRecord = StringRun;

/**
 * The runs of `strings PID --json` (StringRun, each with its Region).
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
    for await (const batch of scanStringBatches(memory, options)) {
      for (let i = 0; i < batch.texts.length; i++) {
        if (options.limit !== undefined && count >= options.limit) return;
        count++;
        yield {
          pid,
          startTimeTicks: memory.startTimeTicks,
          address: batch.base + BigInt(batch.offsets[i] as number),
          encoding: batch.encodings[i] as "ascii" | "utf16le",
          text: batch.texts[i] as string,
          region: batch.region,
        };
      }
    }
  } finally {
    memory.close();
  }
}
