/**
 * Follow: what a process writes to a file-backed fd, as it grows (the `tail -f /proc/PID/fd/N`
 * trick). We open the file itself through the link and read it; pipes, sockets and terminals are
 * refused, because reading them takes the data away from their real reader.
 */

import { sleepUnlessAborted } from "../_sleep.js";
import type { ProcFs } from "../access/proc-fs.js";
import { Conflict, InvalidArgument, ProcError, Unavailable } from "../errors.js";
import { type ProcessRef, refOf, sameProcess, verifyOpenProcess } from "../model/ref.js";
import { parsePidStat } from "../procfs/pid/stat.js";
import { devString, explainReopenRefusal, type FileDescriptor, readFd } from "./fds.js";

/** Why following this fd is refused, or null when it is a regular file. */
export function explainFollowRefusal(f: FileDescriptor): string | null {
  return explainReopenRefusal(f, "followed");
}

export interface FollowOptions {
  readonly signal?: AbortSignal;
  /** Start at the beginning of the file instead of its current end. */
  readonly fromStart?: boolean;
  /** Milliseconds between checks for growth (default 100). */
  readonly pollMs?: number;
  /** Refuse (ProcessGone, reused) unless the process still has this start time (a PID kept from earlier). */
  readonly startTimeTicks?: number;
}

export interface FollowTarget {
  readonly fd: FileDescriptor;
  /** Chunks of what the process writes, until it exits, closes the fd, or the signal aborts. */
  readonly chunks: AsyncIterable<Buffer>;
}

/**
 * Opens fd `fd` of process `pid` for following; throws InvalidArgument for pipes, sockets and
 * terminals (with the reason), NotFound for an fd that is not open, ProcessGone if it exited.
 * for await (const chunk of follow(openProcFs(), 42, 2).chunks) process.stdout.write(chunk)
 */
export function follow(procFs: ProcFs, pid: number, fd: number, options: FollowOptions = {}): FollowTarget {
  const dir = procFs.openProcess(pid);
  let raw: ReturnType<typeof dir.openRaw>;
  let listed: FileDescriptor;
  let ref: ProcessRef;
  try {
    if (options.startTimeTicks !== undefined) verifyOpenProcess(dir, { pid, startTimeTicks: options.startTimeTicks });
    ref = refOf(dir);
    if (dir.parse("stat", parsePidStat).state === "Z")
      throw new Unavailable(`process ${pid} is a zombie: it has exited and holds no open files (its parent has not reaped it yet)`);
    listed = readFd(dir, fd, { fdinfo: false });
    const reason = explainFollowRefusal(listed);
    if (reason !== null) throw new InvalidArgument(`cannot follow: ${reason}`);
    raw = dir.openRaw(`fd/${fd}`, "r");
    const st = raw.stat();
    if (Number(st.ino) !== listed.inode || devString(st.dev) !== listed.device) {
      raw.close();
      throw new Conflict(`fd ${fd} of process ${pid} changed while being opened: try again`);
    }
  } catch (error) {
    dir.close();
    throw error;
  }
  const inode = listed.inode;
  // The starting point is fixed now, not when the caller first iterates, so nothing written in
  // between is skipped.
  const startOffset = options.fromStart ? 0 : Number(raw.stat().size);
  const pollMs = options.pollMs ?? 100;
  const signal = options.signal;

  /** Whether the process still exists and still holds the same file on that fd. */
  function stillHeld(): boolean {
    try {
      if (!sameProcess(refOf(dir), ref)) return false;
      const now = dir.statFile(`fd/${fd}`);
      return Number(now.ino) === inode;
    } catch (error) {
      if (error instanceof ProcError) return false;
      throw error;
    }
  }

  async function* chunks(): AsyncIterable<Buffer> {
    const buffer = Buffer.allocUnsafe(256 * 1024);
    let offset = startOffset;
    try {
      for (;;) {
        const size = Number(raw.stat().size);
        if (size < offset) offset = 0; // truncated: start again from the top, as tail -f does
        while (offset < size) {
          const n = raw.read(buffer, 0, Math.min(buffer.length, size - offset), BigInt(offset));
          if (n === 0) break;
          offset += n;
          yield Buffer.from(buffer.subarray(0, n));
        }
        if (signal?.aborted) return;
        if (!stillHeld()) {
          // Drain what was written just before the exit.
          const last = Number(raw.stat().size);
          while (offset < last) {
            const n = raw.read(buffer, 0, Math.min(buffer.length, last - offset), BigInt(offset));
            if (n === 0) break;
            offset += n;
            yield Buffer.from(buffer.subarray(0, n));
          }
          return;
        }
        await sleepUnlessAborted(pollMs, signal);
      }
    } finally {
      raw.close();
      dir.close();
    }
  }
  return { fd: listed, chunks: chunks() };
}
