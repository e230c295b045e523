/**
 * ProcFs: the one place that reads /proc. It takes a root directory so the same code runs on the
 * live system and on a captured tree (`--root`). Reads are synchronous into a reused buffer:
 * measured on Node 20, per-file async I/O is 10x slower for the many tiny files of /proc.
 */
import fs from "node:fs";
import path from "node:path";
import { decodeBytes } from "../bytes.js";
import { AccessDenied, errnoCode, ParseError, ProcessGone, Unavailable } from "../errors.js";
import { CAPTURE_RECORD_FILE, type CaptureRecord, deniedChildren, deniedReason, parseCaptureRecord } from "./captured.js";
import { explainDenied, hiddenProcessReason } from "./denied.js";
import { mapErrno } from "./errno.js";
import { type NativeHelper, nativeHelper } from "./native.js";

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
  /**
   * Reads a whole file on libuv's thread pool, not this thread: for a file the kernel may take
   * seconds to produce (a big process's smaps_rollup walks all its page tables). Errors as readText.
   */
  readTextAsync(relPath: string): Promise<string>;
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
   * The native helper (src/access/native.ts) when this tree is the running kernel's /proc; else
   * module is null and reason says why (a captured tree, or the helper is not built). Features
   * decide themselves whether a native fast path pays; tests turn it off by overriding this.
   */
  native(): NativeHelper;
}

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
    // readAll first: it may replace scratch with a bigger buffer, and `scratch.subarray(0,
    // readAll(…))` would take the old one (a 150 KB command line came back cut at 64 KiB).
    const n = readAll(fd, isWholeInOneRead(absPath));
    return scratch.subarray(0, n);
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

  /** Captured trees: each process's record (access/captured.ts), read once. */
  private readonly records = new Map<number, CaptureRecord | null>();

  constructor(root: string, options: ProcFsOptions) {
    this.root = path.resolve(root);
    this.isLive = isKernelProc(this.root);
    this.etcDir = options.etcDir ?? (this.isLive ? "/etc" : path.join(this.root, "..", "etc"));
  }

  /** The capture record of `pid`, or null (the live /proc, an older capture, a fixture). */
  captureRecord(pid: number): CaptureRecord | null {
    if (this.isLive) return null;
    let record = this.records.get(pid);
    if (record === undefined) {
      try {
        record = parseCaptureRecord(fs.readFileSync(this.resolve(`${pid}/${CAPTURE_RECORD_FILE}`), "utf8"));
      } catch {
        record = null;
      }
      this.records.set(pid, record);
    }
    return record;
  }

  /** Why the kernel refused `relPath` at capture time, or null. */
  deniedAtCapture(relPath: string): string | null {
    const match = /^(\d+)\/(.+)$/.exec(relPath);
    if (!match) return null;
    const record = this.captureRecord(Number(match[1]));
    return record === null ? null : deniedReason(record, match[2] as string);
  }

  /**
   * A captured directory's entries plus those listed but refused at capture time, so a listing
   * counts what it counted live and reading one gives the refusal.
   */
  withDeniedEntries(relPath: string, names: string[]): string[] {
    const match = /^(\d+)(?:\/(.*))?$/.exec(relPath);
    if (this.isLive || !match) return names;
    const record = this.captureRecord(Number(match[1]));
    if (record === null) return names;
    const extra = deniedChildren(record, match[2] ?? "").filter((name) => !names.includes(name));
    return extra.length === 0 ? names : [...names, ...extra];
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

  async readTextAsync(relPath: string): Promise<string> {
    try {
      return await fs.promises.readFile(this.resolve(relPath), "utf8");
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
      return this.withDeniedEntries(relPath, fs.readdirSync(this.resolve(relPath)));
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
        throw new ProcessGone(pid, { path: relPath, cause: error, absent: true });
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

  native(): NativeHelper {
    if (!this.isLive) return { module: null, reason: `${this.root} is not the running kernel's /proc` };
    return nativeHelper();
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
      return this.procFs.withDeniedEntries(`${this.relPath}/${name}`, fs.readdirSync(`${this.via}/${name}`));
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
    deniedAtCapture: () => procFs.deniedAtCapture(relPath),
    alive: () => (dir ? dir.alive() : pid !== undefined && procFs.exists(`${pid}/stat`)),
    explainDenied: (code) => explainDenied(procFs, pid, dir, code),
  });
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
