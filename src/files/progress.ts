/**
 * Progress of reads and writes on regular files, like the `progress` tool: the file offset
 * (fdinfo pos) against the size, sampled twice for a rate and an ETA. Samples are keyed by
 * (pid, start time, fd, inode), so a reused PID or fd is never mistaken for progress.
 */

import { sleepUnlessAborted } from "../_sleep.js";
import type { ProcError } from "../errors.js";
import type { FileProgress, ProgressTick } from "../model/file-transfer.js";
import type { ProcessContext } from "../processes/process.js";
import { listOpenFiles, requireReadableFds } from "./fds.js";

export type { FileProgress, ProgressTick };

/** One reading of an open file: the fields of FileProgress that are observed, not computed. */
interface Sample
  extends Pick<FileProgress, "pid" | "comm" | "startTimeTicks" | "fd" | "path" | "deleted" | "mode" | "posBytes" | "sizeBytes"> {
  readonly key: string;
}

export interface ProgressOptions {
  /** Only this process. */
  readonly pid?: number;
  /** Milliseconds between the two samples (default 500). */
  readonly intervalMs?: number;
  /** Include files that did not move (default: only when a pid is given). */
  readonly includeIdle?: boolean;
  readonly signal?: AbortSignal;
  /** Told of each process whose fds could not be read (see ListOpenFilesOptions.onSkipped). */
  readonly onSkipped?: (pid: number, error: ProcError) => void;
}

/** One sample of every regular file's offset and size. */
export function sampleFiles(
  context: ProcessContext,
  pid?: number,
  onSkipped?: (pid: number, error: ProcError) => void,
): Map<string, Sample> {
  const processes = listOpenFiles(context, {
    ...(pid === undefined ? {} : { pids: [pid] }),
    ...(onSkipped ? { onSkipped } : {}),
    fdinfoTypes: ["file"],
    filter: (f) => f.type === "file",
  });
  const samples = new Map<string, Sample>();
  for (const p of processes) {
    for (const f of p.fds ?? []) {
      if (f.posBytes === null || f.sizeBytes === null) continue;
      const key = `${p.pid}/${p.startTimeTicks}/${f.fd}/${f.device}:${f.inode}`;
      samples.set(key, {
        pid: p.pid,
        comm: p.comm,
        startTimeTicks: p.startTimeTicks,
        fd: f.fd,
        path: f.path,
        deleted: f.deleted,
        mode: f.mode,
        posBytes: f.posBytes,
        sizeBytes: f.sizeBytes,
        key,
      });
    }
  }
  return samples;
}

/** Compares two samples taken `seconds` apart (pure). */
export function compareSamples(
  before: ReadonlyMap<string, Sample>,
  after: ReadonlyMap<string, Sample>,
  seconds: number,
  includeIdle: boolean,
): FileProgress[] {
  const rows: FileProgress[] = [];
  for (const [key, now] of after) {
    const then = before.get(key);
    const moving = then !== undefined && (then.posBytes !== now.posBytes || then.sizeBytes !== now.sizeBytes);
    if (!moving && !includeIdle) continue;
    const rate = then !== undefined && seconds > 0 ? Math.max(0, (now.posBytes - then.posBytes) / seconds) : 0;
    const remaining = now.sizeBytes - now.posBytes;
    rows.push({
      pid: now.pid,
      comm: now.comm,
      startTimeTicks: now.startTimeTicks,
      fd: now.fd,
      path: now.path,
      deleted: now.deleted,
      mode: now.mode,
      posBytes: now.posBytes,
      sizeBytes: now.sizeBytes,
      percent: now.sizeBytes > 0 ? Math.round((now.posBytes / now.sizeBytes) * 1000) / 10 : null,
      bytesPerSecond: Math.round(rate),
      etaSeconds: rate > 0 && remaining > 0 ? Math.round((remaining / rate) * 10) / 10 : null,
      moving,
    });
  }
  return rows.sort((a, b) => a.pid - b.pid || a.fd - b.fd);
}

/**
 * Samples twice `intervalMs` apart and returns the files being read or written.
 * (await progress(context, { pid: 42 }))[0]?.percent
 */
export async function measureProgress(context: ProcessContext, options: ProgressOptions = {}): Promise<FileProgress[]> {
  if (options.pid !== undefined) requireReadableFds(context.procFs, options.pid);
  const interval = options.intervalMs ?? 500;
  const before = sampleFiles(context, options.pid, options.onSkipped);
  const t0 = performance.now();
  await sleepUnlessAborted(interval, options.signal);
  const after = sampleFiles(context, options.pid, options.onSkipped);
  return compareSamples(before, after, (performance.now() - t0) / 1000, options.includeIdle ?? options.pid !== undefined);
}

/**
 * Streams a table of moving files every `intervalMs` until the signal aborts (or, with a pid,
 * until that process exits).
 * for await (const tick of watchProgress(context, { signal })) console.log(tick.files.length)
 */
export async function* watchProgress(context: ProcessContext, options: ProgressOptions = {}): AsyncIterable<ProgressTick> {
  const interval = options.intervalMs ?? 1000;
  const includeIdle = options.includeIdle ?? options.pid !== undefined;
  let before = sampleFiles(context, options.pid, options.onSkipped);
  let t0 = performance.now();
  while (!options.signal?.aborted) {
    await sleepUnlessAborted(interval, options.signal);
    if (options.signal?.aborted) return;
    if (options.pid !== undefined && !context.procFs.exists(`${options.pid}/stat`)) return;
    const after = sampleFiles(context, options.pid, options.onSkipped);
    const t1 = performance.now();
    yield { time: new Date().toISOString(), files: compareSamples(before, after, (t1 - t0) / 1000, includeIdle) };
    before = after;
    t0 = t1;
  }
}
