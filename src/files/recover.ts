/**
 * Recover: copy out a file a process still holds open (typically deleted) through
 * /proc/PID/fd/N. Only regular files: reopening a pipe steals the process's data and a socket
 * cannot be reopened. The copy goes to a temporary name and is renamed only when complete.
 */

import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { ProcessDir, ProcFs, RawFile } from "../access/proc-fs.js";
import { Conflict, InvalidArgument, NotFound, ProcessGone } from "../errors.js";
import type { RecoveredFile, RecoverFailure, RecoverReport } from "../model/file-transfer.js";
import { verifyOpenProcess } from "../model/ref.js";
import type { ProcessContext } from "../processes/process.js";
import { parsePidStat } from "../procfs/pid/stat.js";
import {
  devString,
  explainReopenRefusal,
  type FileDescriptor,
  type ListOpenFilesOptions,
  listOpenFiles,
  readFd,
  requireReadableFds,
} from "./fds.js";

/** One file copied out. */
export type RecoverResult = RecoveredFile;
export type RecoverDeletedResult = RecoverReport;
export type { RecoverFailure };

export interface RecoverOptions {
  /** Replace an existing OUT. Default false: an existing OUT is a Conflict. */
  readonly force?: boolean;
  /** Called after each chunk with bytes copied so far and the size being copied. */
  readonly onProgress?: (copied: number, total: number) => void;
  readonly signal?: AbortSignal;
  /** Chunk size in bytes (default 1 MiB). */
  readonly chunkSize?: number;
  /** recover(): refuse (ProcessGone, reused) unless the process still has this start time (a PID kept from earlier). */
  readonly startTimeTicks?: number;
}

function checkOut(out: string, force: boolean): string {
  const absolute = path.resolve(out);
  const parent = path.dirname(absolute);
  let parentStat: fs.Stats;
  try {
    parentStat = fs.statSync(parent);
  } catch {
    throw new NotFound(`cannot write "${out}": directory "${parent}" does not exist`, { path: parent });
  }
  if (!parentStat.isDirectory()) throw new InvalidArgument(`cannot write "${out}": "${parent}" is not a directory`, { path: parent });
  let existing: fs.Stats | null = null;
  try {
    existing = fs.lstatSync(absolute);
  } catch {
    existing = null;
  }
  if (existing?.isDirectory()) throw new InvalidArgument(`"${out}" is a directory: give a file name`, { path: absolute });
  if (existing && !force) throw new Conflict(`"${out}" already exists: not overwriting it`, { path: absolute, option: "force" });
  return absolute;
}

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A regular file a process holds open, opened again (read-only) through /proc/PID/fd/N. */
interface OpenedFd {
  readonly startTimeTicks: number;
  readonly listed: FileDescriptor;
  readonly inode: number;
  readonly raw: RawFile;
  /** Its size when opened. */
  readonly total: number;
}

/**
 * Opens fd `fd` of an open process directory for reading, after the same refusals as recover (only
 * regular files and memfds) and a check that the fd still names the file it was listed as.
 */
function openFdFrom(dir: ProcessDir, fd: number, checkBeforeOpen?: () => void): OpenedFd {
  const startTimeTicks = dir.parse("stat", parsePidStat).startTimeTicks;
  const listed = readFd(dir, fd, { fdinfo: false });
  const reason = explainReopenRefusal(listed, "recovered");
  if (reason !== null) throw new InvalidArgument(`cannot recover: ${reason}`);
  if (listed.inode === null)
    throw new NotFound(`cannot recover fd ${fd} of process ${dir.pid}: ${listed.errors.inode ?? "its inode is unknown"}`);
  checkBeforeOpen?.();
  const raw = dir.openRaw(`fd/${fd}`, "r");
  try {
    const st = raw.stat();
    // The fd may have been closed and reused between listing and opening.
    if (Number(st.ino) !== listed.inode || devString(st.dev) !== listed.device)
      throw new Conflict(
        `fd ${fd} of process ${dir.pid} now refers to another file (inode ${st.ino}, listed ${listed.inode}): not copying`,
      );
    return { startTimeTicks, listed, inode: listed.inode, raw, total: Number(st.size) };
  } catch (error) {
    raw.close();
    throw error;
  }
}

/** Copies fd `fd` of an open process directory to `out`. */
export async function recoverFrom(dir: ProcessDir, fd: number, out: string, options: RecoverOptions = {}): Promise<RecoverResult> {
  let absolute = "";
  const { startTimeTicks, listed, inode, raw, total } = openFdFrom(dir, fd, () => {
    absolute = checkOut(out, options.force === true);
  });
  let tempPath: string | null = null;
  let outFd = -1;
  try {
    tempPath = path.join(path.dirname(absolute), `.${path.basename(absolute)}.procscope-${process.pid}-${Date.now()}.partial`);
    outFd = fs.openSync(tempPath, "wx", 0o600);
    const hash = createHash("sha256");
    const buffer = Buffer.allocUnsafe(options.chunkSize ?? 1024 * 1024);
    let copied = 0;
    let sinceYield = 0;
    while (copied < total) {
      if (options.signal?.aborted)
        throw new Conflict(`copy of fd ${fd} of process ${dir.pid} interrupted after ${copied} bytes: nothing written`);
      const n = raw.read(buffer, 0, Math.min(buffer.length, total - copied), BigInt(copied));
      if (n === 0) break; // truncated meanwhile
      const chunk = buffer.subarray(0, n);
      let written = 0;
      while (written < n) written += fs.writeSync(outFd, chunk, written, n - written);
      hash.update(chunk);
      copied += n;
      options.onProgress?.(copied, total);
      sinceYield += n;
      if (sinceYield >= 32 * 1024 * 1024) {
        sinceYield = 0;
        await yieldToLoop();
      }
    }
    fs.fsyncSync(outFd);
    fs.closeSync(outFd);
    outFd = -1;
    const sizeAfter = Number(raw.stat().size);
    if (copied < total)
      throw new Conflict(`fd ${fd} of process ${dir.pid} shrank from ${total} to ${sizeAfter} bytes while copying: nothing written`);
    if (options.force === true) fs.renameSync(tempPath, absolute);
    else {
      // link() fails if OUT appeared meanwhile, so an existing file is never replaced.
      try {
        fs.linkSync(tempPath, absolute);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "EEXIST")
          throw new Conflict(`"${out}" already exists: not overwriting it`, { path: absolute, option: "force" });
        throw error;
      }
      fs.unlinkSync(tempPath);
    }
    tempPath = null;
    return {
      pid: dir.pid,
      startTimeTicks,
      fd,
      source: listed.path,
      deleted: listed.deleted,
      inode,
      out: absolute,
      copiedBytes: copied,
      sha256: hash.digest("hex"),
      growing: sizeAfter > total,
      sizeAfterBytes: sizeAfter,
    };
  } finally {
    if (outFd >= 0) fs.closeSync(outFd);
    if (tempPath !== null) fs.rmSync(tempPath, { force: true });
    raw.close();
  }
}

/**
 * Copies what fd `fd` of process `pid` refers to into `out`; never replaces an existing `out`
 * unless `force`. Resolves with the byte count and sha256.
 * await recover(openProcFs(), 42, 3, "/tmp/saved.log")
 */
export async function recover(procFs: ProcFs, pid: number, fd: number, out: string, options: RecoverOptions = {}): Promise<RecoverResult> {
  const dir = procFs.openProcess(pid);
  try {
    if (options.startTimeTicks !== undefined) verifyOpenProcess(dir, { pid, startTimeTicks: options.startTimeTicks });
    return await recoverFrom(dir, fd, out, options);
  } finally {
    dir.close();
  }
}

/** A file held open, ready to be read from start to end (the server's download of a deleted file). */
export interface RecoverableFile {
  readonly pid: number;
  readonly startTimeTicks: number;
  readonly fd: number;
  /** The path the process opened it by; null when unknown. */
  readonly source: string | null;
  readonly deleted: boolean;
  /** Its size when opened: what `chunks()` yields at most. */
  readonly sizeBytes: number;
  /** A file name to save it under: "PID-fdN-BASENAME". */
  readonly name: string;
  /**
   * Its bytes, a chunk at a time, from offset 0 to the size it had when opened; throws Conflict
   * when it shrank meanwhile or `signal` aborts. Closes the file when done.
   */
  chunks(options?: { readonly signal?: AbortSignal; readonly chunkSize?: number }): AsyncGenerator<Buffer>;
  /** Closes the file without reading it (chunks() closes it itself). */
  close(): void;
}

/**
 * Opens what fd `fd` of process `pid` refers to for reading, as recover does (only regular files
 * and memfds, read-only, through its own open file description so the process's offset is not
 * moved); with `startTimeTicks`, only if the process is still that one. For streaming a copy
 * elsewhere than a file.
 * const file = openRecoverable(openProcFs(), 42, 3); for await (const chunk of file.chunks()) …
 */
export function openRecoverable(
  procFs: ProcFs,
  pid: number,
  fd: number,
  options: { readonly startTimeTicks?: number } = {},
): RecoverableFile {
  const dir = procFs.openProcess(pid);
  let opened: OpenedFd;
  try {
    opened = openFdFrom(dir, fd);
  } finally {
    dir.close();
  }
  const { startTimeTicks, listed, raw, total } = opened;
  if (options.startTimeTicks !== undefined && options.startTimeTicks !== startTimeTicks) {
    raw.close();
    throw new ProcessGone(pid, { reused: true });
  }
  let closed = false;
  const close = () => {
    if (!closed) raw.close();
    closed = true;
  };
  return {
    pid,
    startTimeTicks,
    fd,
    source: listed.path,
    deleted: listed.deleted,
    sizeBytes: total,
    name: recoveredName(listed),
    close,
    async *chunks(chunkOptions = {}) {
      try {
        let copied = 0;
        while (copied < total) {
          if (chunkOptions.signal?.aborted) throw new Conflict(`copy of fd ${fd} of process ${pid} interrupted after ${copied} bytes`);
          const buffer = Buffer.allocUnsafe(Math.min(chunkOptions.chunkSize ?? 256 * 1024, total - copied));
          const n = raw.read(buffer, 0, buffer.length, BigInt(copied));
          if (n === 0) throw new Conflict(`fd ${fd} of process ${pid} shrank from ${total} to ${copied} bytes while copying`);
          copied += n;
          yield buffer.subarray(0, n);
        }
      } finally {
        close();
      }
    },
  };
}

/** A file name for a recovered file: "PID-fdN-BASENAME", made safe for any filesystem. */
export function recoveredName(f: FileDescriptor): string {
  const base =
    path
      .basename(f.path ?? "file")
      .replace(/[^A-Za-z0-9._-]/g, "_")
      .slice(0, 100) || "file";
  return `${f.pid}-fd${f.fd}-${base}`;
}

/** `outDir`, created (0700: the copies may hold secrets) when missing; never a file replaced by a directory. */
function prepareOutDir(outDir: string): void {
  let st: fs.Stats | null = null;
  try {
    st = fs.statSync(outDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw unwritableDir(outDir, error);
  }
  if (st === null) {
    try {
      fs.mkdirSync(outDir, { recursive: true, mode: 0o700 });
    } catch (error) {
      throw unwritableDir(outDir, error);
    }
    return;
  }
  if (!st.isDirectory()) throw new Conflict(`"${outDir}" is a file, not a directory: not overwriting it`, { path: outDir });
}

function unwritableDir(outDir: string, error: unknown): InvalidArgument {
  const code = (error as NodeJS.ErrnoException).code;
  const why =
    code === "EACCES" || code === "EPERM"
      ? "permission denied"
      : code === "ENOTDIR"
        ? "a part of the path is a file"
        : code === "EROFS" || code === "ENOENT"
          ? "nothing can be created there (a read-only file system, or a kernel one such as /proc or /sys)"
          : String(code ?? error);
  return new InvalidArgument(`cannot create the directory "${outDir}": ${why}`, { path: outDir, cause: error });
}

/**
 * Recovers every deleted regular file and every memfd (a file that never had a name) held open,
 * by `pid` or by any process, into `outDir` (created if missing), each inode once. Failures are
 * listed, not thrown.
 */
export async function recoverDeleted(
  context: ProcessContext,
  outDir: string,
  options: RecoverOptions & Pick<ListOpenFilesOptions, "onSkipped"> & { readonly pid?: number } = {},
): Promise<RecoverDeletedResult> {
  if (options.pid !== undefined) requireReadableFds(context.procFs, options.pid);
  prepareOutDir(outDir);
  const processes = listOpenFiles(context, {
    ...(options.pid === undefined ? {} : { pids: [options.pid] }),
    fdinfo: false,
    filter: (f) => f.deleted && (f.type === "file" || f.type === "memfd"),
    ...(options.onSkipped ? { onSkipped: options.onSkipped } : {}),
  });
  const recovered: RecoverResult[] = [];
  const failed: RecoverFailure[] = [];
  const seen = new Set<string>();
  for (const p of processes) {
    for (const f of p.fds ?? []) {
      const key = `${f.device}:${f.inode}`;
      if (seen.has(key)) continue;
      seen.add(key);
      try {
        const dir = context.procFs.openProcess(p.pid);
        try {
          verifyOpenProcess(dir, p);
          recovered.push(await recoverFrom(dir, f.fd, path.join(outDir, recoveredName(f)), options));
        } finally {
          dir.close();
        }
      } catch (error) {
        if (!(error instanceof Error) || !("kind" in error)) throw error;
        failed.push({ pid: p.pid, fd: f.fd, source: f.path, error: error.message });
      }
    }
  }
  return { recovered, failed };
}
