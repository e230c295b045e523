/**
 * Printable runs in process memory, like binutils `strings` but with addresses and regions.
 * A regex over a latin1 view of each 1 MiB chunk finds the runs (2-3x faster than a per-byte
 * loop or binutils on string-dense heaps); a run that reaches the end of a chunk is carried into
 * the next one, so runs are never split at chunk edges.
 */

import type { ProcFs } from "../access/proc-fs.js";
import { InvalidArgument } from "../errors.js";
import type { StringRun } from "../model/memory.js";
import type { Region } from "../procfs/pid/maps.js";
import { openProcessMemory, type ProcessMemory } from "./reader.js";
import { DEFAULT_SELECTOR, type RegionSelector, selectRegions } from "./regions.js";
import { scan } from "./scan.js";

/** One printable run, with the region it lies in. */
export type { StringRun };

export type StringEncoding = "ascii" | "utf16le" | "all";

export interface StringsOptions {
  readonly region?: RegionSelector;
  /** Shortest run reported, in characters (default 4, like binutils). */
  readonly minLength?: number;
  readonly encoding?: StringEncoding;
  readonly signal?: AbortSignal;
  /** Bytes per read (default 1 MiB). */
  readonly chunkSize?: number;
  /** Longest run kept whole; longer runs are reported in pieces of this many characters. */
  readonly maxRunLength?: number;
  /** Filled while running: processes that exited mid-scan, holes seen. */
  readonly stats?: StringsStats;
}

export interface StringsStats {
  regions: number;
  bytes: number;
  holes: number;
  strings: number;
  exited: boolean;
}

export function newStringsStats(): StringsStats {
  return { regions: 0, bytes: 0, holes: 0, strings: 0, exited: false };
}

interface Finder {
  readonly encoding: "ascii" | "utf16le";
  /** All runs of at least min characters. */
  readonly runs: RegExp;
  /** A run of any length at the start (sticky), to continue a carried run. */
  readonly prefix: RegExp;
  readonly bytesPerChar: number;
  decode(latin1: string): string;
}

function finders(encoding: StringEncoding, min: number): Finder[] {
  const ascii: Finder = {
    encoding: "ascii",
    runs: new RegExp(`[\\t\\x20-\\x7e]{${min},}`, "g"),
    prefix: /[\t\x20-\x7e]*/y,
    bytesPerChar: 1,
    decode: (s) => s,
  };
  const utf16: Finder = {
    encoding: "utf16le",
    runs: new RegExp(`(?:[\\t\\x20-\\x7e]\\x00){${min},}`, "g"),
    prefix: /(?:[\t\x20-\x7e]\x00)*/y,
    bytesPerChar: 2,
    decode: (s) => s.replace(/\x00/g, ""),
  };
  return encoding === "ascii" ? [ascii] : encoding === "utf16le" ? [utf16] : [ascii, utf16];
}

function isPrintable(code: number): boolean {
  return (code >= 0x20 && code < 0x7f) || code === 9;
}

interface Pending {
  address: bigint;
  latin1: string;
}

/**
 * Printable runs of one chunk (or of a run carried across chunks), as parallel arrays: creating
 * a bigint and an object per run would cost more than finding it.
 */
export interface StringBatch {
  readonly region: Region;
  /** Addresses are base + offsets[i] (an offset may be negative for a run carried from before). */
  readonly base: bigint;
  readonly offsets: number[];
  readonly texts: string[];
  readonly encodings: ("ascii" | "utf16le")[];
}

/**
 * Streams printable runs of the selected regions of an open process in batches, in address order
 * (per encoding with --encoding all). Strings are created only for the runs reported.
 */
export async function* scanStringBatches(memory: ProcessMemory, options: StringsOptions = {}): AsyncGenerator<StringBatch> {
  const min = options.minLength ?? 4;
  if (!Number.isSafeInteger(min) || min < 1) throw new InvalidArgument(`minimum length must be at least 1, got ${min}`);
  const maxRun = options.maxRunLength ?? 1024 * 1024;
  const stats = options.stats ?? newStringsStats();
  const list = finders(options.encoding ?? "ascii", min);
  const pending: (Pending | null)[] = list.map(() => null);
  const selected = selectRegions(memory.regions, options.region ?? DEFAULT_SELECTOR, memory.pid).filter(
    (s) => s.region.kind !== "vsyscall",
  );
  let currentRegion: Region | null = null;
  const flush = (region: Region): StringBatch | null => {
    let batch: StringBatch | null = null;
    for (let f = 0; f < list.length; f++) {
      const p = pending[f];
      const finder = list[f] as Finder;
      pending[f] = null;
      if (p && p.latin1.length / finder.bytesPerChar >= min) {
        batch ??= { region, base: p.address, offsets: [], texts: [], encodings: [] };
        batch.offsets.push(Number(p.address - batch.base));
        batch.texts.push(finder.decode(p.latin1));
        batch.encodings.push(finder.encoding);
      }
    }
    if (batch) stats.strings += batch.texts.length;
    return batch;
  };
  for await (const event of scan(memory, selected, {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.chunkSize ? { chunkSize: options.chunkSize } : {}),
  })) {
    if (event.kind === "exited") {
      stats.exited = true;
      break;
    }
    if (event.kind === "hole" || event.kind === "region-done") {
      if (event.kind === "hole") stats.holes++;
      else stats.regions++;
      const batch = flush(event.region);
      if (batch) yield batch;
      continue;
    }
    currentRegion = event.region;
    const { bytes, address, region } = event;
    stats.bytes += bytes.length;
    const text = bytes.toString("latin1");
    const batch: StringBatch = { region, base: address, offsets: [], texts: [], encodings: [] };
    for (let f = 0; f < list.length; f++) {
      const finder = list[f] as Finder;
      const { offsets, texts, encodings } = batch;
      let from = 0;
      const carried = pending[f];
      if (carried) {
        finder.prefix.lastIndex = 0;
        const head = finder.prefix.exec(text)?.[0] ?? "";
        carried.latin1 += head;
        if (head.length === text.length && carried.latin1.length < maxRun * finder.bytesPerChar && !event.last) continue;
        pending[f] = null;
        if (carried.latin1.length / finder.bytesPerChar >= min) {
          offsets.push(Number(carried.address - address));
          texts.push(finder.decode(carried.latin1));
          encodings.push(finder.encoding);
        }
        from = head.length;
      }
      const runs = finder.runs;
      const edge = event.last ? Number.POSITIVE_INFINITY : text.length - (finder.bytesPerChar - 1);
      const ascii = finder.bytesPerChar === 1;
      runs.lastIndex = from;
      for (let m = runs.exec(text); m !== null; m = runs.exec(text)) {
        const run = m[0];
        if (m.index + run.length >= edge) {
          pending[f] = { address: address + BigInt(m.index), latin1: run };
          break;
        }
        offsets.push(m.index);
        texts.push(ascii ? run : finder.decode(run));
        encodings.push(finder.encoding);
      }
      if (ascii && pending[f] === null && !event.last) {
        // A run shorter than MIN at the end of the chunk may go on in the next one.
        let length = 0;
        while (length < min && length < text.length - from && isPrintable(text.charCodeAt(text.length - 1 - length))) length++;
        if (length > 0 && length < min) pending[f] = { address: address + BigInt(text.length - length), latin1: text.slice(-length) };
      }
    }
    if (list.length > 1 && batch.offsets.length > 1) {
      const order = batch.offsets.map((_, i) => i).sort((a, b) => (batch.offsets[a] as number) - (batch.offsets[b] as number));
      const offsets = order.map((i) => batch.offsets[i] as number);
      const texts = order.map((i) => batch.texts[i] as string);
      const encodings = order.map((i) => batch.encodings[i] as "ascii" | "utf16le");
      batch.offsets.splice(0, offsets.length, ...offsets);
      batch.texts.splice(0, texts.length, ...texts);
      batch.encodings.splice(0, encodings.length, ...encodings);
    }
    stats.strings += batch.texts.length;
    if (batch.texts.length > 0) yield batch;
  }
  if (currentRegion) {
    const batch = flush(currentRegion);
    if (batch) yield batch;
  }
}

/**
 * Printable runs in a process's memory (default: its writable private regions, ASCII, 4+ chars).
 * for await (const s of strings(openProcFs(), 42, { minLength: 8 })) console.log(s.address, s.text)
 */
export async function* findStrings(procFs: ProcFs, pid: number, options: StringsOptions = {}): AsyncGenerator<StringRun> {
  const memory = openProcessMemory(procFs, pid);
  try {
    for await (const batch of scanStringBatches(memory, options)) {
      for (let i = 0; i < batch.texts.length; i++)
        yield {
          pid: memory.pid,
          startTimeTicks: memory.startTimeTicks,
          address: batch.base + BigInt(batch.offsets[i] as number),
          region: batch.region,
          encoding: batch.encodings[i] as "ascii" | "utf16le",
          text: batch.texts[i] as string,
        };
    }
  } finally {
    memory.close();
  }
}
