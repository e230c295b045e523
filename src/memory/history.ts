/**
 * Shell history still in a live bash or zsh process's memory, found on the heap by the shape of
 * each shell's history structures.
 *
 * bash keeps its history list through readline's history library (lib/readline/history.c): an
 * array `the_history` of pointers to HIST_ENTRY { char *line; char *timestamp; histdata_t data; },
 * each struct and its strings malloc'd on the heap. add_history() always sets `timestamp` to the
 * history comment character ('#' in bash) followed by the epoch seconds, and `data` to NULL. We
 * find those structs by that shape (three pointers: text, "#<digits>", NULL), then the array by a
 * run of consecutive pointers to them: its order is the order the commands were typed, newest last.
 * Entries no longer in the list (trimmed by HISTSIZE, `history -c`, freed) may still be found as
 * structs; they are reported with `index: null`.
 *
 * zsh (Src/zsh.h, Src/hist.c) keeps `struct histent` nodes in a doubly linked ring; see
 * findZshHistoryEntries().
 */

import type { ProcFs } from "../access/proc-fs.js";
import { decodeBytes } from "../bytes.js";
import { ProcError, Unavailable } from "../errors.js";
import type { HistoryEntry, ShellHistory, ShellHistoryFailure } from "../model/history.js";
import type { Region } from "../procfs/pid/maps.js";
import { parsePidStat } from "../procfs/pid/stat.js";
import { openProcessMemory, type ProcessMemory, readRegion } from "./reader.js";

export type { HistoryEntry, ShellHistory, ShellHistoryFailure };

/** Do not read more than this much of one shell's memory. */
const MAX_SCAN_BYTES = 512 * 1024 * 1024;
/** A command line longer than this is not taken as one. */
const MAX_LINE = 1024 * 1024;

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
function heapLike(region: Region): boolean {
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
    if (region.sizeBytes > budget) continue;
    budget -= region.sizeBytes;
    const bytes = Buffer.alloc(region.sizeBytes);
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

/**
 * The 64-bit word at words[i], words[i + 1] as an address; null if it cannot be one. User-space
 * pointers stay below 2^48 on x86-64 and aarch64: the high half is at most 0xffff.
 */
function userPointer(words: Uint32Array, i: number): number | null {
  const high = words[i + 1] as number;
  return high > 0xffff ? null : high * TWO_32 + (words[i] as number);
}

/** The pointer-sized word at `address` in loaded memory (see userPointer()), null if not loaded. */
function pointerAt(regions: readonly LoadedRegion[], address: number): number | null {
  const region = locate(regions, address);
  if (!region || address % 8 !== 0 || address + 8 > region.end) return null;
  return userPointer(region.words, (address - region.start) / 4);
}

function historyEntry(index: number | null, command: Buffer, seconds: number, address: number): HistoryEntry {
  return {
    index,
    command: decodeBytes(command),
    time: seconds > 0 ? new Date(seconds * 1000).toISOString() : null,
    address: BigInt(address),
  };
}

/** Pure search over loaded memory: HIST_ENTRY structs, then the array that lists them. */
export function findBashHistoryEntries(regions: readonly LoadedRegion[]): HistoryEntry[] {
  const found = new Map<number, FoundEntry>();
  for (const region of regions) {
    const { words } = region;
    const last = words.length - 6;
    // Word i is 8-byte aligned: HIST_ENTRY { line (i, i+1), timestamp (i+2, i+3), data (i+4, i+5) }.
    for (let i = 0; i <= last; i += 2) {
      // data == NULL is the cheapest test, and rules out most words.
      if (words[i + 4] !== 0 || words[i + 5] !== 0) continue;
      const ts = userPointer(words, i + 2);
      const line = userPointer(words, i);
      if (!ts || !line) continue;
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
  const entryPointerAt = (words: Uint32Array, i: number): number => {
    const high = words[i + 1] as number;
    return highs.has(high) ? high * TWO_32 + (words[i] as number) : -1;
  };
  let best: { region: LoadedRegion; index: number; length: number } | undefined;
  for (const region of regions) {
    const { words } = region;
    let runStart = -1;
    for (let i = 0; i + 2 <= words.length; i += 2) {
      const hit = found.has(entryPointerAt(words, i));
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
  const toEntry = (entry: FoundEntry, index: number | null) => historyEntry(index, entry.command, entry.timestamp, entry.address);
  if (best) {
    for (let i = 0; i < best.length; i++) {
      const entry = found.get(entryPointerAt(best.region.words, best.index + i * 2)) as FoundEntry;
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

/** zsh's Meta byte: in a metafied string the byte after it is the real one XOR 32 (Src/zsh.h). */
const ZSH_META = 0x83;

/** zsh keeps strings metafied: NUL and the bytes 0x83-0xa2 it uses as tokens are escaped with Meta. */
function unmetafy(bytes: Buffer): Buffer {
  if (!bytes.includes(ZSH_META)) return bytes;
  const plain = Buffer.alloc(bytes.length);
  let length = 0;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i] as number;
    plain[length++] = c === ZSH_META && i + 1 < bytes.length ? (bytes[++i] as number) ^ 0x20 : c;
  }
  return plain.subarray(0, length);
}

interface ZshFoundEntry {
  readonly address: number;
  readonly command: Buffer;
  readonly startSeconds: number;
  readonly histnum: number;
  readonly up: number;
  readonly down: number;
}

// struct histent on LP64 (Src/zsh.h; checked against Debian 12's zsh 5.9), offsets in bytes:
// (0) node.next  (8) node.nam  (16) node.flags  (24) up  (32) down  (40) zle_text  (48) stim
// (56) ftim  (64) words  (72) nwords  (80) histnum — 88 bytes, 22 words.
const HISTENT_WORDS = 22;
const HISTENT_UP = 24;
const HISTENT_DOWN = 32;

/**
 * Pure search over loaded memory: zsh's history ring. zsh links each `struct histent` into a ring
 * by `up` (older) and `down` (newer) and numbers it with `histnum`; `nam` is the command
 * (metafied), `stim` the epoch second it started. We take a struct of that shape as an entry when
 * a neighbour points back at it, and order the ring by histnum. Entries of another ring (the
 * history `fc -p` set aside) are reported with `index: null`.
 */
export function findZshHistoryEntries(regions: readonly LoadedRegion[]): HistoryEntry[] {
  const shaped: ZshFoundEntry[] = [];
  for (const region of regions) {
    const { words } = region;
    for (let i = 0; i + HISTENT_WORDS <= words.length; i += 2) {
      // histnum counts from 1 and stays small; a time_t before 2106 has a zero high half.
      const histnum = words[i + 20] as number;
      if (histnum === 0 || words[i + 21] !== 0 || words[i + 13] !== 0 || words[i + 15] !== 0) continue;
      const startSeconds = words[i + 12] as number;
      const finishSeconds = words[i + 14] as number;
      // ftim is 0 while the command runs, then not before stim.
      if (startSeconds === 0 || (finishSeconds !== 0 && finishSeconds < startSeconds)) continue;
      // nwords is an int counting the words of one line.
      if ((words[i + 18] as number) > 0xffff) continue;
      const nam = userPointer(words, i + 2);
      const up = userPointer(words, i + 6);
      const down = userPointer(words, i + 8);
      if (!nam || !up || !down) continue;
      // next (hash chain), zle_text and words may be NULL, but not garbage.
      if (userPointer(words, i) === null || userPointer(words, i + 10) === null || userPointer(words, i + 16) === null) continue;
      // Any text will do (a line may hold control characters typed after ^V): the ring links
      // checked below are evidence enough.
      const text = cString(regions, nam);
      if (!text || text.length === 0) continue;
      shaped.push({ address: region.start + i * 4, command: unmetafy(text), startSeconds, histnum, up, down });
    }
  }
  // A neighbour may be `curline`, the line being edited, which zle links into the ring while the
  // prompt waits: it lives in zsh's .bss and has no start time, so it is checked, not found.
  const linked = shaped.filter(
    (e) => pointerAt(regions, e.up + HISTENT_DOWN) === e.address || pointerAt(regions, e.down + HISTENT_UP) === e.address,
  );
  if (linked.length === 0) return [];
  const byAddress = new Map(linked.map((e) => [e.address, e]));
  // `fc -p` sets the ring aside and starts another, numbered from 1 again. The live ring is the
  // one joined to `curline` (zle is editing a new line for it), else (while a command runs) the one
  // holding the newest command.
  const ringOf = new Map<number, number>();
  const rings: { editing: boolean; newestSeconds: number }[] = [];
  for (const first of linked) {
    if (ringOf.has(first.address)) continue;
    const ring = { editing: false, newestSeconds: 0 };
    const queue = [first.address];
    while (queue.length > 0) {
      const address = queue.pop() as number;
      const entry = byAddress.get(address);
      if (!entry) ring.editing = true;
      else if (!ringOf.has(address)) {
        ringOf.set(address, rings.length);
        ring.newestSeconds = Math.max(ring.newestSeconds, entry.startSeconds);
        queue.push(entry.up, entry.down);
      }
    }
    rings.push(ring);
  }
  const live = rings.indexOf(
    rings.reduce((a, b) => (a.editing !== b.editing ? (a.editing ? a : b) : b.newestSeconds > a.newestSeconds ? b : a)),
  );
  const listed = linked.filter((e) => ringOf.get(e.address) === live).sort((a, b) => a.histnum - b.histnum);
  const others = linked
    .filter((e) => ringOf.get(e.address) !== live)
    .sort((a, b) => a.startSeconds - b.startSeconds || a.histnum - b.histnum);
  return [
    ...listed.map((e, i) => historyEntry(i, e.command, e.startSeconds, e.address)),
    ...others.map((e) => historyEntry(null, e.command, e.startSeconds, e.address)),
  ];
}

/** Shells whose history structures procscope knows, by executable name. */
const HISTORY_FINDERS: ReadonlyMap<string, (regions: readonly LoadedRegion[]) => HistoryEntry[]> = new Map([
  ["bash", findBashHistoryEntries],
  ["zsh", findZshHistoryEntries],
]);

/**
 * The command lines in a live shell's memory, oldest first. bash's and zsh's structures are known:
 * other shells come back with `supported: false`.
 * const { entries } = await shellHistory(openProcFs(), 4242);
 */
export async function readShellHistory(procFs: ProcFs, pid: number, options: { signal?: AbortSignal } = {}): Promise<ShellHistory> {
  if (!procFs.isLive) throw new Unavailable(`"${procFs.root}" is not the kernel's /proc: a shell's memory can only be read live`);
  const memory = openProcessMemory(procFs, pid);
  try {
    const shell = shellName(procFs, pid, memory.comm);
    const base = { pid, startTimeTicks: memory.startTimeTicks, comm: memory.comm, shell };
    const find = HISTORY_FINDERS.get(shell) ?? HISTORY_FINDERS.get(memory.comm);
    if (!find) {
      return { ...base, supported: false, entries: [], note: `${shell} is not bash or zsh: procscope knows only their history structures` };
    }
    const entries = find(await loadRegions(memory, options.signal));
    return {
      ...base,
      supported: true,
      entries,
      note: entries.length === 0 ? `no history in memory (nothing typed yet, or a non-interactive ${shell}, which keeps none)` : null,
    };
  } finally {
    memory.close();
  }
}

/** Shell names `--all-shells` looks at. */
export const SHELL_NAMES: ReadonlySet<string> = new Set(["bash", "sh", "zsh", "dash", "rbash"]);

/**
 * Every bash/sh/zsh process's history, one result per shell; those that cannot be read (gone,
 * denied) come as failures instead of stopping the scan.
 * for await (const h of allShellHistories(openProcFs(), signal)) ...
 */
export async function* readAllShellHistories(procFs: ProcFs, signal?: AbortSignal): AsyncGenerator<ShellHistory | ShellHistoryFailure> {
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
      yield await readShellHistory(procFs, pid, signal ? { signal } : {});
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
