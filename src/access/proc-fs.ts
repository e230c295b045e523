/**
 * ProcFs: the one place that reads /proc. It takes a root directory so the same code runs on the
 * live system and on a captured tree (`--root`). Reads are synchronous into a reused buffer:
 * measured on Node 20, per-file async I/O is 10x slower for the many tiny files of /proc.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { decodeBytes } from "../bytes.js";
import { AccessDenied, errnoCode, ParseError, ProcessGone, Unavailable } from "../errors.js";
import { explainDenied, hiddenProcessReason } from "./denied.js";
import { mapErrno } from "./errno.js";
import { nativeHelper } from "./native.js";

const O_DIRECTORY_READ = fs.constants.O_RDONLY | fs.constants.O_DIRECTORY;

export interface ProcFsOptions {
  /** Where passwd/group live. Default: /etc for the live /proc, else `<root>/../etc`. */
  readonly etcDir?: string;
}

/** A process's directory held open, so every file read through it belongs to the same process. */
export interface ProcessDir {
  readonly pid: number;
  /** Path of the directory relative to the ProcFs root, e.g. "42" or "42/task/43". */
  readonly relPath: string;
  readText(name: string): string;
  readBytes(name: string): Buffer;
  readLink(name: string): Buffer;
  listDir(name: string): string[];
  /** Owner uid of the directory: the process's effective uid (task_dump_owner() gives non-dumpable processes' files to root, not the directory). */
  ownerUid(): number;
  /** Runs `parse` on a file, naming the file in any parse error. */
  parse<T>(name: string, parse: (text: string) => T): T;
  /**
   * Runs `parse` on a file's bytes without copying them; `parse` must not keep the array (it is
   * a reused buffer).
   */
  parseBytes<T>(name: string, parse: (bytes: Uint8Array) => T): T;
  /** stat() of a file in the directory, following links (fd/N → the open file's inode and size). */
  statFile(name: string): fs.BigIntStats;
  /** lstat() of a file in the directory (the link itself). */
  lstatFile(name: string): fs.Stats;
  /** Opens a file in the directory for positional I/O (mem, fd/N). Close it when done. */
  openRaw(name: string, flags: "r" | "r+"): RawFile;
  close(): void;
}

/**
 * An open file for positional reads and writes at bigint offsets (`/proc/PID/mem` addresses can
 * exceed 2^53; `fs.readSync` honours a bigint position where `FileHandle.read` does not on Node 20).
 */
export interface RawFile {
  readonly fd: number;
  /** Path shown in errors. */
  readonly path: string;
  /** Reads up to `length` bytes at `position`; throws typed errors (EIO → Unavailable). */
  read(buffer: Uint8Array, offset: number, length: number, position: bigint): number;
  write(buffer: Uint8Array, offset: number, length: number, position: bigint): number;
  stat(): fs.BigIntStats;
  close(): void;
}

export interface ProcFs {
  readonly root: string;
  /** True when root is the kernel's /proc (fast paths and live-only files allowed). */
  readonly isLive: boolean;
  readonly etcDir: string;
  readText(relPath: string): string;
  readBytes(relPath: string): Buffer;
  readLink(relPath: string): Buffer;
  listDir(relPath: string): string[];
  exists(relPath: string): boolean;
  /** PIDs present now, ascending. Threads are not listed (they live under PID/task). */
  listPids(): number[];
  /** Opens /proc/PID (or /proc/PID/task/TID) as a handle; throws ProcessGone if absent. */
  openProcess(pid: number, tid?: number): ProcessDir;
  /** Reads a file under etcDir (passwd, group); null if absent. */
  readEtc(name: string): string | null;
  /** Absolute path of a file under the root (for code that must open it itself, like mem). */
  resolve(relPath: string): string;
  /** Runs `parse` on a file, naming the file in any parse error. */
  parse<T>(relPath: string, parse: (text: string) => T): T;
  /** Writes a file under the root (a /proc/sys tunable); errors typed like reads. */
  writeText(relPath: string, text: string): void;
  /** Opens a file under the root for positional I/O. */
  openRaw(relPath: string, flags: "r" | "r+"): RawFile;
  /** stat() of a path under the root, following links (type and mode: read-only sysctl keys). */
  statPath(relPath: string): fs.Stats;
  /**
   * inode → peer inode of every connected UNIX socket in this network namespace, asked of the
   * kernel over sock_diag (the native helper). Throws Unavailable, with the reason, on a captured
   * tree or without the helper.
   */
  unixSocketPeers(): Map<number, number>;
  /**
   * The fd tables of many processes, read by the native helper on other threads (live /proc
   * only) and handed out in pid order as they are ready; null when the helper cannot be used.
   * Processes it could not read cleanly come back as "redo": read those with openProcess, which
   * reports errors fully.
   */
  readFdTables(pids: readonly number[], request: FdTableRequest): Iterable<FdTableRecord> | null;
}

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

let scratch = Buffer.allocUnsafe(64 * 1024);
const MAX_READ = 1024 * 1024;

/**
 * Files the kernel hands out whole in one read when the buffer is big enough: single_open
 * seq_files (one record) and cmdline. Multi-record seq_files (maps, smaps, kallsyms) return about
 * a page per read, so for everything else only a read of 0 bytes means the end.
 */
const WHOLE_IN_ONE_READ = new Set(["stat", "statm", "status", "cmdline", "comm", "io", "wchan", "oom_score", "oom_score_adj", "loginuid"]);

/**
 * Reads a whole file by fd into the shared scratch buffer; returns the byte count. With
 * `wholeInOneRead`, a read that does not fill the buffer is taken as the end, saving the second
 * read() that would return 0 (a third of the system calls of a process listing).
 */
function readAll(fd: number, wholeInOneRead = false): number {
  let length = 0;
  for (;;) {
    if (length === scratch.length) {
      const bigger = Buffer.allocUnsafe(scratch.length * 2);
      scratch.copy(bigger, 0, 0, length);
      scratch = bigger;
    }
    // At most 1 MiB per read: /proc/sys handlers kmalloc the whole request and fail with ENOMEM
    // at 4 MiB and above, which a scratch grown by a big file (kallsyms) would ask for.
    const requested = Math.min(scratch.length - length, MAX_READ);
    const n = fs.readSync(fd, scratch, length, requested, null);
    length += n;
    if (n === 0 || (wholeInOneRead && n < requested)) return length;
  }
}

/** True for a per-process file the kernel hands out whole in one read. */
function isWholeInOneRead(absPath: string): boolean {
  return WHOLE_IN_ONE_READ.has(absPath.slice(absPath.lastIndexOf("/") + 1));
}

function readFileBytes(absPath: string): Buffer {
  const fd = fs.openSync(absPath, "r");
  try {
    const n = readAll(fd, isWholeInOneRead(absPath));
    return Buffer.from(scratch.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
}

/** Reads a file into the scratch buffer and returns a view of it (valid until the next read). */
function readFileView(absPath: string): Buffer {
  const fd = fs.openSync(absPath, "r");
  try {
    return scratch.subarray(0, readAll(fd, isWholeInOneRead(absPath)));
  } finally {
    fs.closeSync(fd);
  }
}

function readFileText(absPath: string): string {
  const fd = fs.openSync(absPath, "r");
  try {
    const n = readAll(fd, isWholeInOneRead(absPath));
    return textOf(scratch.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
}

function textOf(bytes: Buffer, start = 0, end = bytes.length): string {
  const text = bytes.toString("utf8", start, end);
  // Invalid UTF-8 (a hostile process name) decodes to U+FFFD; keep such bytes visible instead.
  return text.includes("\uFFFD") ? decodeBytes(bytes.subarray(start, end)) : text;
}

function pidFromRel(relPath: string): number | undefined {
  const match = /^(\d+)(?:\/|$)/.exec(relPath);
  return match ? Number(match[1]) : undefined;
}

class ProcFsImpl implements ProcFs {
  readonly root: string;
  readonly isLive: boolean;
  readonly etcDir: string;

  constructor(root: string, options: ProcFsOptions) {
    this.root = path.resolve(root);
    this.isLive = isKernelProc(this.root);
    this.etcDir = options.etcDir ?? (this.isLive ? "/etc" : path.join(this.root, "..", "etc"));
  }

  resolve(relPath: string): string {
    return relPath === "" ? this.root : `${this.root}/${relPath}`;
  }

  private fail(relPath: string, error: unknown): never {
    throw mapError(this, relPath, error, undefined);
  }

  readText(relPath: string): string {
    try {
      return readFileText(this.resolve(relPath));
    } catch (error) {
      this.fail(relPath, error);
    }
  }

  readBytes(relPath: string): Buffer {
    try {
      return readFileBytes(this.resolve(relPath));
    } catch (error) {
      this.fail(relPath, error);
    }
  }

  readLink(relPath: string): Buffer {
    try {
      return fs.readlinkSync(this.resolve(relPath), { encoding: "buffer" });
    } catch (error) {
      this.fail(relPath, error);
    }
  }

  listDir(relPath: string): string[] {
    try {
      return fs.readdirSync(this.resolve(relPath));
    } catch (error) {
      this.fail(relPath, error);
    }
  }

  exists(relPath: string): boolean {
    return fs.existsSync(this.resolve(relPath));
  }

  listPids(): number[] {
    const pids: number[] = [];
    for (const name of this.listDir("")) {
      const code = name.charCodeAt(0);
      if (code >= 48 && code <= 57 && /^\d+$/.test(name)) pids.push(Number(name));
    }
    return pids.sort((a, b) => a - b);
  }

  openProcess(pid: number, tid?: number): ProcessDir {
    const relPath = tid === undefined ? `${pid}` : `${pid}/task/${tid}`;
    let fd: number;
    try {
      fd = fs.openSync(this.resolve(relPath), O_DIRECTORY_READ);
    } catch (error) {
      const code = errnoCode(error);
      if (code === "ENOENT" || code === "ESRCH" || code === "ENOTDIR") {
        const hidden = tid === undefined && code === "ENOENT" ? hiddenProcessReason(this, pid) : null;
        if (hidden !== null) throw new AccessDenied(this.resolve(relPath), hidden, error);
        throw new ProcessGone(pid, { path: relPath, cause: error });
      }
      throw mapError(this, relPath, error, undefined);
    }
    return new ProcessDirImpl(this, pid, relPath, fd);
  }

  readEtc(name: string): string | null {
    try {
      return fs.readFileSync(path.join(this.etcDir, name), "utf8");
    } catch {
      return null;
    }
  }

  writeText(relPath: string, text: string): void {
    try {
      fs.writeFileSync(this.resolve(relPath), text);
    } catch (error) {
      this.fail(relPath, error);
    }
  }

  openRaw(relPath: string, flags: "r" | "r+"): RawFile {
    return openRawFile(this.resolve(relPath), flags, (error) => mapError(this, relPath, error, undefined));
  }

  statPath(relPath: string): fs.Stats {
    try {
      return fs.statSync(this.resolve(relPath));
    } catch (error) {
      this.fail(relPath, error);
    }
  }

  unixSocketPeers(): Map<number, number> {
    if (!this.isLive) throw new Unavailable(`UNIX socket peers are not captured in ${this.root} (sock_diag asks the running kernel)`);
    const { module, reason } = nativeHelper();
    if (!module) throw new Unavailable(reason);
    let pairs: Uint32Array;
    try {
      pairs = module.unixSocketPeers();
    } catch (error) {
      const errno = (error as { errno?: number }).errno;
      if (errno === 1 || errno === 13) throw new AccessDenied("sock_diag (UNIX sockets)", "the kernel refused the netlink request", error);
      throw new Unavailable(`UNIX socket peers: ${(error as Error).message}`, { cause: error });
    }
    const peers = new Map<number, number>();
    for (let i = 0; i + 1 < pairs.length; i += 2) peers.set(pairs[i] as number, pairs[i + 1] as number);
    return peers;
  }

  readFdTables(pids: readonly number[], request: FdTableRequest): Iterable<FdTableRecord> | null {
    const { module } = nativeHelper();
    if (!this.isLive || !module) return null;
    const flags = (request.stat ? 1 : 0) | (request.fdinfo ? 2 : 0) | (request.modeFromLink ? 4 : 0);
    // The caller's thread builds objects from finished blocks meanwhile: all cores stay busy.
    const threads = Math.min(4, os.availableParallelism());
    const handle = module.openFdTables(Int32Array.from(pids), flags, request.fdinfoTypes, threads);
    return (function* () {
      for (let chunk = module.nextFdTables(handle); chunk !== null; chunk = module.nextFdTables(handle)) yield* decodeFdTables(chunk);
    })();
  }

  parse<T>(relPath: string, parse: (text: string) => T): T {
    const text = this.readText(relPath);
    try {
      return parse(text);
    } catch (error) {
      if (error instanceof ParseError) throw error.withPath(this.resolve(relPath));
      throw error;
    }
  }
}

class ProcessDirImpl implements ProcessDir {
  private fd: number;
  private readonly via: string;

  constructor(
    private readonly procFs: ProcFsImpl,
    readonly pid: number,
    readonly relPath: string,
    fd: number,
  ) {
    this.fd = fd;
    // Paths through the open fd resolve inside the directory we opened, even if the PID has
    // since been reused: the kernel then answers ESRCH instead of the new process's data.
    this.via = `/proc/self/fd/${fd}`;
  }

  private fail(name: string, error: unknown): never {
    throw mapError(this.procFs, `${this.relPath}/${name}`, error, this);
  }

  readText(name: string): string {
    try {
      return readFileText(`${this.via}/${name}`);
    } catch (error) {
      this.fail(name, error);
    }
  }

  readBytes(name: string): Buffer {
    try {
      return readFileBytes(`${this.via}/${name}`);
    } catch (error) {
      this.fail(name, error);
    }
  }

  readLink(name: string): Buffer {
    try {
      return fs.readlinkSync(`${this.via}/${name}`, { encoding: "buffer" });
    } catch (error) {
      this.fail(name, error);
    }
  }

  listDir(name: string): string[] {
    try {
      return fs.readdirSync(`${this.via}/${name}`);
    } catch (error) {
      this.fail(name, error);
    }
  }

  statFile(name: string): fs.BigIntStats {
    try {
      return fs.statSync(`${this.via}/${name}`, { bigint: true });
    } catch (error) {
      this.fail(name, error);
    }
  }

  lstatFile(name: string): fs.Stats {
    try {
      return fs.lstatSync(`${this.via}/${name}`);
    } catch (error) {
      this.fail(name, error);
    }
  }

  openRaw(name: string, flags: "r" | "r+"): RawFile {
    return openRawFile(
      `${this.via}/${name}`,
      flags,
      (error) => mapError(this.procFs, `${this.relPath}/${name}`, error, this),
      this.procFs.resolve(`${this.relPath}/${name}`),
    );
  }

  ownerUid(): number {
    try {
      return fs.fstatSync(this.fd).uid;
    } catch (error) {
      this.fail("", error);
    }
  }

  /** True while the process behind the handle still exists (its stat is readable). */
  alive(): boolean {
    try {
      fs.accessSync(`${this.via}/stat`, fs.constants.F_OK);
      fs.closeSync(fs.openSync(`${this.via}/stat`, "r"));
      return true;
    } catch {
      return false;
    }
  }

  parse<T>(name: string, parse: (text: string) => T): T {
    const text = this.readText(name);
    try {
      return parse(text);
    } catch (error) {
      if (error instanceof ParseError) throw error.withPath(this.procFs.resolve(`${this.relPath}/${name}`));
      throw error;
    }
  }

  parseBytes<T>(name: string, parse: (bytes: Uint8Array) => T): T {
    let view: Buffer;
    try {
      view = readFileView(`${this.via}/${name}`);
    } catch (error) {
      this.fail(name, error);
    }
    try {
      return parse(view);
    } catch (error) {
      if (error instanceof ParseError) throw error.withPath(this.procFs.resolve(`${this.relPath}/${name}`));
      throw error;
    }
  }

  close(): void {
    if (this.fd >= 0) {
      fs.closeSync(this.fd);
      this.fd = -1;
    }
  }
}

function openRawFile(absPath: string, flags: "r" | "r+", mapErr: (error: unknown) => Error, displayPath = absPath): RawFile {
  let fd: number;
  try {
    fd = fs.openSync(absPath, flags);
  } catch (error) {
    throw mapErr(error);
  }
  return {
    fd,
    path: displayPath,
    read(buffer, offset, length, position) {
      try {
        return fs.readSync(fd, buffer, offset, length, position);
      } catch (error) {
        throw mapErr(error);
      }
    },
    write(buffer, offset, length, position) {
      // Node 20's writeSync ignores a bigint position (it writes at the current offset), so pass
      // a number; user-space addresses on x86-64 and aarch64 stay below 2^48.
      if (position > BigInt(Number.MAX_SAFE_INTEGER))
        throw new Unavailable(`cannot write at 0x${position.toString(16)}: above 2^53`, { path: displayPath });
      try {
        return fs.writeSync(fd, buffer, offset, length, Number(position));
      } catch (error) {
        throw mapErr(error);
      }
    },
    stat() {
      try {
        return fs.fstatSync(fd, { bigint: true });
      } catch (error) {
        throw mapErr(error);
      }
    },
    close() {
      fs.closeSync(fd);
    },
  };
}

/** The errno mapping (access/errno.ts), told what it needs about this path's process. */
function mapError(procFs: ProcFsImpl, relPath: string, error: unknown, dir: ProcessDirImpl | undefined): Error {
  const pid = dir?.pid ?? pidFromRel(relPath);
  return mapErrno(error, {
    path: procFs.resolve(relPath),
    pid,
    pinned: dir !== undefined,
    captured: !procFs.isLive,
    alive: () => (dir ? dir.alive() : pid !== undefined && procFs.exists(`${pid}/stat`)),
    explainDenied: (code) => explainDenied(procFs, pid, dir, code),
  });
}

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
    return word & TEXT_ASCII ? buffer.toString("latin1", at - length, at) : textOf(buffer, at - length, at);
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

function isKernelProc(root: string): boolean {
  try {
    return fs.statfsSync(root).type === 0x9fa0; // PROC_SUPER_MAGIC
  } catch {
    return false;
  }
}

/**
 * Opens a ProcFs over `root` (default "/proc").
 * const procFs = openProcFs(); procFs.readText("loadavg")
 */
export function openProcFs(root = "/proc", options: ProcFsOptions = {}): ProcFs {
  return new ProcFsImpl(root, options);
}
