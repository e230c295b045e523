/**
 * The `strings` text output without JS strings: /proc/PID/mem is read straight into the memory of
 * a WebAssembly module (strings-wasm.ts, SIMD) that finds printable ASCII runs and writes
 * "ADDRESS LABEL TEXT\n" lines; JS only reads, copies the lines out and writes them. Work is cut
 * into jobs (1 MiB) that each own the runs that START inside them (a job peeks one byte back, and
 * reads on past its end to finish a run), so jobs can run in worker threads and be written in order.
 */
import fs from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { LAYOUT_END, RESULT_LINES, RESULT_TAIL, STRINGS_WASM } from "./strings-wasm.js";

/**
 * The worker script: beside this file in the tsc output (dist/memory/), and beside the bundle
 * (dist/bin/); undefined when running from TypeScript sources.
 */
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
  /** The job's lines: the first `length` bytes, in a buffer of its own (transferable to another thread). */
  readonly output: Uint8Array;
  readonly length: number;
  readonly holes: number;
  /** Strings written. */
  readonly lines: number;
  /** The process's memory was gone (read returned 0). */
  readonly exited: boolean;
}

const PAGE = 4096;
const DEFAULT_JOB_SIZE = 1024 * 1024;
/** Worst-case output a job may need (see asciiJobs): bounds the module's memory. */
const MAX_JOB_OUTPUT = 32 * 1024 * 1024;
const WASM_PAGE = 65536;
/** Bytes after a span the scan may touch (it zeroes them as the bitmap's stop): see the generator. */
const SPAN_SLACK = 256;

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

/** Output bytes a span of n bytes can need at most: every run as short as allowed, every byte a tab. */
function worstOutput(n: number, min: number, labelLength: number): number {
  // Per line: 14 address digits (below 2^53), the label, the newline; spans split at pages add a run each.
  const lines = Math.floor(n / (min + 1)) + Math.ceil(n / PAGE) + 2;
  return 2 * n + lines * (15 + labelLength) + 64;
}

const roundUp = (n: number, to: number) => Math.ceil(n / to) * to;

interface ScanExports {
  readonly memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  scan(
    input: number,
    n: number,
    peek: number,
    min: number,
    base: number,
    label: number,
    labelLength: number,
    bitmap: number,
    out: number,
  ): number;
}

// @types/node 20 does not declare WebAssembly; this is the part used here.
const wasm = (
  globalThis as unknown as {
    WebAssembly?: {
      Module: new (bytes: Uint8Array) => object;
      Instance: new (module: object, imports: object) => { exports: ScanExports };
    };
  }
).WebAssembly;
let compiled: object | null | undefined;

function compiledModule(): object | null {
  if (compiled === undefined) {
    try {
      compiled = wasm ? new wasm.Module(Buffer.from(STRINGS_WASM, "base64")) : null;
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/** False where this Node has no WebAssembly with SIMD (--jitless, or a CPU without SSE4.1). */
export function asciiScanAvailable(): boolean {
  return compiledModule() !== null;
}

/** One module instance, its memory laid out for jobs up to a size: a label, input slots, a bitmap, the output. */
class Scanner {
  readonly exports: ScanExports;
  readonly bytes: Uint8Array;
  readonly results: Int32Array;
  readonly label: number;
  readonly slots: readonly number[];
  readonly bitmap: number;
  readonly out: number;
  labelOf: Uint8Array | undefined;

  constructor(
    readonly maxSpan: number,
    readonly maxLabel: number,
    readonly outCapacity: number,
    slotCount: number,
  ) {
    const module = compiledModule();
    if (!wasm || !module) throw new Error("strings: WebAssembly with SIMD is not available (check asciiScanAvailable() first)");
    this.exports = new wasm.Instance(module, {}).exports;
    this.label = LAYOUT_END;
    const slotSize = roundUp(maxSpan + SPAN_SLACK, 64);
    let at = roundUp(this.label + maxLabel + 16, 64);
    const slots: number[] = [];
    for (let s = 0; s < slotCount; s++, at += slotSize) slots.push(at);
    this.slots = slots;
    this.bitmap = at;
    this.out = roundUp(this.bitmap + slotSize / 8 + 64, 64);
    const size = this.out + outCapacity;
    const memory = this.exports.memory;
    memory.grow(Math.ceil(size / WASM_PAGE) - memory.buffer.byteLength / WASM_PAGE);
    // The memory never grows again, so these views stay valid (reads in flight rely on it).
    this.bytes = new Uint8Array(memory.buffer);
    this.results = new Int32Array(memory.buffer, 0, 2);
  }

  fits(maxSpan: number, maxLabel: number, outCapacity: number, slotCount: number): boolean {
    return this.maxSpan >= maxSpan && this.maxLabel >= maxLabel && this.outCapacity >= outCapacity && this.slots.length >= slotCount;
  }

  setLabel(label: Uint8Array): void {
    if (this.labelOf === label) return;
    this.bytes.set(label, this.label);
    this.labelOf = label;
  }
}

let cachedScanner: Scanner | undefined;

/** A scanner big enough for these jobs (reused when the last one is). */
function scannerFor(jobs: readonly AsciiJob[], slotCount: number): Scanner {
  let maxSpan = 0;
  let maxLabel = 0;
  let outCapacity = 0;
  for (const job of jobs) {
    // Read: the job and the page before it (see readFrom); scanned: the job and one byte before.
    maxSpan = Math.max(maxSpan, job.end - job.start + PAGE);
    maxLabel = Math.max(maxLabel, job.label.length);
    outCapacity = Math.max(outCapacity, worstOutput(job.end - job.start + 1, job.min, job.label.length));
  }
  if (!cachedScanner?.fits(maxSpan, maxLabel, outCapacity, slotCount))
    cachedScanner = new Scanner(maxSpan, maxLabel, outCapacity, slotCount);
  return cachedScanner;
}

/** A job's bytes read ahead into an input slot, from readFrom(). */
interface Preread {
  readonly length: number;
}

function peekOf(job: AsciiJob, start: number): number {
  return start > job.rangeStart ? 1 : 0;
}

/** A job's output so far: the scanner's output area up to `end`, and the lines of runs read on past a span. */
interface JobOutput {
  /** Where the module writes next. */
  end: number;
  /** Each read-on line, and the offset in the output area it goes before (in order). */
  readonly tails: { readonly at: number; readonly bytes: Buffer }[];
  lines: number;
  holes: number;
}

/** "ADDRESS LABEL TEXT\n" for a run read on past its span (rare: at most one per span). */
function tailLine(address: number, label: Uint8Array, pieces: readonly Uint8Array[]): Buffer {
  const text = Buffer.concat(pieces);
  let tabs = 0;
  for (const byte of text) if (byte === 9) tabs++;
  const head = Buffer.from(address.toString(16), "latin1");
  const line = Buffer.allocUnsafe(head.length + label.length + text.length + tabs + 1);
  let o = head.copy(line, 0);
  line.set(label, o);
  o += label.length;
  for (const byte of text) {
    if (byte === 9) {
      line[o++] = 92;
      line[o++] = 116;
    } else line[o++] = byte;
  }
  line[o] = 10;
  return line;
}

/**
 * Where a span's read starts: at the page boundary before its first byte (or the byte before it,
 * with peek). /proc/PID/mem copies page by page, and a read that starts mid-page touches two
 * pages per copy: reading one page more at a boundary costs a third of reading one byte more.
 */
function readFrom(start: number, peek: number): number {
  return Math.floor((start - peek) / PAGE) * PAGE;
}

/**
 * Scans [start, end) (a whole job, or one page of a job that hit an unreadable page) from input
 * slot `slot`. Returns false when the process is gone.
 */
function scanSpan(
  fd: number,
  job: AsciiJob,
  start: number,
  end: number,
  scanner: Scanner,
  slot: number,
  out: JobOutput,
  pre?: Preread,
): boolean {
  const { min, label } = job;
  const bytes = scanner.bytes;
  const slotAt = scanner.slots[slot] as number;
  let peek = peekOf(job, start);
  let from = readFrom(start, peek);
  // Read-ahead data is used only when complete; anything odd is redone synchronously below.
  let got = pre !== undefined && pre.length === end - from ? pre.length : readAt(fd, bytes, slotAt, end - from, from);
  if (got === 0) return false;
  if (got <= start - from && peek === 1) {
    // The byte before may be unreadable (a hole just ended): count it as a run boundary.
    peek = 0;
    from = readFrom(start, 0);
    got = readAt(fd, bytes, slotAt, end - from, from);
    if (got === 0) return false;
  }
  if (got <= start - from) {
    // Nothing of the span could be read.
    if (end - start <= PAGE) {
      out.holes++;
      return true;
    }
    return scanPages(fd, job, start, end, scanner, slot, out);
  }
  const base = start - peek;
  const input = slotAt + (base - from);
  const n = got - (base - from);
  scanner.setLabel(label);
  out.end = scanner.exports.scan(input, n, peek, min, base, scanner.label, label.length, scanner.bitmap, out.end);
  out.lines += scanner.results[RESULT_LINES / 4] as number;
  const tail = scanner.results[RESULT_TAIL / 4] as number;
  if (tail >= 0) readOn(fd, job, base + tail, bytes.slice(input + tail, input + n), out);
  // A short read stopped at an unreadable page: go on page by page from there.
  return from + got >= end || scanPages(fd, job, from + got, end, scanner, slot, out);
}

/** Scans page by page, where some pages are unreadable (rare: file tails, [vvar]). */
function scanPages(fd: number, job: AsciiJob, start: number, end: number, scanner: Scanner, slot: number, out: JobOutput): boolean {
  for (let page = start; page < end; page += PAGE)
    if (!scanSpan(fd, job, page, Math.min(end, page + PAGE), scanner, slot, out)) return false;
  return true;
}

/** A run that reaches the end of its span: reads on until it ends (or the range does) and writes it if long enough. */
function readOn(fd: number, job: AsciiJob, address: number, head: Uint8Array, out: JobOutput): void {
  const pieces: Uint8Array[] = [head];
  let length = head.length;
  let position = address + head.length;
  const extra = new Uint8Array(PAGE);
  let done = false;
  while (!done && position < job.rangeEnd) {
    const got = readAt(fd, extra, 0, Math.min(PAGE, job.rangeEnd - position), position);
    if (got <= 0) break;
    let k = 0;
    while (k < got && (((extra[k] as number) >= 0x20 && (extra[k] as number) < 0x7f) || extra[k] === 9)) k++;
    // A copy (Uint8Array#slice; Buffer#slice would be a view of the reused page).
    if (k > 0) pieces.push(extra.slice(0, k));
    length += k;
    position += k;
    done = k < got;
  }
  if (length < job.min) return;
  out.tails.push({ at: out.end, bytes: tailLine(address, job.label, pieces) });
  out.lines++;
}

/**
 * Runs a job; the output is copied into `spare` when it fits (a buffer already written: its pages
 * are mapped, where a fresh one costs a page fault per 4 KiB), else into a new buffer with room to spare.
 */
function runJob(fd: number, job: AsciiJob, scanner: Scanner, slot: number, pre?: Preread, spare?: Uint8Array): JobResult {
  const out: JobOutput = { end: scanner.out, tails: [], lines: 0, holes: 0 };
  const alive = scanSpan(fd, job, job.start, job.end, scanner, slot, out, pre);
  let length = out.end - scanner.out;
  for (const tail of out.tails) length += tail.bytes.length;
  // A copy the caller owns: the output area is reused by the next job.
  const output =
    spare === undefined
      ? Buffer.allocUnsafeSlow(length)
      : spare.length >= length
        ? spare
        : Buffer.allocUnsafeSlow(Math.max(length, 2 * spare.length));
  let from = scanner.out;
  let o = 0;
  for (const tail of out.tails) {
    output.set(scanner.bytes.subarray(from, tail.at), o);
    o += tail.at - from;
    from = tail.at;
    output.set(tail.bytes, o);
    o += tail.bytes.length;
  }
  output.set(scanner.bytes.subarray(from, out.end), o);
  return { output, length, lines: out.lines, holes: out.holes, exited: !alive };
}

/** Runs one job on `fd` (a /proc/PID/mem opened by this process). */
export function runAsciiJob(fd: number, job: AsciiJob): JobResult {
  return runJob(fd, job, scannerFor([job], 1), 0);
}

/**
 * Splits selected ranges into jobs of `jobSize` bytes (addresses above 2^53 are left out). Jobs
 * are smaller where a long label and a small minimum would let the worst-case output of a job
 * pass MAX_JOB_OUTPUT.
 */
export function asciiJobs(
  ranges: readonly { readonly start: bigint; readonly end: bigint; readonly label: string }[],
  min: number,
  jobSize = DEFAULT_JOB_SIZE,
): AsciiJob[] {
  const jobs: AsciiJob[] = [];
  for (const range of ranges) {
    if (range.end > BigInt(Number.MAX_SAFE_INTEGER)) continue;
    const rangeStart = Number(range.start);
    const rangeEnd = Number(range.end);
    const label = Uint8Array.from(Buffer.from(` ${range.label} `, "latin1"));
    let size = jobSize;
    while (size > PAGE && worstOutput(size + 1, min, label.length) > MAX_JOB_OUTPUT) size = Math.max(PAGE, roundUp(size / 2, PAGE));
    for (let start = rangeStart; start < rangeEnd; start += size)
      jobs.push({ start, end: Math.min(rangeEnd, start + size), rangeStart, rangeEnd, label, min });
  }
  return jobs;
}

export interface WriteStringsStats {
  strings: number;
  holes: number;
  bytes: number;
  exited: boolean;
}

/** What a strings worker posts back for a job. */
export interface WorkerReply {
  readonly id: number;
  readonly result?: JobResult;
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
  const take = (job: AsciiJob, result: JobResult) => {
    stats.strings += result.lines;
    stats.holes += result.holes;
    stats.bytes += job.end - job.start;
    if (result.exited) stats.exited = true;
    return result.length > 0 ? write(result.output.subarray(0, result.length)) : undefined;
  };
  if (options.workers <= 0 || jobs.length < 2 || !options.workerUrl) {
    // The next job's bytes are read on the thread pool (into the other input slot) while this
    // one is scanned.
    const scanner = scannerFor(jobs, 2);
    const readAhead = (index: number): Promise<Preread | undefined> => {
      const job = jobs[index];
      if (!job) return Promise.resolve(undefined);
      const from = readFrom(job.start, peekOf(job, job.start));
      return new Promise((resolve) =>
        fs.read(fd, scanner.bytes, scanner.slots[index % 2] as number, job.end - from, from, (error, n) =>
          resolve(error ? undefined : { length: n }),
        ),
      );
    };
    let ahead = readAhead(0);
    // An output buffer whose write has finished: reusing it saves mapping fresh pages for every job.
    let spare: Uint8Array | undefined = Buffer.allocUnsafeSlow(DEFAULT_JOB_SIZE);
    for (let i = 0; i < jobs.length && !stats.exited; i++) {
      const pre = await ahead;
      if (options.signal?.aborted) break;
      ahead = readAhead(i + 1);
      const job = jobs[i] as AsciiJob;
      const result = runJob(fd, job, scanner, i % 2, pre, spare);
      spare = undefined;
      // A returned promise is backpressure, and says when the bytes have been written.
      const drained = take(job, result);
      if (drained) {
        await drained;
        spare = result.output;
      }
    }
    await ahead;
    return stats;
  }
  // Workers and this thread share the jobs: a worker is kept two jobs ahead; this thread runs the
  // next job itself whenever the oldest unwritten one is not ready yet.
  type Thread = InstanceType<typeof Worker>;
  const workers = Array.from({ length: options.workers }, () => new Worker(options.workerUrl as URL));
  const scanner = scannerFor(jobs, 1);
  const results = new Map<number, JobResult | Promise<JobResult>>();
  const waiters = new Map<number, { resolve(result: JobResult): void; reject(error: Error): void }>();
  const queued = new Map<Thread, number>();
  const dispatch = (worker: Thread, id: number) => {
    queued.set(worker, (queued.get(worker) ?? 0) + 1);
    const result = new Promise<JobResult>((resolve, reject) => waiters.set(id, { resolve, reject }));
    // Rejections are seen when the job's turn comes; a job never waited for must not crash the process.
    result.catch(() => undefined);
    results.set(id, result);
    worker.postMessage({ id, fd, job: jobs[id] });
  };
  for (const worker of workers) {
    worker.on("message", (reply: WorkerReply) => {
      queued.set(worker, (queued.get(worker) ?? 1) - 1);
      const waiter = waiters.get(reply.id);
      waiters.delete(reply.id);
      if (reply.result) waiter?.resolve(reply.result);
      else waiter?.reject(new Error(`strings worker failed: ${reply.error}`));
    });
    worker.on("error", (error) => {
      for (const waiter of waiters.values()) waiter.reject(error);
      waiters.clear();
    });
  }
  // At most this many jobs between the oldest unwritten one and the newest started, so results
  // cannot pile up in memory.
  const window = (workers.length + 1) * 4;
  let next = 0;
  try {
    for (let written = 0; written < jobs.length && !stats.exited && !options.signal?.aborted; written++) {
      for (;;) {
        for (const worker of workers)
          while ((queued.get(worker) ?? 0) < 2 && next < jobs.length && next < written + window) dispatch(worker, next++);
        const oldest = results.get(written);
        if ((oldest !== undefined && !(oldest instanceof Promise)) || next >= jobs.length || next >= written + window) break;
        results.set(next, runJob(fd, jobs[next] as AsciiJob, scanner, 0));
        next++;
      }
      const result = await results.get(written);
      results.delete(written);
      if (result === undefined) break;
      const drained = take(jobs[written] as AsciiJob, result);
      if (drained) await drained;
    }
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return stats;
}
