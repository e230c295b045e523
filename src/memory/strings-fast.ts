/**
 * The `strings` text output without JS strings: printable ASCII runs are found by a loop that
 * skips MIN bytes at a time through non-text (a run of MIN printable bytes must cover the byte at
 * i+MIN-1) and written straight into an output buffer as "ADDRESS LABEL TEXT\n". Work is cut into
 * 1 MiB jobs that each own the runs that START inside them (a job peeks one byte back, and reads
 * on past its end to finish a run), so jobs can run in worker threads and be written in order.
 */
import fs from "node:fs";
import { fileURLToPath } from "node:url";

/** The compiled worker beside this file; undefined when running from TypeScript sources. */
export function stringsWorkerUrl(): URL | undefined {
  const url = new URL("./strings-worker.js", import.meta.url);
  return fs.existsSync(fileURLToPath(url)) ? url : undefined;
}

export interface AsciiJob {
  readonly start: number;
  readonly end: number;
  /** The selected range of the region: runs never cross its bounds. */
  readonly rangeStart: number;
  readonly rangeEnd: number;
  /** " heap " — written between the address and the text. */
  readonly label: Uint8Array;
  readonly min: number;
}

export interface JobResult {
  readonly output: Buffer;
  readonly length: number;
  readonly holes: number;
  /** Strings written. */
  readonly lines: number;
  /** The process's memory was gone (read returned 0). */
  readonly exited: boolean;
}

const PAGE = 4096;
const HEX = Uint8Array.from(Buffer.from("0123456789abcdef"));
const ZERO_PAGE = Buffer.alloc(4096);
const PRINTABLE = new Uint8Array(256);
for (let c = 0x20; c < 0x7f; c++) PRINTABLE[c] = 1;
PRINTABLE[9] = 1;

/** Reads at a position; -1 for an unreadable range (EIO), 0 when the process's memory is gone. */
function readAt(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number {
  try {
    return fs.readSync(fd, buffer, offset, length, position);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EIO" || code === "EFAULT" || code === "EINVAL") return -1;
    throw error;
  }
}

class Output {
  buffer: Buffer;
  length = 0;
  lines = 0;
  private hiKey = -1;
  readonly hiDigits = new Uint8Array(16);
  private hiLength = 0;
  constructor(size: number) {
    // Not from the shared pool: the whole ArrayBuffer is transferred from a worker.
    this.buffer = Buffer.allocUnsafeSlow(size);
  }
  ensure(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    const bigger = Buffer.allocUnsafeSlow(Math.max(this.buffer.length * 2, this.length + extra));
    this.buffer.copy(bigger, 0, 0, this.length);
    this.buffer = bigger;
  }
  /** Writes "ADDRESS LABEL" for an address below 2^53. */
  head(address: number, label: Uint8Array): void {
    this.ensure(32 + label.length);
    const out = this.buffer;
    let o = this.length;
    const hi = Math.floor(address / 1048576);
    if (hi !== this.hiKey) {
      this.hiKey = hi;
      const text = hi === 0 ? "" : hi.toString(16);
      this.hiLength = text.length;
      for (let d = 0; d < text.length; d++) this.hiDigits[d] = text.charCodeAt(d);
    }
    for (let d = 0; d < this.hiLength; d++) out[o++] = this.hiDigits[d] as number;
    const lo = address - hi * 1048576;
    if (this.hiLength > 0 || lo >= 0x10000) out[o++] = HEX[(lo >>> 16) & 15] as number;
    out[o++] = HEX[(lo >>> 12) & 15] as number;
    out[o++] = HEX[(lo >>> 8) & 15] as number;
    out[o++] = HEX[(lo >>> 4) & 15] as number;
    out[o++] = HEX[lo & 15] as number;
    for (let k = 0; k < label.length; k++) out[o++] = label[k] as number;
    this.length = o;
  }
  /** Copies printable bytes, "\t" for a tab (the only control character in a run). */
  text(bytes: Uint8Array, from: number, to: number): void {
    this.ensure((to - from) * 2 + 1);
    const out = this.buffer;
    let o = this.length;
    for (let k = from; k < to; k++) {
      const b = bytes[k] as number;
      if (b === 9) {
        out[o++] = 92;
        out[o++] = 116;
      } else out[o++] = b;
    }
    this.length = o;
  }
  newline(): void {
    this.ensure(1);
    this.buffer[this.length++] = 10;
    this.lines++;
  }
}

interface Scratch {
  buffer: Buffer;
  extra: Uint8Array;
}

let sharedScratch: Scratch | undefined;

function scratchFor(size: number): Scratch {
  if (!sharedScratch || sharedScratch.buffer.length < size + 1)
    sharedScratch = { buffer: Buffer.allocUnsafeSlow(size + 1), extra: new Uint8Array(PAGE) };
  return sharedScratch;
}

/**
 * Scans [start, end) (a whole job, or one page of a job that hit an unreadable page).
 * Returns false when the process is gone.
 */
/** A job's bytes read ahead (with the peek byte in front when the job does not start its range). */
export interface Preread {
  readonly buffer: Buffer;
  readonly length: number;
}

function peekOf(job: AsciiJob, start: number): number {
  return start > job.rangeStart ? 1 : 0;
}

function scanSpan(fd: number, job: AsciiJob, start: number, end: number, out: Output, state: { holes: number }, pre?: Preread): boolean {
  const { min, label, rangeEnd } = job;
  const scratch = scratchFor(end - start);
  let peek = peekOf(job, start);
  // Read-ahead data is used only when complete; anything odd is redone synchronously below.
  const usePre = pre !== undefined && pre.length === end - start + peek;
  const buf = usePre ? pre.buffer : scratch.buffer;
  let n = usePre ? pre.length : readAt(fd, buf, 0, end - start + peek, start - peek);
  if (n < 0 && peek === 1) {
    // The byte before may be unreadable (a hole just ended): count it as a run boundary.
    peek = 0;
    n = readAt(fd, buf, 0, end - start, start);
  }
  if (n === 0) return false;
  if (n < 0) {
    if (end - start <= PAGE) {
      state.holes++;
      return true;
    }
    // An unreadable page inside: go page by page (rare: file tails, [vvar]).
    for (let page = start; page < end; page += PAGE) if (!scanSpan(fd, job, page, Math.min(end, page + PAGE), out, state)) return false;
    return true;
  }
  let i = peek;
  // A run that started before this span belongs to whoever owns its start.
  if (peek === 1 && PRINTABLE[buf[0] as number] === 1) while (i < n && PRINTABLE[buf[i] as number] === 1) i++;
  const base = start - peek;
  let tail = -1;
  // Room for the worst case (every run as short as allowed, every byte a tab), so the hot loop
  // below writes through locals with no capacity checks.
  out.ensure(n * 2 + Math.ceil(n / (min + 1) + 1) * (30 + label.length));
  const dst = out.buffer;
  let o = out.length;
  let lines = 0;
  let hiKey = -1;
  let hiLength = 0;
  const hiDigits = out.hiDigits;
  const labelLength = label.length;
  while (i < n) {
    if (i + min > n) {
      // Too short to hold a whole run: only a run reaching the end (and going on) can count.
      let t = n;
      while (t > i && PRINTABLE[buf[t - 1] as number] === 1) t--;
      if (t < n) tail = t;
      break;
    }
    const probe = buf[i + min - 1] as number;
    if (PRINTABLE[probe] === 0) {
      // Whole zero pages (most of an idle heap) are skipped by one native compare.
      if (probe === 0 && ((base + i) & (PAGE - 1)) === 0 && i + PAGE <= n && ZERO_PAGE.compare(buf, i, i + PAGE) === 0) i += PAGE;
      else i += min;
      continue;
    }
    let j = i + min - 2;
    while (j >= i && PRINTABLE[buf[j] as number] === 1) j--;
    if (j >= i) {
      i = j + 1;
      continue;
    }
    let stop = i + min;
    while (stop < n && PRINTABLE[buf[stop] as number] === 1) stop++;
    if (stop === n) {
      tail = i;
      break;
    }
    const address = base + i;
    const hi = Math.floor(address / 1048576);
    if (hi !== hiKey) {
      hiKey = hi;
      const digits = hi === 0 ? "" : hi.toString(16);
      hiLength = digits.length;
      for (let d = 0; d < hiLength; d++) hiDigits[d] = digits.charCodeAt(d);
    }
    for (let d = 0; d < hiLength; d++) dst[o++] = hiDigits[d] as number;
    const lo = address - hi * 1048576;
    if (hiLength > 0 || lo >= 0x10000) dst[o++] = HEX[(lo >>> 16) & 15] as number;
    dst[o++] = HEX[(lo >>> 12) & 15] as number;
    dst[o++] = HEX[(lo >>> 8) & 15] as number;
    dst[o++] = HEX[(lo >>> 4) & 15] as number;
    dst[o++] = HEX[lo & 15] as number;
    for (let k = 0; k < labelLength; k++) dst[o++] = label[k] as number;
    for (let k = i; k < stop; k++) {
      const b = buf[k] as number;
      if (b === 9) {
        dst[o++] = 92;
        dst[o++] = 116;
      } else dst[o++] = b;
    }
    dst[o++] = 10;
    lines++;
    i = stop + 1;
  }
  out.length = o;
  out.lines += lines;
  if (tail < 0) return true;
  // A run reaching the end of the span: read on until it ends (or the range does).
  let length = n - tail;
  const spanEnd = base + n;
  let position = spanEnd;
  const extra = scratch.extra;
  const pieces: Uint8Array[] = [];
  let done = false;
  while (!done && position < rangeEnd) {
    const want = Math.min(PAGE, rangeEnd - position);
    const got = readAt(fd, extra, 0, want, position);
    if (got <= 0) break;
    let k = 0;
    while (k < got && PRINTABLE[extra[k] as number] === 1) k++;
    if (k > 0) pieces.push(extra.slice(0, k));
    length += k;
    position += k;
    done = k < got;
  }
  if (length >= min) {
    out.head(base + tail, label);
    out.text(buf, tail, n);
    for (const piece of pieces) out.text(piece, 0, piece.length);
    out.newline();
  }
  return true;
}

let reusable: Output | undefined;

/**
 * Runs one job on `fd` (a /proc/PID/mem opened by this process). With `reuse`, the output buffer
 * is shared between jobs: consume it before the next call.
 */
export function runAsciiJob(fd: number, job: AsciiJob, reuse = false, pre?: Preread): JobResult {
  let out: Output;
  if (reuse) {
    reusable ??= new Output(4 * 1024 * 1024);
    out = reusable;
    out.length = 0;
    out.lines = 0;
  } else out = new Output(64 * 1024);
  const state = { holes: 0 };
  const alive = scanSpan(fd, job, job.start, job.end, out, state, pre);
  return { output: out.buffer, length: out.length, lines: out.lines, holes: state.holes, exited: !alive };
}

/** Splits selected ranges into jobs of `jobSize` bytes (addresses above 2^53 are left out). */
export function asciiJobs(
  ranges: readonly { readonly start: bigint; readonly end: bigint; readonly label: string }[],
  min: number,
  jobSize = 1024 * 1024,
): AsciiJob[] {
  const jobs: AsciiJob[] = [];
  for (const range of ranges) {
    if (range.end > BigInt(Number.MAX_SAFE_INTEGER)) continue;
    const rangeStart = Number(range.start);
    const rangeEnd = Number(range.end);
    const label = Uint8Array.from(Buffer.from(` ${range.label} `, "latin1"));
    for (let start = rangeStart; start < rangeEnd; start += jobSize)
      jobs.push({ start, end: Math.min(rangeEnd, start + jobSize), rangeStart, rangeEnd, label, min });
  }
  return jobs;
}

export interface WriteStringsStats {
  strings: number;
  holes: number;
  bytes: number;
  exited: boolean;
}

interface WorkerReply {
  readonly id: number;
  readonly buffer?: ArrayBuffer;
  readonly length?: number;
  readonly lines?: number;
  readonly holes?: number;
  readonly exited?: boolean;
  readonly error?: string;
}

/**
 * Writes "ADDRESS LABEL TEXT" lines for every printable ASCII run of at least `min` bytes, in
 * address order, using `workers` threads (0: this thread only). `fd` is an open /proc/PID/mem.
 */
export async function writeAsciiStrings(
  fd: number,
  jobs: readonly AsciiJob[],
  write: (bytes: Uint8Array) => void | Promise<void>,
  options: { readonly workers: number; readonly signal?: AbortSignal; readonly workerUrl?: URL },
): Promise<WriteStringsStats> {
  const stats: WriteStringsStats = { strings: 0, holes: 0, bytes: 0, exited: false };
  const take = (job: AsciiJob, r: { length: number; lines: number; holes: number; exited: boolean }, bytes: Uint8Array) => {
    stats.strings += r.lines;
    stats.holes += r.holes;
    stats.bytes += job.end - job.start;
    if (r.exited) stats.exited = true;
    return r.length > 0 ? write(bytes.subarray(0, r.length)) : undefined;
  };
  if (options.workers <= 0 || jobs.length < 2 || !options.workerUrl) {
    // The next job's bytes are read on the thread pool while this one is scanned.
    const maxJob = jobs.reduce((max, job) => Math.max(max, job.end - job.start), 0) + 1;
    const buffers = [Buffer.allocUnsafeSlow(maxJob), Buffer.allocUnsafeSlow(maxJob)] as const;
    const readAhead = (index: number): Promise<Preread | undefined> => {
      const job = jobs[index];
      if (!job) return Promise.resolve(undefined);
      const peek = peekOf(job, job.start);
      const buffer = buffers[index % 2] as Buffer;
      return new Promise((resolve) =>
        fs.read(fd, buffer, 0, job.end - job.start + peek, job.start - peek, (error, n) =>
          resolve(error ? undefined : { buffer, length: n }),
        ),
      );
    };
    let ahead = readAhead(0);
    for (let i = 0; i < jobs.length && !stats.exited; i++) {
      const pre = await ahead;
      if (options.signal?.aborted) break;
      ahead = readAhead(i + 1);
      const job = jobs[i] as AsciiJob;
      // One scan buffer serves every job; what is written is a copy, because a write to a full
      // pipe is queued, not done, when write() returns. A returned promise is backpressure.
      const result = runAsciiJob(fd, job, true, pre);
      const copy = Buffer.allocUnsafeSlow(result.length);
      result.output.copy(copy, 0, 0, result.length);
      const drained = take(job, result, copy);
      if (drained) await drained;
    }
    await ahead;
    return stats;
  }
  const { Worker } = await import("node:worker_threads");
  const workers = Array.from({ length: options.workers }, () => new Worker(options.workerUrl as URL));
  const done = new Map<number, WorkerReply>();
  let next = 0;
  let written = 0;
  const perWorker = 2;
  try {
    await new Promise<void>((resolve, reject) => {
      // At most `limit` jobs between the oldest unwritten one and the newest dispatched one, so
      // a slow worker cannot make the others pile up results in memory.
      const limit = workers.length * perWorker * 2;
      const idle: InstanceType<typeof Worker>[] = [];
      const stopped = () => next >= jobs.length || stats.exited || options.signal?.aborted === true;
      const pump = () => {
        while (idle.length > 0 && !stopped() && next - written < limit) {
          const id = next++;
          (idle.shift() as InstanceType<typeof Worker>).postMessage({ id, fd, job: jobs[id] });
        }
        if (written >= next && stopped()) resolve();
      };
      const flush = () => {
        while (done.has(written)) {
          const reply = done.get(written) as WorkerReply;
          done.delete(written);
          if (reply.error !== undefined) return reject(new Error(`strings worker failed: ${reply.error}`));
          if (!stats.exited)
            take(
              jobs[written] as AsciiJob,
              { length: reply.length ?? 0, lines: reply.lines ?? 0, holes: reply.holes ?? 0, exited: reply.exited === true },
              new Uint8Array(reply.buffer as ArrayBuffer),
            );
          written++;
        }
      };
      for (const worker of workers) {
        worker.on("message", (reply: WorkerReply) => {
          done.set(reply.id, reply);
          idle.push(worker);
          flush();
          pump();
        });
        worker.on("error", reject);
        for (let k = 0; k < perWorker; k++) idle.push(worker);
      }
      pump();
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return stats;
}
