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

export interface FdTableEntry {
  readonly fd: number;
  /** The link text, decoded as decodeBytes does. */
  readonly link: string;
  readonly stat: FollowedStat | null;
  /** Permission bits of the link itself (lstat), when asked for instead of fdinfo. */
  readonly linkMode: number | null;
  readonly fdinfo: string | null;
}

export type FdTableRecord =
  | { readonly pid: number; readonly status: "gone" | "redo" }
  | { readonly pid: number; readonly status: "ok"; readonly stat: string; readonly uid: number; readonly fds: readonly FdTableEntry[] };

/** Set in a text's length word by the native helper when every byte is ASCII. */
const TEXT_ASCII = 0x80000000;

/**
 * Decodes the native helper's fd table records (layout in native/procscope.c), one process at a
 * time as they are asked for: a chunk may hold hundreds of processes, and objects that live only
 * while their process is listed cost the garbage collector far less than a chunk's worth.
 */
function* decodeFdTables(buffer: Buffer): Generator<FdTableRecord> {
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  let at = 0;
  const u32 = () => {
    const value = view.getUint32(at, true);
    at += 4;
    return value;
  };
  const u64 = () => {
    const value = view.getUint32(at, true) + view.getUint32(at + 4, true) * 2 ** 32;
    at += 8;
    return value;
  };
  const text = () => {
    const word = u32();
    const length = word & ~TEXT_ASCII;
    at += length;
    // ASCII reads the same as latin1, without UTF-8 decoding and the check for invalid bytes.
    return word & TEXT_ASCII ? buffer.toString("latin1", at - length, at) : decodeBytes(buffer.subarray(at - length, at));
  };
  while (at < buffer.length) {
    const pid = u32();
    const status = buffer[at++];
    if (status !== 0) {
      yield { pid, status: status === 1 ? "gone" : "redo" };
      continue;
    }
    const stat = text();
    const uid = u32();
    const count = u32();
    const fds: FdTableEntry[] = [];
    for (let i = 0; i < count; i++) {
      const fd = u32();
      const link = text();
      const have = buffer[at++] as number;
      const followed = have & 1 ? { mode: u32(), ino: u64(), dev: u64(), nlink: u64(), size: u64() } : null;
      const linkMode = have & 2 ? u32() : null;
      const fdinfo = have & 4 ? text() : null;
      fds.push({ fd, link, stat: followed, linkMode, fdinfo });
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
