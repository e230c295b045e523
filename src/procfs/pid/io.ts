/**
 * /proc/PID/io — proc(5), "/proc/pid/io"; Documentation/filesystems/proc.rst.
 * Seven "key: value" lines, all unsigned decimal counters (the kernel prints them with %llu, so a
 * "-" sign is never kernel output). rchar/wchar count bytes passed to read/write-like syscalls,
 * read_bytes/write_bytes what reached the storage layer; reading another user's needs ptrace access.
 */
import { ParseError } from "../../errors.js";

export interface PidIo {
  /** Bytes read through read(2)-like syscalls, including from pipes, ttys and the page cache. */
  readonly rcharBytes: number;
  /** Bytes written through write(2)-like syscalls. */
  readonly wcharBytes: number;
  /** Number of read-like syscalls. */
  readonly syscr: number;
  /** Number of write-like syscalls. */
  readonly syscw: number;
  /** Bytes this process caused to be fetched from storage. */
  readonly readBytes: number;
  /** Bytes this process caused to be sent to storage. */
  readonly writeBytes: number;
  /** Bytes of dirty page cache this process truncated before they were written out. */
  readonly cancelledWriteBytes: number;
}

const KEYS = {
  rchar: "rcharBytes",
  wchar: "wcharBytes",
  syscr: "syscr",
  syscw: "syscw",
  read_bytes: "readBytes",
  write_bytes: "writeBytes",
  cancelled_write_bytes: "cancelledWriteBytes",
} as const satisfies Record<string, keyof PidIo>;

/**
 * Parses /proc/PID/io. Counters are numbers: one above 2^53 bytes (8 PiB) is rounded to the
 * nearest double, a relative error below 1e-15.
 * parsePidIo("rchar: 10\nwchar: 0\n...").rcharBytes === 10
 */
export function parsePidIo(text: string): PidIo {
  if (text === "") throw new ParseError("empty input", text, 1);
  const lines = text.split("\n");
  // Every line ends with "\n"; without it the last counter may have lost digits.
  const last = lines.pop() as string;
  if (last !== "") throw new ParseError("missing final newline (truncated input?)", last, lines.length + 1);
  const values: Partial<Record<keyof PidIo, number>> = {};
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const match = /^([a-z_]+): (\S*)$/.exec(line);
    if (!match) throw new ParseError('expected "key: value"', line, i + 1);
    const field = KEYS[match[1] as keyof typeof KEYS] as keyof PidIo | undefined;
    if (field === undefined) continue; // a counter added by a later kernel
    const raw = match[2] as string;
    if (!/^\d+$/.test(raw)) throw new ParseError(`"${match[1]}" is not an unsigned integer`, line, i + 1);
    values[field] = Number(raw);
  }
  for (const [key, field] of Object.entries(KEYS)) {
    if (values[field] === undefined) throw new ParseError(`missing "${key}:" line`, text.slice(0, 80));
  }
  return values as PidIo;
}
