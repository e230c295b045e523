/**
 * Scanning the selected regions of one process: data chunks and holes in address order, with the
 * region each belongs to. A process that exits mid-scan ends the scan with an "exited" event
 * instead of an error, so callers keep what they found.
 */
import { ProcessGone } from "../errors.js";
import type { Region } from "../procfs/pid/maps.js";
import { DEFAULT_CHUNK_SIZE, type ProcessMemory, readRegion } from "./reader.js";
import type { SelectedRegion } from "./regions.js";

export type ScanEvent =
  | {
      readonly kind: "data";
      readonly region: Region;
      readonly address: bigint;
      /** A view into a reused buffer: valid until the next event. */
      readonly bytes: Buffer;
      /** Bytes at the start repeated from the previous chunk. */
      readonly overlap: number;
      /** True when this chunk ends where the selected range of its region ends. */
      readonly last: boolean;
    }
  | { readonly kind: "hole"; readonly region: Region; readonly address: bigint; readonly length: number; readonly reason: string }
  | { readonly kind: "region-done"; readonly region: Region }
  | { readonly kind: "exited"; readonly pid: number };

export interface ScanOptions {
  readonly signal?: AbortSignal;
  readonly chunkSize?: number;
  /** See ReadRegionOptions.overlap. */
  readonly overlap?: number;
  /** See ReadRegionOptions.prefetch. */
  readonly prefetch?: boolean;
}

/**
 * Streams the selected regions of an open process.
 * for await (const e of scan(memory, selectRegions(memory.regions, DEFAULT_SELECTOR, pid))) ...
 */
export async function* scan(
  memory: ProcessMemory,
  selected: readonly SelectedRegion[],
  options: ScanOptions = {},
): AsyncGenerator<ScanEvent> {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const overlap = options.overlap ?? 0;
  const buffer = Buffer.allocUnsafe(chunkSize + overlap);
  for (const { region, start, end } of selected) {
    if (options.signal?.aborted) return;
    try {
      for await (const piece of readRegion(memory.mem, start, end, {
        chunkSize,
        overlap,
        buffer,
        pid: memory.pid,
        prefetch: options.prefetch === true,
        ...(options.signal ? { signal: options.signal } : {}),
      })) {
        if (piece.kind === "hole") yield { ...piece, region };
        else
          yield {
            kind: "data",
            region,
            address: piece.address,
            bytes: piece.bytes,
            overlap: piece.overlap,
            last: piece.address + BigInt(piece.bytes.length) >= end,
          };
      }
    } catch (error) {
      if (error instanceof ProcessGone) {
        yield { kind: "exited", pid: memory.pid };
        return;
      }
      throw error;
    }
    yield { kind: "region-done", region };
  }
}
