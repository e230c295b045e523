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

export interface PrereadProcess {
  readonly pid: number;
  /** The process's files as read ahead; null when the helper could not read it cleanly (read it yourself). */
  readonly dir: ProcessDir | null;
}

/**
 * Reads `names` (files of /proc/PID; "@exe" is the link exe, "." the directory's owner) of every pid on other threads and
 * hands the processes out in pid order as they are ready. Null when the native helper cannot be
 * used here (a captured tree, not built, turned off). Close each dir.
 * for (const { pid, dir } of prereadProcesses(procFs, pids, ["stat", "status"]) ?? []) …
 */
export function prereadProcesses(procFs: ProcFs, pids: readonly number[], names: readonly string[]): Iterable<PrereadProcess> | null {
  const { module } = procFs.native();
  if (!module) return null;
  // One core stays with this thread, which is what a listing waits for: on two cores, a second
  // reader took CPU time from it and made listings of 5000 processes slower, never faster.
  const threads = Math.max(1, Math.min(4, os.availableParallelism() - 1));
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
    // Where each file lies in the chunk: no Buffer or Map per file (a listing reads thousands).
    const words: number[] = [];
    const starts: number[] = [];
    for (let index = 0; index < names.length; index++) {
      const word = chunk.readUInt32LE(at);
      at += 4;
      words.push(word);
      starts.push(at);
      if (!(word & FILE_FAILED && !(word & TEXT_ASCII))) at += word & ~TEXT_ASCII;
    }
    yield { pid, dir: new PrereadProcessDir(procFs, pid, new PrereadFiles(chunk, names, starts, words)) };
  }
}

/** The files of one process as read ahead: spans of the helper's chunk, or the errno that stopped a read. */
class PrereadFiles {
  constructor(
    private readonly chunk: Buffer,
    private readonly names: readonly string[],
    private readonly starts: readonly number[],
    private readonly words: readonly number[],
  ) {}

  /** The index of `name` if it was read ahead and read cleanly, else -1 (read it the ordinary way). */
  indexOf(name: string): number {
    const index = this.names.indexOf(name);
    if (index < 0) return -1;
    const word = this.words[index] as number;
    return word & FILE_FAILED && !(word & TEXT_ASCII) ? -1 : index;
  }

  bytes(index: number): Buffer {
    const start = this.starts[index] as number;
    return this.chunk.subarray(start, start + ((this.words[index] as number) & ~TEXT_ASCII));
  }

  text(index: number): string {
    const word = this.words[index] as number;
    const start = this.starts[index] as number;
    // ASCII reads the same as latin1, without UTF-8 decoding and the check for invalid bytes.
    if (word & TEXT_ASCII) return this.chunk.toString("latin1", start, start + (word & ~TEXT_ASCII));
    return decodeBytes(this.bytes(index));
  }
}

class PrereadProcessDir implements ProcessDir {
  readonly relPath: string;
  private opened: ProcessDir | undefined;

  constructor(
    private readonly procFs: ProcFs,
    readonly pid: number,
    private readonly files: PrereadFiles,
  ) {
    this.relPath = String(pid);
  }

  /**
   * The process's directory, opened on first need. The PID may belong to another process by now:
   * its start time must match what was read ahead, or the process we read has exited.
   */
  private real(): ProcessDir {
    if (this.opened) return this.opened;
    const dir = this.procFs.openProcess(this.pid);
    const stat = this.files.indexOf("stat");
    if (stat >= 0) {
      let same = false;
      try {
        same = parsePidStat(dir.readText("stat")).startTimeTicks === parsePidStat(this.files.text(stat)).startTimeTicks;
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
    const index = this.files.indexOf(name);
    return index < 0 ? this.real().readText(name) : this.files.text(index);
  }

  readBytes(name: string): Buffer {
    const index = this.files.indexOf(name);
    return index < 0 ? this.real().readBytes(name) : Buffer.from(this.files.bytes(index));
  }

  readLink(name: string): Buffer {
    const index = this.files.indexOf(`@${name}`);
    return index < 0 ? this.real().readLink(name) : Buffer.from(this.files.bytes(index));
  }

  parse<T>(name: string, parse: (text: string) => T): T {
    const readAhead = this.parseReadAhead(name, (index) => parse(this.files.text(index)));
    return readAhead === undefined ? this.real().parse(name, parse) : readAhead.value;
  }

  parseBytes<T>(name: string, parse: (bytes: Uint8Array) => T): T {
    const readAhead = this.parseReadAhead(name, (index) => parse(this.files.bytes(index)));
    return readAhead === undefined ? this.real().parseBytes(name, parse) : readAhead.value;
  }

  /**
   * Runs `parse` on the file as read ahead, naming the file in a ParseError as ProcFs does;
   * undefined when it was not read ahead (the caller reads it the ordinary way).
   */
  private parseReadAhead<T>(name: string, parse: (index: number) => T): { readonly value: T } | undefined {
    const index = this.files.indexOf(name);
    if (index < 0) return undefined;
    try {
      return { value: parse(index) };
    } catch (error) {
      throw error instanceof ParseError ? error.withPath(this.procFs.resolve(`${this.relPath}/${name}`)) : error;
    }
  }

  listDir(name: string): string[] {
    return this.real().listDir(name);
  }

  ownerUid(): number {
    const index = this.files.indexOf(".");
    return index < 0 ? this.real().ownerUid() : Number(this.files.text(index));
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
