/**
 * Shell history still in a live bash process's memory. bash keeps its history list through
 * readline's history library (lib/readline/history.c): an array `the_history` of pointers to
 * HIST_ENTRY { char *line; char *timestamp; histdata_t data; }, each struct and its strings
 * malloc'd on the heap. add_history() always sets `timestamp` to the history comment character
 * ('#' in bash) followed by the epoch seconds, and `data` to NULL. We find those structs by that
 * shape (three pointers: text, "#<digits>", NULL), then the array by a run of consecutive
 * pointers to them: its order is the order the commands were typed, newest last.
 *
 * Entries no longer in the list (trimmed by HISTSIZE, `history -c`, freed) may still be found as
 * structs; they are reported with `index: null`.
 */
import type { ProcFs } from "../access/proc-fs.js";
import { decodeBytes } from "../bytes.js";
import { ProcError, Unavailable } from "../errors.js";
import type { MapsRegion } from "../procfs/pid/maps.js";
import { parsePidStat } from "../procfs/pid/stat.js";
import { openProcessMemory, type ProcessMemory, readRegion } from "./reader.js";

/** Do not read more than this much of one shell's memory. */
const MAX_SCAN_BYTES = 512 * 1024 * 1024;
/** A command line longer than this is not taken as one. */
const MAX_LINE = 1024 * 1024;

export interface HistoryEntry {
  /** Position in bash's history list (0 = oldest kept); null for an entry no longer in the list. */
  readonly index: number | null;
  /** The command as typed (may hold newlines for multi-line commands). */
  readonly command: string;
  /** When bash recorded it (ISO 8601), from the entry's timestamp. */
  readonly time: string | null;
  /** Address of the HIST_ENTRY struct. */
  readonly address: bigint;
}

export interface ShellHistory {
  readonly pid: number;
  readonly startTimeTicks: number;
  readonly comm: string;
  /** Shell name from the executable (bash, zsh, dash…). */
  readonly shell: string;
  /** False when procscope does not know this shell's history structures (only bash is known). */
  readonly supported: boolean;
  /** Oldest first, newest last; entries no longer in the list come last, by time. */
  readonly entries: readonly HistoryEntry[];
  /** Why nothing could be found, when that can be said. */
  readonly note: string | null;
}

export interface LoadedRegion {
  /** Addresses as numbers: user space on x86-64/aarch64 stays below 2^48, exact in a double. */
  readonly start: number;
  readonly end: number;
  readonly bytes: Buffer;
  /** The same bytes as little-endian 32-bit words (bytes.length is a multiple of the page size). */
  readonly words: Uint32Array;
}

function shellName(procFs: ProcFs, pid: number, comm: string): string {
  try {
    const dir = procFs.openProcess(pid);
    try {
      const exe = dir
        .readLink("exe")
        .toString("latin1")
        .replace(/ \(deleted\)$/, "");
      return exe.slice(exe.lastIndexOf("/") + 1);
    } finally {
      dir.close();
    }
  } catch {
    return comm;
  }
}

/** Regions where malloc puts small blocks: [heap] and private anonymous read-write memory. */
function heapLike(region: MapsRegion): boolean {
  return (
    region.readable && region.writable && !region.shared && (region.kind === "heap" || (region.kind === "anon" && region.path === null))
  );
}

async function loadRegions(memory: ProcessMemory, signal: AbortSignal | undefined): Promise<LoadedRegion[]> {
  const loaded: LoadedRegion[] = [];
  let budget = MAX_SCAN_BYTES;
  // The heap first: bash's history lives there.
  const regions = [...memory.regions.filter((r) => r.kind === "heap"), ...memory.regions.filter((r) => r.kind !== "heap")].filter(heapLike);
  for (const region of regions) {
    if (region.size > budget) continue;
    budget -= region.size;
    const bytes = Buffer.alloc(region.size);
    for await (const piece of readRegion(memory.mem, region.start, region.end, { pid: memory.pid, ...(signal ? { signal } : {}) })) {
      if (piece.kind === "data") piece.bytes.copy(bytes, Number(piece.address - region.start));
    }
    loaded.push(loadedRegion(Number(region.start), bytes));
  }
  return loaded.sort((a, b) => a.start - b.start);
}

/** Wraps bytes read at `start` for the search (the buffer must not come from Node's shared pool). */
export function loadedRegion(start: number, bytes: Buffer): LoadedRegion {
  const aligned = bytes.byteOffset % 4 === 0 ? bytes : Buffer.from(bytes);
  return {
    start,
    end: start + aligned.length,
    bytes: aligned,
    words: new Uint32Array(aligned.buffer, aligned.byteOffset, aligned.length >> 2),
  };
}

function locate(regions: readonly LoadedRegion[], address: number): LoadedRegion | undefined {
  let lo = 0;
  let hi = regions.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const region = regions[mid] as LoadedRegion;
    if (address < region.start) hi = mid - 1;
    else if (address >= region.end) lo = mid + 1;
    else return region;
  }
  return undefined;
}

/** The NUL-terminated string at `address`, or null if it is not one. */
function cString(regions: readonly LoadedRegion[], address: number): Buffer | null {
  const region = locate(regions, address);
  if (!region) return null;
  const offset = address - region.start;
  const end = region.bytes.indexOf(0, offset);
  if (end === -1 || end - offset > MAX_LINE) return null;
  return region.bytes.subarray(offset, end);
}

/** A HIST_ENTRY timestamp: the comment character ('#' or NUL) then the epoch seconds. */
function timestampAt(regions: readonly LoadedRegion[], address: number): number | null {
  const region = locate(regions, address);
  if (!region) return null;
  const bytes = region.bytes;
  let i = address - region.start;
  const first = bytes[i];
  if (first !== 0x23 && first !== 0) return null;
  i++;
  let value = 0;
  let digits = 0;
  for (; i < bytes.length && digits <= 12; i++, digits++) {
    const c = bytes[i] as number;
    if (c === 0) break;
    if (c < 0x30 || c > 0x39) return null;
    value = value * 10 + (c - 0x30);
  }
  if (digits === 0 || digits > 12 || bytes[i] !== 0) return null;
  return value;
}

/** Plausible command text: no control bytes other than tab and newline. */
function plausibleCommand(bytes: Buffer): boolean {
  if (bytes.length === 0) return false;
  for (const c of bytes) if ((c < 0x20 && c !== 0x09 && c !== 0x0a) || c === 0x7f) return false;
  return true;
}

interface FoundEntry {
  readonly address: number;
  readonly command: Buffer;
  readonly timestamp: number;
}

const TWO_32 = 0x1_0000_0000;

/** Pure search over loaded memory: HIST_ENTRY structs, then the array that lists them. */
export function findHistoryEntries(regions: readonly LoadedRegion[]): HistoryEntry[] {
  const found = new Map<number, FoundEntry>();
  for (const region of regions) {
    const { words } = region;
    const last = words.length - 6;
    // Word i is 8-byte aligned: HIST_ENTRY { line (i, i+1), timestamp (i+2, i+3), data (i+4, i+5) }.
    for (let i = 0; i <= last; i += 2) {
      // data == NULL is the cheapest test, and rules out most words.
      if (words[i + 4] !== 0 || words[i + 5] !== 0) continue;
      // User-space pointers stay below 2^48 on x86-64 and aarch64: the high half is at most 0xffff.
      const tsHigh = words[i + 3] as number;
      const lineHigh = words[i + 1] as number;
      if (tsHigh > 0xffff || lineHigh > 0xffff) continue;
      const ts = tsHigh * TWO_32 + (words[i + 2] as number);
      const line = lineHigh * TWO_32 + (words[i] as number);
      if (ts === 0 || line === 0) continue;
      const timestamp = timestampAt(regions, ts);
      if (timestamp === null) continue;
      const command = cString(regions, line);
      if (!command || !plausibleCommand(command)) continue;
      const address = region.start + i * 4;
      found.set(address, { address, command, timestamp });
    }
  }
  if (found.size === 0) return [];
  // the_history: the longest run of consecutive words pointing at entries.
  const highs = new Set<number>();
  for (const address of found.keys()) highs.add(Math.floor(address / TWO_32));
  const pointerAt = (words: Uint32Array, i: number): number => {
    const high = words[i + 1] as number;
    return highs.has(high) ? high * TWO_32 + (words[i] as number) : -1;
  };
  let best: { region: LoadedRegion; index: number; length: number } | undefined;
  for (const region of regions) {
    const { words } = region;
    let runStart = -1;
    for (let i = 0; i + 2 <= words.length; i += 2) {
      const hit = found.has(pointerAt(words, i));
      if (hit && runStart === -1) runStart = i;
      if ((!hit || i + 4 > words.length) && runStart !== -1) {
        const stop = hit ? i + 2 : i;
        const length = (stop - runStart) / 2;
        if (!best || length >= best.length) best = { region, index: runStart, length };
        runStart = -1;
      }
    }
  }
  const entries: HistoryEntry[] = [];
  const listed = new Set<number>();
  const toEntry = (entry: FoundEntry, index: number | null): HistoryEntry => ({
    index,
    command: decodeBytes(entry.command),
    time: entry.timestamp > 0 ? new Date(entry.timestamp * 1000).toISOString() : null,
    address: BigInt(entry.address),
  });
  if (best) {
    for (let i = 0; i < best.length; i++) {
      const entry = found.get(pointerAt(best.region.words, best.index + i * 2)) as FoundEntry;
      listed.add(entry.address);
      entries.push(toEntry(entry, i));
    }
  }
  const stale = [...found.values()]
    .filter((e) => !listed.has(e.address))
    .sort((a, b) => a.timestamp - b.timestamp || a.address - b.address);
  for (const entry of stale) entries.push(toEntry(entry, null));
  return entries;
}

/**
 * The command lines in a live shell's memory, oldest first. Only bash's structures are known:
 * other shells come back with `supported: false`.
 * const { entries } = await shellHistory(openProcFs(), 4242);
 */
export async function shellHistory(procFs: ProcFs, pid: number, options: { signal?: AbortSignal } = {}): Promise<ShellHistory> {
  if (!procFs.isLive) throw new Unavailable(`"${procFs.root}" is not the kernel's /proc: a shell's memory can only be read live`);
  const memory = openProcessMemory(procFs, pid);
  try {
    const shell = shellName(procFs, pid, memory.comm);
    const base = { pid, startTimeTicks: memory.startTimeTicks, comm: memory.comm, shell };
    if (shell !== "bash" && memory.comm !== "bash") {
      return { ...base, supported: false, entries: [], note: `${shell} is not bash: procscope knows only bash's history structures` };
    }
    const regions = await loadRegions(memory, options.signal);
    const entries = findHistoryEntries(regions);
    return {
      ...base,
      supported: true,
      entries,
      note: entries.length === 0 ? "no history in memory (a non-interactive bash keeps none)" : null,
    };
  } finally {
    memory.close();
  }
}

/** Shell names `--all-shells` looks at. */
export const SHELL_NAMES: ReadonlySet<string> = new Set(["bash", "sh", "zsh", "dash", "rbash"]);

/** A shell that could not be read, in a scan of all shells. */
export interface ShellHistoryFailure {
  readonly pid: number;
  readonly comm: string;
  readonly error: string;
  readonly kind: string;
}

/**
 * Every bash/sh/zsh process's history, one result per shell; those that cannot be read (gone,
 * denied) come as failures instead of stopping the scan.
 * for await (const h of allShellHistories(openProcFs(), signal)) ...
 */
export async function* allShellHistories(procFs: ProcFs, signal?: AbortSignal): AsyncGenerator<ShellHistory | ShellHistoryFailure> {
  const self = process.pid;
  for (const pid of procFs.listPids()) {
    if (signal?.aborted) return;
    if (pid === self) continue;
    let comm: string;
    try {
      const stat = parsePidStat(procFs.readText(`${pid}/stat`));
      // A zombie has no memory left to look at.
      if (stat.state === "Z" || stat.state === "X") continue;
      comm = stat.comm;
    } catch {
      continue;
    }
    if (!SHELL_NAMES.has(comm)) continue;
    try {
      yield await shellHistory(procFs, pid, signal ? { signal } : {});
    } catch (error) {
      if (error instanceof ProcError && error.kind === "ProcessGone") continue;
      yield {
        pid,
        comm,
        error: error instanceof Error ? error.message : String(error),
        kind: error instanceof ProcError ? error.kind : "Error",
      };
    }
  }
}
