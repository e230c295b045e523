/**
 * Searching process memory for text, bytes or a regular expression. Literal patterns use
 * Buffer.indexOf over 1 MiB chunks that overlap by pattern length - 1, so a match straddling a
 * chunk edge is found exactly once; regexes and --ignore-case run over a latin1 view of each
 * chunk (one char per byte) with a 4 KiB overlap.
 */
import type { ProcFs } from "../access/proc-fs.js";
import { decodeBytes } from "../bytes.js";
import { AccessDenied, InvalidArgument, NotFound, ProcError, ProcessGone } from "../errors.js";
import type { Match } from "../model/memory.js";
import type { Region } from "../procfs/pid/maps.js";
import { openProcessMemory, type ProcessMemory } from "./reader.js";
import { DEFAULT_SELECTOR, type RegionSelector, selectRegions } from "./regions.js";
import { scan } from "./scan.js";

export interface PatternSpec {
  readonly pattern: string;
  /** The pattern is hex bytes: "de ad be ef", "deadbeef", "0xde 0xad". */
  readonly hex?: boolean;
  /** The pattern is a JavaScript regular expression applied to bytes (one char per byte). */
  readonly regex?: boolean;
  readonly ignoreCase?: boolean;
  /** Search for the text encoded as UTF-16LE (Windows-style and Java/JS engine strings). */
  readonly utf16?: boolean;
}

export interface CompiledPattern {
  readonly description: string;
  /** Set for literal searches (Buffer.indexOf). */
  readonly literal: Buffer | null;
  /** Set for regex and case-insensitive searches (run over a latin1 view). */
  readonly regex: RegExp | null;
  /** Bytes shared by consecutive chunks so matches across edges are seen. */
  readonly overlap: number;
  readonly utf16: boolean;
}

/** Longest regex match guaranteed to be found across a chunk edge. */
export const REGEX_WINDOW = 4096;

/** "de ad be ef", "deadbeef", "0xde,0xad" → bytes; anything else → InvalidArgument. */
export function parseHexBytes(text: string): Buffer {
  const digits = text.replace(/0x/gi, "").replace(/[\s,:]/g, "");
  if (digits === "") throw new InvalidArgument(`empty hex pattern "${text}"`);
  if (!/^[0-9a-f]+$/i.test(digits)) throw new InvalidArgument(`malformed hex "${text}": only hex digits and spaces are allowed`);
  if (digits.length % 2 !== 0) throw new InvalidArgument(`malformed hex "${text}": odd number of digits`);
  return Buffer.from(digits, "hex");
}

function escapeRegex(latin1: string): string {
  return latin1.replace(/[\\^$.*+?()[\]{}|/-]/g, "\\$&");
}

/**
 * Turns what the user typed into a matcher. Throws InvalidArgument for an empty pattern,
 * malformed hex, an invalid regex, or a regex that matches the empty string.
 * compilePattern({ pattern: "secret", ignoreCase: true })
 */
export function compilePattern(spec: PatternSpec): CompiledPattern {
  if (spec.pattern === "") throw new InvalidArgument("empty pattern: give the text or bytes to search for");
  if (spec.hex && (spec.regex || spec.utf16 || spec.ignoreCase))
    throw new InvalidArgument("a hex pattern cannot also be a regex, UTF-16 or case-insensitive", { option: "hex" });
  if (spec.regex && spec.utf16) throw new InvalidArgument("a regex pattern cannot also be UTF-16", { option: "regex" });
  if (spec.regex) {
    // One char per byte: non-ASCII literals in the pattern become their UTF-8 bytes.
    const source = /[^\x00-\x7f]/.test(spec.pattern) ? Buffer.from(spec.pattern, "utf8").toString("latin1") : spec.pattern;
    let regex: RegExp;
    try {
      regex = new RegExp(source, spec.ignoreCase ? "gi" : "g");
    } catch (error) {
      throw new InvalidArgument(`invalid regular expression "${spec.pattern}": ${(error as Error).message}`);
    }
    if (new RegExp(regex.source, regex.flags.replace("g", "")).test(""))
      throw new InvalidArgument(`regular expression "${spec.pattern}" matches the empty string`);
    return { description: `/${spec.pattern}/${spec.ignoreCase ? "i" : ""}`, literal: null, regex, overlap: REGEX_WINDOW, utf16: false };
  }
  const bytes = spec.hex ? parseHexBytes(spec.pattern) : Buffer.from(spec.pattern, spec.utf16 ? "utf16le" : "utf8");
  const description = spec.hex ? bytes.toString("hex").replace(/(..)(?!$)/g, "$1 ") : JSON.stringify(spec.pattern);
  if (spec.ignoreCase) {
    const regex = new RegExp(escapeRegex(bytes.toString("latin1")), "gi");
    return { description: `${description} (ignoring case)`, literal: null, regex, overlap: bytes.length - 1, utf16: spec.utf16 === true };
  }
  return { description, literal: bytes, regex: null, overlap: bytes.length - 1, utf16: spec.utf16 === true };
}

/** One place a pattern was found. */
export type { Match };

/** What a search covered, for the summary line. Mutated while the search runs. */
export interface SearchStats {
  processes: number;
  regions: number;
  bytes: number;
  holes: number;
  matches: number;
  /** Processes we were not allowed to read (search --all), and one reason. */
  denied: number;
  deniedReason: string | null;
  /** Processes that exited before or during their scan. */
  exited: number[];
  /** Kernel threads and zombies (no memory). */
  noMemory: number;
}

export function newSearchStats(): SearchStats {
  return { processes: 0, regions: 0, bytes: 0, holes: 0, matches: 0, denied: 0, deniedReason: null, exited: [], noMemory: 0 };
}

export interface SearchOptions {
  readonly region?: RegionSelector;
  /** Stop after this many matches. */
  readonly max?: number;
  readonly signal?: AbortSignal;
  readonly stats?: SearchStats;
  /** Bytes per read (default 1 MiB). */
  readonly chunkSize?: number;
}

const PREVIEW = 16;

function previewOf(bytes: Buffer, start: number, end: number): string {
  const from = Math.max(0, start - PREVIEW);
  const to = Math.min(bytes.length, end + PREVIEW);
  let out = "";
  for (let i = from; i < to; i++) {
    const b = bytes[i] as number;
    out += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : ".";
  }
  return out;
}

/** Searches an already-open process; yields matches in address order. */
export async function* searchMemory(memory: ProcessMemory, pattern: CompiledPattern, options: SearchOptions = {}): AsyncGenerator<Match> {
  const stats = options.stats ?? newSearchStats();
  const max = options.max ?? Number.POSITIVE_INFINITY;
  const selected = selectRegions(memory.regions, options.region ?? DEFAULT_SELECTOR, memory.pid).filter(
    (s) => s.region.kind !== "vsyscall",
  );
  stats.processes++;
  const makeMatch = (region: Region, address: bigint, bytes: Buffer, index: number, length: number): Match => {
    const matched = bytes.subarray(index, index + length);
    return {
      pid: memory.pid,
      comm: memory.comm,
      startTimeTicks: memory.startTimeTicks,
      address: address + BigInt(index),
      lengthBytes: length,
      region,
      offsetBytes: Number(address + BigInt(index) - region.start),
      text: pattern.utf16 ? matched.toString("utf16le") : decodeBytes(matched),
      preview: previewOf(bytes, index, index + length),
    };
  };
  for await (const event of scan(memory, selected, {
    overlap: pattern.overlap,
    prefetch: true,
    ...(options.chunkSize ? { chunkSize: options.chunkSize } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  })) {
    if (event.kind === "exited") {
      stats.exited.push(event.pid);
      return;
    }
    if (event.kind === "hole") {
      stats.holes++;
      continue;
    }
    if (event.kind === "region-done") {
      stats.regions++;
      continue;
    }
    const { bytes, address, region } = event;
    stats.bytes += bytes.length - event.overlap;
    if (pattern.literal) {
      const needle = pattern.literal;
      let index = bytes.indexOf(needle, 0);
      while (index !== -1) {
        stats.matches++;
        yield makeMatch(region, address, bytes, index, needle.length);
        if (stats.matches >= max) return;
        index = bytes.indexOf(needle, index + 1);
      }
    } else if (pattern.regex) {
      const regex = pattern.regex;
      // Starts in the last `overlap` bytes are seen again (whole) at the start of the next chunk.
      const limit = event.last ? bytes.length : bytes.length - pattern.overlap;
      const text = bytes.toString("latin1");
      regex.lastIndex = 0;
      for (let m = regex.exec(text); m !== null; m = regex.exec(text)) {
        if (m.index >= limit) break;
        if (m[0].length === 0) {
          regex.lastIndex++;
          continue;
        }
        stats.matches++;
        yield makeMatch(region, address, bytes, m.index, m[0].length);
        if (stats.matches >= max) return;
      }
    }
  }
}

/**
 * Searches one process. Throws AccessDenied, ProcessGone (before the scan), Unavailable for a
 * kernel thread; a process that exits mid-scan ends the stream (see stats.exited).
 * for await (const m of search(openProcFs(), 42, compilePattern({ pattern: "secret" }))) ...
 */
export async function* search(procFs: ProcFs, pid: number, pattern: CompiledPattern, options: SearchOptions = {}): AsyncGenerator<Match> {
  const memory = openProcessMemory(procFs, pid);
  try {
    yield* searchMemory(memory, pattern, options);
  } finally {
    memory.close();
  }
}

/**
 * Searches every process the caller can read (but not itself). Processes it may not read are
 * counted in stats.denied, vanished ones in stats.exited; neither stops the search.
 */
export async function* searchAll(
  procFs: ProcFs,
  pattern: CompiledPattern,
  options: SearchOptions & { readonly excludePids?: readonly number[] } = {},
): AsyncGenerator<Match> {
  const stats = options.stats ?? newSearchStats();
  const withStats = { ...options, stats };
  const exclude = new Set(options.excludePids ?? []);
  if (procFs.isLive) exclude.add(process.pid);
  const max = options.max ?? Number.POSITIVE_INFINITY;
  for (const pid of procFs.listPids()) {
    if (exclude.has(pid)) continue;
    if (options.signal?.aborted || stats.matches >= max) return;
    let memory: ProcessMemory;
    try {
      memory = openProcessMemory(procFs, pid);
    } catch (error) {
      if (error instanceof AccessDenied) {
        stats.denied++;
        stats.deniedReason ??= error.reason;
      } else if (error instanceof ProcessGone) stats.exited.push(pid);
      else if (error instanceof ProcError && error.kind === "Unavailable") stats.noMemory++;
      else throw error;
      continue;
    }
    try {
      yield* searchMemory(memory, pattern, withStats);
    } catch (error) {
      // A selector that matches nothing in this process is not an error across all processes.
      if (!(error instanceof NotFound)) throw error;
    } finally {
      memory.close();
    }
  }
}
