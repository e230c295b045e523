/**
 * The fd tables of many processes read by the native helper (native/procscope.c) on other threads,
 * handed over in pid order as blocks are ready, while this thread builds objects from the blocks
 * already read. Live /proc only; `lsof` and `fds` fall back to reading each process themselves.
 */
import os from "node:os";
import type { ProcFs } from "../access/proc-fs.js";
import { decodeBytes } from "../bytes.js";

export interface FdTableRequest {
  /** stat() through links to paths. */
  readonly stat: boolean;
  /** Read fdinfo for fds whose type has its bit set in fdinfoTypes; lstat the link for the rest when modeFromLink. */
  readonly fdinfo: boolean;
  readonly modeFromLink: boolean;
  /** Bit i set: read fdinfo for fds of type FD_TYPES[i] (src/files/fds.ts). */
  readonly fdinfoTypes: number;
}

/**
 * What stat() through an fd link tells, the fields fd listings use. Numbers, not bigints: listings
 * make one per open file, and a bigint costs an allocation per field. Sizes and devices stay far
 * below 2^53; an inode above it would lose its low bits (FileDescriptor.inode is a number anyway).
 */
export interface FollowedStat {
  readonly mode: number;
  readonly ino: number;
  readonly dev: number;
  readonly nlink: number;
  readonly size: number;
}

/**
 * One process's fds in a native record, read in place: `next()` moves to each fd in turn and
 * leaves its facts in the cursor's fields, so a listing of 50,000 fds makes no object per fd for
 * them (the stat fields make the cursor a FollowedStat itself). Each record has its own cursor.
 */
export class FdTableCursor implements FollowedStat {
  /** How many fds the record holds. */
  readonly count: number;
  private at: number;
  private index = 0;
  fd = -1;
  /** The link text, decoded as decodeBytes does. */
  link = "";
  /** The link's bytes when they are not all ASCII and the text shows `\xNN` (else null): for its rawBase64 twin. */
  linkBytes: Uint8Array | null = null;
  /** Whether the helper stat'ed through the link (mode, ino, dev, nlink and size are set). */
  hasStat = false;
  mode = 0;
  ino = 0;
  dev = 0;
  nlink = 0;
  size = 0;
  /** Permission bits of the link itself (lstat), when asked for instead of fdinfo; else null. */
  linkMode: number | null = null;
  private fdinfoAt = -1;
  private fdinfoLength = 0;
  private fdinfoAscii = false;

  constructor(
    private readonly buffer: Buffer,
    private readonly view: DataView,
    start: number,
    count: number,
  ) {
    this.at = start;
    this.count = count;
  }

  /** Moves to the next fd; false after the last. */
  next(): boolean {
    if (this.index >= this.count) return false;
    this.index++;
    const { buffer, view } = this;
    let at = this.at;
    this.fd = view.getUint32(at, true);
    const word = view.getUint32(at + 4, true);
    const length = word & ~TEXT_ASCII;
    at += 8;
    // ASCII reads the same as latin1, without UTF-8 decoding and the check for invalid bytes.
    this.link = word & TEXT_ASCII ? buffer.toString("latin1", at, at + length) : decodeBytes(buffer.subarray(at, at + length));
    this.linkBytes = word & TEXT_ASCII || !this.link.includes("\\x") ? null : buffer.subarray(at, at + length);
    at += length;
    const have = buffer[at++] as number;
    this.hasStat = (have & 1) !== 0;
    if (this.hasStat) {
      this.mode = view.getUint32(at, true);
      this.ino = u64(view, at + 4);
      this.dev = u64(view, at + 12);
      this.nlink = u64(view, at + 20);
      this.size = u64(view, at + 28);
      at += 36;
    }
    this.linkMode = null;
    if (have & 2) {
      this.linkMode = view.getUint32(at, true);
      at += 4;
    }
    this.fdinfoAt = -1;
    if (have & 4) {
      const info = view.getUint32(at, true);
      this.fdinfoLength = info & ~TEXT_ASCII;
      this.fdinfoAscii = (info & TEXT_ASCII) !== 0;
      this.fdinfoAt = at + 4;
      at += 4 + this.fdinfoLength;
    }
    this.at = at;
    return true;
  }

  /** The fd's fdinfo text, or null when the helper did not read it. */
  fdinfo(): string | null {
    if (this.fdinfoAt < 0) return null;
    const end = this.fdinfoAt + this.fdinfoLength;
    return this.fdinfoAscii ? this.buffer.toString("latin1", this.fdinfoAt, end) : decodeBytes(this.buffer.subarray(this.fdinfoAt, end));
  }

  /**
   * The numbers of the kernel's usual fdinfo ("pos:\t%lli\nflags:\t0%o\nmnt_id:\t%i\n", then
   * "ino:\t%lu\n" since Linux 5.14) read from the bytes into `into`, when that is the whole text
   * and every number is small enough to be exact; false otherwise (parse fdinfo() then).
   */
  fdinfoHead(into: { pos: number; flags: number; mntId: number; ino: number | null }): boolean {
    if (this.fdinfoAt < 0) return false;
    const b = this.buffer;
    const end = this.fdinfoAt + this.fdinfoLength;
    fieldAt = this.fdinfoAt;
    const pos = headField(b, end, "pos:", 10);
    if (pos < 0) return false;
    const flags = headField(b, end, "flags:", 8);
    if (flags < 0) return false;
    const mntId = headField(b, end, "mnt_id:", 10);
    if (mntId < 0) return false;
    let ino: number | null = null;
    if (fieldAt < end) {
      ino = headField(b, end, "ino:", 10);
      if (ino < 0) return false;
    }
    if (fieldAt !== end) return false;
    into.pos = pos;
    into.flags = flags;
    into.mntId = mntId;
    into.ino = ino;
    return true;
  }
}

/** Where headField reads next (one listing reads fdinfo heads one at a time). */
let fieldAt = 0;

/**
 * One fdinfo head line at fieldAt: its name and colon, blanks, digits in `base`, a newline; the
 * value (fieldAt moved past the line), or -1 when the line is not so or the number has more than
 * 15 digits (a double might not hold it exactly).
 */
function headField(b: Buffer, end: number, name: string, base: number): number {
  let at = fieldAt;
  if (at + name.length > end) return -1;
  for (let i = 0; i < name.length; i++) if (b[at++] !== name.charCodeAt(i)) return -1;
  const blanks = at;
  while (at < end && (b[at] === 9 || b[at] === 32)) at++;
  if (at === blanks) return -1;
  const first = at;
  let value = 0;
  while (at < end) {
    const digit = (b[at] as number) - 48;
    if (digit < 0 || digit >= base) break;
    value = value * base + digit;
    at++;
  }
  if (at === first || at - first > 15 || at >= end || b[at] !== 10) return -1;
  fieldAt = at + 1;
  return value;
}

function u64(view: DataView, at: number): number {
  return view.getUint32(at, true) + view.getUint32(at + 4, true) * 2 ** 32;
}

export type FdTableRecord =
  | { readonly pid: number; readonly status: "gone" | "redo" }
  | { readonly pid: number; readonly status: "ok"; readonly stat: string; readonly uid: number; readonly fds: FdTableCursor };

/** Set in a text's length word by the native helper when every byte is ASCII. */
const TEXT_ASCII = 0x80000000;

/**
 * Decodes the native helper's fd table records (layout in native/procscope.c), one process at a
 * time as they are asked for; each record's fds are read in place by its cursor.
 */
function* decodeFdTables(buffer: Buffer): Generator<FdTableRecord> {
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  let at = 0;
  const textLength = () => view.getUint32(at, true) & ~TEXT_ASCII;
  while (at < buffer.length) {
    const pid = view.getUint32(at, true);
    const status = buffer[at + 4];
    at += 5;
    if (status !== 0) {
      yield { pid, status: status === 1 ? "gone" : "redo" };
      continue;
    }
    const statWord = view.getUint32(at, true);
    const statLength = statWord & ~TEXT_ASCII;
    const stat =
      statWord & TEXT_ASCII
        ? buffer.toString("latin1", at + 4, at + 4 + statLength)
        : decodeBytes(buffer.subarray(at + 4, at + 4 + statLength));
    at += 4 + statLength;
    const uid = view.getUint32(at, true);
    const count = view.getUint32(at + 4, true);
    at += 8;
    const fds = new FdTableCursor(buffer, view, at, count);
    // Past the fds to the next record: lengths only, the cursor decodes them when asked.
    for (let i = 0; i < count; i++) {
      at += 4;
      at += 4 + textLength();
      const have = buffer[at++] as number;
      if (have & 1) at += 36;
      if (have & 2) at += 4;
      if (have & 4) at += 4 + textLength();
    }
    yield { pid, status: "ok", stat, uid, fds };
  }
}

/**
 * The fd tables of `pids`, read on other threads and handed out in pid order as they are ready;
 * null when the native helper cannot be used (not built, turned off, or a captured tree).
 * Processes it could not read cleanly come back as "redo": read those with openProcess, which
 * reports errors fully.
 */
export function readFdTables(procFs: ProcFs, pids: readonly number[], request: FdTableRequest): Iterable<FdTableRecord> | null {
  const { module } = procFs.native();
  if (!module) return null;
  const flags = (request.stat ? 1 : 0) | (request.fdinfo ? 2 : 0) | (request.modeFromLink ? 4 : 0);
  // The caller's thread builds objects from finished blocks meanwhile: all cores stay busy.
  const threads = Math.min(4, os.availableParallelism());
  const handle = module.openFdTables(Int32Array.from(pids), flags, request.fdinfoTypes, threads);
  return (function* () {
    for (let chunk = module.nextRecords(handle); chunk !== null; chunk = module.nextRecords(handle)) yield* decodeFdTables(chunk);
  })();
}
