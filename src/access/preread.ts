/**
 * The small files of many processes read at once by the native helper, on other threads, while
 * this thread parses the processes already read. A process listing is thousands of tiny
 * open/read/close calls, and Node's cost per call is several times the kernel's: in C on two
 * cores the same reads take a fraction of the time (the fd tables of `lsof` do the same).
 *
 * Each process comes back as a ProcessDir that answers from what was read, so the one reader
 * (src/model/reader.ts) does not know the difference. Anything not read ahead, or that failed,
 * is read the ordinary way through a directory opened then, after checking it is still the same
 * process, so errors are reported exactly as without the helper.
 */
import os from "node:os";
import { decodeBytes } from "../bytes.js";
import { ParseError, ProcessGone } from "../errors.js";
import { parsePidStat } from "../procfs/pid/stat.js";
import type { ProcessDir, ProcFs, RawFile } from "./proc-fs.js";

/** Set in a length word when the text is all ASCII; FILE_FAILED when the word is an errno. */
const TEXT_ASCII = 0x80000000;
const FILE_FAILED = 0x40000000;
const STATUS_OK = 0;

/** A file read ahead: its bytes (a view into the helper's block), or the errno that stopped it. */
type PrereadFile = { readonly bytes: Buffer; readonly ascii: boolean } | { readonly errno: number };

export interface PrereadProcess {
  readonly pid: number;
  /** The process's files as read ahead; null when the helper could not read it cleanly (read it yourself). */
  readonly dir: ProcessDir | null;
}

/**
 * Reads `names` (files of /proc/PID; "@exe" is the link exe) of every pid on other threads and
 * hands the processes out in pid order as they are ready. Null when the native helper cannot be
 * used here (a captured tree, not built, turned off). Close each dir.
 * for (const { pid, dir } of prereadProcesses(procFs, pids, ["stat", "status"]) ?? []) …
 */
export function prereadProcesses(procFs: ProcFs, pids: readonly number[], names: readonly string[]): Iterable<PrereadProcess> | null {
  const { module } = procFs.native();
  if (!module) return null;
  const threads = Math.min(4, os.availableParallelism());
  const handle = module.openProcessFiles(Int32Array.from(pids), names, threads);
  return (function* () {
    for (let chunk = module.nextRecords(handle); chunk !== null; chunk = module.nextRecords(handle)) yield* decode(procFs, chunk, names);
  })();
}

function* decode(procFs: ProcFs, chunk: Buffer, names: readonly string[]): Generator<PrereadProcess> {
  let at = 0;
  while (at < chunk.length) {
    const pid = chunk.readUInt32LE(at);
    const status = chunk[at + 4];
    at += 5;
    if (status !== STATUS_OK) {
      yield { pid, dir: null };
      continue;
    }
    const files = new Map<string, PrereadFile>();
    for (const name of names) {
      const word = chunk.readUInt32LE(at);
      at += 4;
      if (word & FILE_FAILED && !(word & TEXT_ASCII)) {
        files.set(name, { errno: word & ~FILE_FAILED });
        continue;
      }
      const length = word & ~TEXT_ASCII;
      files.set(name, { bytes: chunk.subarray(at, at + length), ascii: (word & TEXT_ASCII) !== 0 });
      at += length;
    }
    yield { pid, dir: new PrereadProcessDir(procFs, pid, files) };
  }
}

class PrereadProcessDir implements ProcessDir {
  readonly relPath: string;
  private opened: ProcessDir | undefined;

  constructor(
    private readonly procFs: ProcFs,
    readonly pid: number,
    private readonly files: ReadonlyMap<string, PrereadFile>,
  ) {
    this.relPath = String(pid);
  }

  /** The bytes read ahead for `name`, or undefined to read it the ordinary way (not asked, or it failed). */
  private preread(name: string): { readonly bytes: Buffer; readonly ascii: boolean } | undefined {
    const file = this.files.get(name);
    return file !== undefined && "bytes" in file ? file : undefined;
  }

  /**
   * The process's directory, opened on first need. The PID may belong to another process by now:
   * its start time must match what was read ahead, or the process we read has exited.
   */
  private real(): ProcessDir {
    if (this.opened) return this.opened;
    const dir = this.procFs.openProcess(this.pid);
    const stat = this.preread("stat");
    if (stat !== undefined) {
      let same = false;
      try {
        same = parsePidStat(dir.readText("stat")).startTimeTicks === parsePidStat(stat.bytes.toString("latin1")).startTimeTicks;
      } catch {
        same = false;
      }
      if (!same) {
        dir.close();
        throw new ProcessGone(this.pid, { path: this.relPath, reused: true });
      }
    }
    this.opened = dir;
    return dir;
  }

  readText(name: string): string {
    const file = this.preread(name);
    if (file === undefined) return this.real().readText(name);
    // ASCII reads the same as latin1, without UTF-8 decoding and the check for invalid bytes.
    return file.ascii ? file.bytes.toString("latin1") : decodeBytes(file.bytes);
  }

  readBytes(name: string): Buffer {
    const file = this.preread(name);
    return file === undefined ? this.real().readBytes(name) : Buffer.from(file.bytes);
  }

  readLink(name: string): Buffer {
    const file = this.preread(`@${name}`);
    return file === undefined ? this.real().readLink(name) : Buffer.from(file.bytes);
  }

  parse<T>(name: string, parse: (text: string) => T): T {
    if (this.preread(name) === undefined) return this.real().parse(name, parse);
    return this.named(name, () => parse(this.readText(name)));
  }

  parseBytes<T>(name: string, parse: (bytes: Uint8Array) => T): T {
    const file = this.preread(name);
    if (file === undefined) return this.real().parseBytes(name, parse);
    return this.named(name, () => parse(file.bytes));
  }

  /** Runs a parse, naming the file in its ParseError as ProcFs does. */
  private named<T>(name: string, run: () => T): T {
    try {
      return run();
    } catch (error) {
      if (error instanceof ParseError) throw error.withPath(this.procFs.resolve(`${this.relPath}/${name}`));
      throw error;
    }
  }

  listDir(name: string): string[] {
    return this.real().listDir(name);
  }

  ownerUid(): number {
    return this.real().ownerUid();
  }

  statFile(name: string): ReturnType<ProcessDir["statFile"]> {
    return this.real().statFile(name);
  }

  lstatFile(name: string): ReturnType<ProcessDir["lstatFile"]> {
    return this.real().lstatFile(name);
  }

  openRaw(name: string, flags: "r" | "r+"): RawFile {
    return this.real().openRaw(name, flags);
  }

  close(): void {
    this.opened?.close();
    this.opened = undefined;
  }
}
