/**
 * Writing to a live process's memory through /proc/PID/mem, done safely: preview by default;
 * when applied, the process is checked to be the same one (pid + start time), frozen, the old
 * bytes are journaled before the write, the write is read back, and the process is thawed.
 * `undo` restores journaled bytes by compare-and-swap.
 *
 * The kernel lets /proc/PID/mem write pages the process itself cannot (FOLL_FORCE: read-only
 * data, code), unless the boot option proc_mem.force_override says otherwise; that is why a
 * non-writable mapping needs `force`. A shared mapping carries the write to the file on disk and
 * to every process mapping it, so it needs `allowShared`. [vvar], [vsyscall] and device mappings
 * are never written.
 */
import type { ProcFs, RawFile } from "../access/proc-fs.js";
import { Conflict, InvalidArgument, NotFound, ProcError, ProcessGone, Unavailable } from "../errors.js";
import { sameProcess } from "../model/ref.js";
import { parsePidMaps, type Region } from "../procfs/pid/maps.js";
import { type Frozen, freezeProcess } from "./freeze.js";
import { defaultJournalPath, type JournalWriter, openJournal, readJournal } from "./journal.js";
import { openProcessMemory, type ProcessMemory, readRegion } from "./reader.js";
import { DEFAULT_SELECTOR, type RegionSelector, selectRegions } from "./regions.js";

/** Largest single write or replacement accepted. */
export const MAX_WRITE_LENGTH = 1024 * 1024;

/** One write, planned or done. */
export interface PlannedWrite {
  readonly address: bigint;
  /** What memory held (at preview time, or at write time once frozen). */
  readonly old: Buffer;
  readonly new: Buffer;
  readonly region: Region;
  /**
   * preview: nothing changed. written: written and read back equal. skipped: memory no longer
   * held the expected bytes when we came to write (see `reason`).
   */
  readonly status: "preview" | "written" | "skipped";
  readonly reason?: string;
  /** Journal sequence number, once written. */
  readonly seq?: number;
}

export interface WritePolicy {
  /** Allow writing mappings without "w" (the kernel forces the write through). */
  readonly force?: boolean;
  /** Allow writing shared ("s") mappings: the change reaches the file and every process mapping it. */
  readonly allowShared?: boolean;
}

export interface WriteOptions extends WritePolicy {
  /** Really write. Default false: a preview that changes nothing. */
  readonly apply?: boolean;
  /** Freeze the process (SIGSTOP … SIGCONT) for the write. Default true. */
  readonly stop?: boolean;
  /** Journal file, or a function naming it from the identity; default defaultJournalPath({}, pid, startTimeTicks) (under the home directory). */
  readonly journal?: string | ((pid: number, startTimeTicks: number) => string);
  /** Refuse unless the process still has this start time (a PID kept from earlier). */
  readonly startTimeTicks?: number;
  readonly signal?: AbortSignal;
  /** How long to wait for the process to stop. Default 2000 ms. */
  readonly freezeTimeoutMs?: number;
}

export interface WriteResult {
  readonly pid: number;
  readonly startTimeTicks: number;
  readonly comm: string;
  /** False for a preview. */
  readonly applied: boolean;
  readonly writes: readonly PlannedWrite[];
  /** Journal path when applied. */
  readonly journal: string | null;
  /** frozen: stopped for the write and continued; was-stopped: left stopped; not-stopped: --no-stop; null for a preview. */
  readonly freeze: "frozen" | "was-stopped" | "not-stopped" | null;
}

/** A request: put `bytes` at `address`; with `expect`, only if memory still holds it (replace). */
export interface WriteRequest {
  readonly address: bigint;
  readonly bytes: Uint8Array;
  readonly expect?: Uint8Array;
}

const hex = (n: bigint): string => `0x${n.toString(16)}`;

/**
 * The mapping that holds all of [address, address + length), or an error that says why not:
 * NotFound (unmapped), InvalidArgument (crosses into another mapping, or a mapping we refuse).
 */
export function checkWriteTarget(regions: readonly Region[], pid: number, address: bigint, length: number, policy: WritePolicy): Region {
  const end = address + BigInt(length);
  const region = regions.find((r) => r.start <= address && address < r.end);
  if (!region) throw new NotFound(`${hex(address)} is not mapped in process ${pid}`);
  if (end > region.end) {
    const next = regions.find((r) => r.start <= region.end && region.end < r.end);
    throw new InvalidArgument(
      `${hex(address)}+${length} crosses the end of its mapping at ${hex(region.end)} (${region.label})${
        next ? ` into ${next.label}` : " into unmapped memory"
      }: a write must lie inside one mapping`,
    );
  }
  if (region.kind === "vvar" || region.kind === "vsyscall")
    throw new InvalidArgument(`refusing to write ${region.path}: it is kernel-provided data shared with the kernel`);
  if (region.kind === "device")
    throw new InvalidArgument(`refusing to write a device mapping (${region.path}): writes reach the device, not memory`);
  if (region.shared && !policy.allowShared)
    throw new InvalidArgument(
      `${hex(address)} is in a shared mapping (${region.label}, ${region.perms}): the write would change the file and every process mapping it`,
      { option: "allowShared" },
    );
  if (!region.writable && !policy.force)
    throw new InvalidArgument(
      `${hex(address)} is in a non-writable mapping (${region.label}, ${region.perms}): writing it needs force (the kernel lets /proc/PID/mem write read-only pages)`,
      { option: "force" },
    );
  return region;
}

function requireLive(procFs: ProcFs): void {
  if (!procFs.isLive) throw new Unavailable(`"${procFs.root}" is not the kernel's /proc: memory can only be written in a live system`);
}

/** Reads exactly `length` bytes or throws: Unavailable (EIO) or ProcessGone (read of 0). */
function readExact(memory: ProcessMemory, address: bigint, length: number): Buffer {
  const buffer = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    let n: number;
    try {
      n = memory.mem.read(buffer, done, length - done, address + BigInt(done));
    } catch (error) {
      if (error instanceof ProcError && error.kind === "Unavailable")
        throw new Unavailable(`cannot read ${hex(address + BigInt(done))} in process ${memory.pid}: the kernel refused (EIO)`, {
          cause: error,
        });
      throw error;
    }
    if (n === 0) throw new ProcessGone(memory.pid);
    done += n;
  }
  return buffer;
}

/** Why the kernel may refuse a forced write, from the boot command line. */
function forceOverrideNote(procFs: ProcFs): string {
  let cmdline = "";
  try {
    if (procFs.isLive) cmdline = procFs.readText("cmdline");
  } catch {
    cmdline = "";
  }
  const match = /(?:^|\s)proc_mem\.force_override=(\S+)/.exec(cmdline);
  if (match)
    return `the kernel forbids forced writes to read-only memory through /proc/PID/mem (boot option proc_mem.force_override=${match[1]})`;
  return "the kernel refused the forced write (it may be built with CONFIG_PROC_MEM_NO_FORCE or booted with proc_mem.force_override=never)";
}

function writeExact(procFs: ProcFs, memory: ProcessMemory, region: Region, address: bigint, bytes: Uint8Array): void {
  const mem: RawFile = memory.mem;
  let done = 0;
  while (done < bytes.length) {
    let n: number;
    try {
      n = mem.write(bytes, done, bytes.length - done, address + BigInt(done));
    } catch (error) {
      if (error instanceof ProcError && (error.kind === "ProcessGone" || error.kind === "AccessDenied")) throw error;
      if (!region.writable) throw new Unavailable(`cannot write ${hex(address)} in process ${memory.pid}: ${forceOverrideNote(procFs)}`);
      throw new Unavailable(`cannot write ${hex(address)} in process ${memory.pid}: ${error instanceof Error ? error.message : error}`, {
        cause: error,
      });
    }
    if (n === 0) throw new ProcessGone(memory.pid);
    done += n;
  }
}

function checkIdentity(memory: ProcessMemory, startTimeTicks: number | undefined): void {
  if (startTimeTicks !== undefined && !sameProcess(memory, { pid: memory.pid, startTimeTicks }))
    throw new ProcessGone(memory.pid, { reused: true });
}

async function freezeFor(memory: ProcessMemory, options: WriteOptions): Promise<{ frozen: Frozen | null; freeze: WriteResult["freeze"] }> {
  if (options.stop === false) return { frozen: null, freeze: "not-stopped" };
  const frozen = await freezeProcess(memory.dir, memory.startTimeTicks, {
    ...(options.freezeTimeoutMs === undefined ? {} : { timeoutMs: options.freezeTimeoutMs }),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return { frozen, freeze: frozen.wasStopped ? "was-stopped" : "frozen" };
}

/**
 * The heart of writeMemory and replace: plan against the current maps; when applying, freeze,
 * re-read the maps and bytes, journal, write, verify, thaw.
 */
async function performWrites(
  procFs: ProcFs,
  memory: ProcessMemory,
  requests: readonly WriteRequest[],
  options: WriteOptions,
): Promise<WriteResult> {
  for (const request of requests) {
    if (request.bytes.length === 0) throw new InvalidArgument("nothing to write: the new bytes are empty");
    if (request.bytes.length > MAX_WRITE_LENGTH)
      throw new InvalidArgument(`${request.bytes.length} bytes is too large: write at most ${MAX_WRITE_LENGTH} bytes at once`);
    checkWriteTarget(memory.regions, memory.pid, request.address, request.bytes.length, options);
  }
  const base = { pid: memory.pid, startTimeTicks: memory.startTimeTicks, comm: memory.comm };
  if (!options.apply) {
    const writes = requests.map((request): PlannedWrite => {
      const region = checkWriteTarget(memory.regions, memory.pid, request.address, request.bytes.length, options);
      return {
        address: request.address,
        old: readExact(memory, request.address, request.bytes.length),
        new: Buffer.from(request.bytes),
        region: region,
        status: "preview",
      };
    });
    return { ...base, applied: false, writes, journal: null, freeze: null };
  }
  const journalPath =
    typeof options.journal === "string"
      ? options.journal
      : (options.journal ?? ((pid: number, start: number) => defaultJournalPath({}, pid, start)))(memory.pid, memory.startTimeTicks);
  const journal: JournalWriter = openJournal(journalPath, base);
  const writes: PlannedWrite[] = [];
  let frozenState: { frozen: Frozen | null; freeze: WriteResult["freeze"] } | undefined;
  try {
    frozenState = await freezeFor(memory, options);
    // The map may have changed while the process ran: check against the current one.
    const regions = memory.dir.parse("maps", parsePidMaps);
    for (const request of requests) {
      const region = checkWriteTarget(regions, memory.pid, request.address, request.bytes.length, options);
      const newBytes = Buffer.from(request.bytes);
      // Compare all of the text searched for, even when NEW is shorter than it (no --pad).
      const current = readExact(memory, request.address, Math.max(newBytes.length, request.expect?.length ?? 0));
      const old = current.subarray(0, newBytes.length);
      if (request.expect && !current.subarray(0, request.expect.length).equals(request.expect)) {
        writes.push({
          address: request.address,
          old,
          new: newBytes,
          region: region,
          status: "skipped",
          reason: "memory changed since the search: it no longer holds the old text",
        });
        continue;
      }
      const seq = journal.nextSeq();
      journal.append({
        op: "write",
        seq,
        time: new Date().toISOString(),
        address: request.address,
        old,
        new: newBytes,
        region: region.path ?? region.label,
      });
      try {
        writeExact(procFs, memory, region, request.address, newBytes);
      } catch (error) {
        // Nothing (or not all) was written: undo must not count on this entry.
        journal.append({ op: "abort", seq, reason: error instanceof Error ? error.message : String(error) });
        throw error;
      }
      // Written: the entry stays in the journal even if the check fails, so undo can still
      // compare-and-swap it back.
      const after = readExact(memory, request.address, newBytes.length);
      if (!after.equals(newBytes))
        throw new Conflict(
          `wrote ${hex(request.address)} in process ${memory.pid} but reading it back gives different bytes (the process changed them?); the journal "${journal.path}" still has the old bytes`,
        );
      writes.push({ address: request.address, old, new: newBytes, region: region, status: "written", seq });
    }
  } finally {
    frozenState?.frozen?.thaw();
    journal.close();
  }
  return { ...base, applied: true, writes, journal: journal.path, freeze: frozenState?.freeze ?? null };
}

/**
 * Writes `bytes` at `address` of process `pid` — or, without `apply`, previews it.
 * await writeMemory(openProcFs(), 42, 0x5581a0n, Buffer.from("HELLO"), { apply: true, journal: "/tmp/j.jsonl" })
 */
export async function writeMemory(
  procFs: ProcFs,
  pid: number,
  address: bigint,
  bytes: Uint8Array,
  options: WriteOptions = {},
): Promise<WriteResult> {
  requireLive(procFs);
  const memory = openProcessMemory(procFs, pid, { write: options.apply === true });
  try {
    checkIdentity(memory, options.startTimeTicks);
    return await performWrites(procFs, memory, [{ address, bytes }], options);
  } finally {
    memory.close();
  }
}

export interface ReplaceOptions extends WriteOptions {
  /** Regions to search; default: writable private regions. */
  readonly region?: RegionSelector;
  /** Allow NEW longer than OLD (it overwrites the bytes after OLD). */
  readonly allowLonger?: boolean;
  /** Fill a shorter NEW with NUL bytes up to OLD's length. */
  readonly pad?: boolean;
  /** Replace at most this many occurrences (the first ones by address). */
  readonly max?: number;
}

export interface ReplaceResult extends WriteResult {
  /** Occurrences of OLD found in the selected regions. */
  readonly found: number;
  /** Regions searched. */
  readonly searched: number;
}

/** Start addresses of `needle` in the selected parts of the process's memory, non-overlapping. */
async function findAll(
  memory: ProcessMemory,
  selector: RegionSelector,
  needle: Buffer,
  max: number,
  signal: AbortSignal | undefined,
): Promise<{ addresses: bigint[]; searched: number }> {
  const selected = selectRegions(memory.regions, selector, memory.pid).filter(
    (s) => s.region.kind !== "vvar" && s.region.kind !== "vsyscall",
  );
  const addresses: bigint[] = [];
  const buffer = Buffer.allocUnsafe(1024 * 1024 + needle.length);
  let searched = 0;
  for (const part of selected) {
    searched++;
    let nextFree = part.start;
    for await (const piece of readRegion(memory.mem, part.start, part.end, {
      overlap: needle.length - 1,
      buffer,
      pid: memory.pid,
      ...(signal ? { signal } : {}),
    })) {
      if (piece.kind === "hole") continue;
      for (let i = piece.bytes.indexOf(needle); i !== -1; i = piece.bytes.indexOf(needle, i + 1)) {
        const address = piece.address + BigInt(i);
        if (address < nextFree) continue;
        addresses.push(address);
        nextFree = address + BigInt(needle.length);
        if (addresses.length >= max) return { addresses, searched };
      }
    }
  }
  return { addresses, searched };
}

/**
 * Finds OLD in the process's memory and replaces each occurrence with NEW — or, without `apply`,
 * previews the replacements. NEW longer than OLD needs `allowLonger`; `pad` fills a shorter NEW with NUL.
 * await replace(openProcFs(), 42, Buffer.from("hello"), Buffer.from("HELLO"), { apply: true })
 */
export async function replace(
  procFs: ProcFs,
  pid: number,
  oldBytes: Uint8Array,
  newBytes: Uint8Array,
  options: ReplaceOptions = {},
): Promise<ReplaceResult> {
  if (oldBytes.length === 0) throw new InvalidArgument("the text to replace is empty");
  if (newBytes.length === 0 && !options.pad)
    throw new InvalidArgument("the new text is empty (pad overwrites the old text with NUL bytes)", { option: "pad" });
  if (newBytes.length > oldBytes.length && !options.allowLonger)
    throw new InvalidArgument(
      `the new text (${newBytes.length} bytes) is longer than the old (${oldBytes.length} bytes): it would overwrite what follows`,
      { option: "allowLonger" },
    );
  if (options.max !== undefined && !(Number.isSafeInteger(options.max) && options.max > 0))
    throw new InvalidArgument(`max must be a positive whole number, got ${options.max}`);
  requireLive(procFs);
  const bytes = Buffer.alloc(Math.max(newBytes.length, options.pad ? oldBytes.length : 0));
  Buffer.from(newBytes).copy(bytes);
  const memory = openProcessMemory(procFs, pid, { write: options.apply === true });
  try {
    checkIdentity(memory, options.startTimeTicks);
    const needle = Buffer.from(oldBytes);
    const { addresses, searched } = await findAll(
      memory,
      options.region ?? DEFAULT_SELECTOR,
      needle,
      options.max ?? Number.POSITIVE_INFINITY,
      options.signal,
    );
    if (addresses.length === 0) {
      const where = options.region ? `regions "${options.region.text}"` : "its writable private regions";
      throw new NotFound(`${JSON.stringify(needle.toString("latin1"))} was not found in ${where} of process ${pid}`);
    }
    const requests = addresses.map((address) => ({ address, bytes, expect: needle }));
    const result = await performWrites(procFs, memory, requests, options);
    return { ...result, found: addresses.length, searched };
  } finally {
    memory.close();
  }
}

export interface UndoOptions {
  /** Restore even where memory no longer holds what was written. */
  readonly force?: boolean;
  /** Freeze the process for the restore. Default true. */
  readonly stop?: boolean;
  readonly signal?: AbortSignal;
  readonly freezeTimeoutMs?: number;
}

export interface UndoEntryResult {
  readonly seq: number;
  readonly address: bigint;
  readonly old: Buffer;
  readonly new: Buffer;
  /** What memory held before the undo; null if it could not be read. */
  readonly current: Buffer | null;
  /** restored; forced (restored over a conflict with force); conflict (refused); skipped (aborted write, nothing to undo). */
  readonly status: "restored" | "forced" | "conflict" | "skipped";
  readonly reason?: string;
}

export interface UndoResult {
  readonly pid: number;
  readonly startTimeTicks: number;
  readonly journal: string;
  /** Newest first, the order in which they were restored. */
  readonly entries: readonly UndoEntryResult[];
  readonly restored: number;
  readonly conflicts: number;
  readonly freeze: "frozen" | "was-stopped" | "not-stopped";
}

/**
 * Puts back the bytes a journal recorded, newest write first, only where memory still holds what
 * was written (compare-and-swap); other entries are reported as conflicts (or overwritten with
 * `force`). Refuses when the journal's process (pid + start time) is gone or its PID reused.
 * const result = await undo(openProcFs(), "~/.local/state/procscope/journal-42-1234.jsonl")
 */
export async function undo(procFs: ProcFs, journalPath: string, options: UndoOptions = {}): Promise<UndoResult> {
  requireLive(procFs);
  const contents = readJournal(journalPath);
  const { header } = contents;
  if (contents.truncatedTail)
    throw new Conflict(`journal "${contents.path}" ends with a cut-off line: the last write may not be recorded; check it by hand`);
  let memory: ProcessMemory;
  try {
    memory = openProcessMemory(procFs, header.pid, { write: true });
  } catch (error) {
    if (error instanceof ProcError && error.kind === "ProcessGone")
      throw new ProcessGone(header.pid, { cause: error, path: contents.path });
    throw error;
  }
  try {
    if (memory.startTimeTicks !== header.startTimeTicks) {
      throw new ProcessGone(header.pid, { reused: true, path: contents.path });
    }
    const results: UndoEntryResult[] = [];
    const journal = openJournal(contents.path, header);
    let frozenState: { frozen: Frozen | null; freeze: WriteResult["freeze"] } | undefined;
    try {
      frozenState = await freezeFor(memory, options);
      const regions = memory.dir.parse("maps", parsePidMaps);
      for (const entry of [...contents.entries].reverse()) {
        const base = { seq: entry.seq, address: entry.address, old: entry.old, new: entry.new };
        if (entry.aborted) {
          results.push({ ...base, current: null, status: "skipped", reason: "the write failed: nothing to undo" });
          continue;
        }
        if (entry.undone) {
          // A journal used again (replace, undo, replace, undo): this write was put back already.
          results.push({ ...base, current: null, status: "skipped", reason: "undone before" });
          continue;
        }
        let region: Region;
        let current: Buffer;
        try {
          region = checkWriteTarget(regions, memory.pid, entry.address, entry.old.length, { force: true, allowShared: true });
          current = readExact(memory, entry.address, entry.old.length);
        } catch (error) {
          if (error instanceof ProcError && error.kind === "ProcessGone") throw error;
          results.push({ ...base, current: null, status: "conflict", reason: error instanceof Error ? error.message : String(error) });
          continue;
        }
        let status: UndoEntryResult["status"] = "restored";
        let reason: string | undefined;
        if (!current.equals(entry.new)) {
          const why = current.equals(entry.old)
            ? `memory already holds the old bytes${entry.undone ? " (undone before)" : ""}`
            : "memory no longer holds what was written";
          if (!options.force) {
            results.push({ ...base, current, status: "conflict", reason: why });
            continue;
          }
          status = "forced";
          reason = why;
        }
        try {
          writeExact(procFs, memory, region, entry.address, entry.old);
          const after = readExact(memory, entry.address, entry.old.length);
          if (!after.equals(entry.old)) throw new Conflict("reading it back gives different bytes");
        } catch (error) {
          if (error instanceof ProcError && error.kind === "ProcessGone") throw error;
          results.push({ ...base, current, status: "conflict", reason: error instanceof Error ? error.message : String(error) });
          continue;
        }
        journal.append({ op: "undo", seq: entry.seq, time: new Date().toISOString(), forced: status === "forced" });
        results.push({ ...base, current, status, ...(reason === undefined ? {} : { reason }) });
      }
    } finally {
      frozenState?.frozen?.thaw();
      journal.close();
    }
    return {
      pid: header.pid,
      startTimeTicks: header.startTimeTicks,
      journal: contents.path,
      entries: results,
      restored: results.filter((r) => r.status === "restored" || r.status === "forced").length,
      conflicts: results.filter((r) => r.status === "conflict").length,
      freeze: frozenState?.freeze ?? "not-stopped",
    };
  } finally {
    memory.close();
  }
}
