/**
 * /proc/kallsyms — proc(5), "/proc/kallsyms"; kallsyms_show_value() in kernel/kallsyms.c.
 * "ADDRESS TYPE NAME" per line, with "\t[module]" appended for module symbols. Without
 * CAP_SYSLOG (or under kptr_restrict) every address reads as 0; the file is ~5 MiB on a distro kernel.
 */

import { ParseError } from "../errors.js";
import { type LineProblem, lineProblem, type WithProblems, withProblems } from "./_lines.js";
import { latin1Text } from "./_text.js";

/**
 * The symbols in file order, as parallel columns over the file's bytes (120 000+ rows: an object
 * and a string per row would cost more than the kernel takes to produce the file).
 */
export interface KallsymsTable {
  readonly count: number;
  /** The file as read; names and modules are slices of it. */
  readonly bytes: Uint8Array;
  /** High and low 32 bits of each address (64-bit kernel addresses do not fit a number). */
  readonly addressHigh: Uint32Array;
  readonly addressLow: Uint32Array;
  /** nm(1) type letter as a char code: T/t text, D/d data, R/r read-only, B/b bss, W/w weak. */
  readonly types: Uint8Array;
  /** Byte range of each name in `bytes`. */
  readonly nameStart: Uint32Array;
  readonly nameEnd: Uint32Array;
  /** Byte range of each module name in `bytes` (without brackets); equal for the kernel image. */
  readonly moduleStart: Uint32Array;
  readonly moduleEnd: Uint32Array;
  /** True when every address is 0: the kernel hid them from this reader. */
  readonly zeroed: boolean;
}

const SPACE = 0x20;
const TAB = 0x09;
const NEWLINE = 0x0a;

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

function lineAt(bytes: Uint8Array, start: number): string {
  let end = start;
  while (end < bytes.length && bytes[end] !== NEWLINE && end - start < 200) end++;
  return latin1Text(bytes, start, end);
}

/**
 * Parses /proc/kallsyms from its bytes.
 * parseKallsyms(new TextEncoder().encode("ffffffff81000000 T _text\n")).count === 1
 */
export function parseKallsyms(bytes: Uint8Array): WithProblems<KallsymsTable> {
  const problems: LineProblem[] = [];
  let lineNumber = 0;
  let capacity = 1024;
  for (let i = 0; i < bytes.length; i++) if (bytes[i] === NEWLINE) capacity++;
  const addressHigh = new Uint32Array(capacity);
  const addressLow = new Uint32Array(capacity);
  const types = new Uint8Array(capacity);
  const nameStart = new Uint32Array(capacity);
  const nameEnd = new Uint32Array(capacity);
  const moduleStart = new Uint32Array(capacity);
  const moduleEnd = new Uint32Array(capacity);
  let zeroed = true;
  let count = 0;
  let pos = 0;
  const length = bytes.length;
  while (pos < length) {
    const lineStart = pos;
    lineNumber++;
    const fail = (detail: string): never => {
      throw new ParseError(detail, lineAt(bytes, lineStart), lineNumber);
    };
    try {
      // Address: up to 16 hex digits, accumulated as two 32-bit halves.
      let high = 0;
      let low = 0;
      let digits = 0;
      for (;;) {
        const value = hexValue(bytes[pos] as number);
        if (value < 0) break;
        high = ((high << 4) | (low >>> 28)) >>> 0;
        low = ((low << 4) | value) >>> 0;
        digits++;
        pos++;
      }
      if (digits === 0 || digits > 16 || bytes[pos] !== SPACE) fail('expected "ADDRESS TYPE NAME"');
      const type = bytes[pos + 1] as number;
      if (bytes[pos + 2] !== SPACE || type === undefined || type <= SPACE) fail('expected "ADDRESS TYPE NAME"');
      pos += 3;
      const start = pos;
      while (pos < length && bytes[pos] !== NEWLINE && bytes[pos] !== TAB) pos++;
      if (pos === start) fail("missing symbol name");
      nameStart[count] = start;
      nameEnd[count] = pos;
      if (bytes[pos] === TAB) {
        pos++;
        if (bytes[pos] !== 0x5b) fail('expected "\\t[module]" after the name');
        const mStart = pos + 1;
        while (pos < length && bytes[pos] !== NEWLINE) pos++;
        if (bytes[pos - 1] !== 0x5d) fail('expected "\\t[module]" after the name');
        moduleStart[count] = mStart;
        moduleEnd[count] = pos - 1;
      } else {
        moduleStart[count] = moduleEnd[count] = pos;
      }
      if (high !== 0 || low !== 0) zeroed = false;
      addressHigh[count] = high;
      addressLow[count] = low;
      types[count] = type;
      count++;
      pos++; // the newline
    } catch (error) {
      if (!(error instanceof ParseError)) throw error;
      // Skip the rest of the line: the symbols after it are still read.
      problems.push(lineProblem(error, lineAt(bytes, lineStart), lineNumber));
      pos = lineStart;
      while (pos < length && bytes[pos] !== NEWLINE) pos++;
      pos++;
    }
  }
  return withProblems(
    {
      count,
      bytes,
      addressHigh: addressHigh.subarray(0, count),
      addressLow: addressLow.subarray(0, count),
      types: types.subarray(0, count),
      nameStart: nameStart.subarray(0, count),
      nameEnd: nameEnd.subarray(0, count),
      moduleStart: moduleStart.subarray(0, count),
      moduleEnd: moduleEnd.subarray(0, count),
      zeroed: zeroed && count > 0,
    },
    problems,
  );
}

/** The address of symbol `index`. */
export function kallsymsAddress(table: KallsymsTable, index: number): bigint {
  return (BigInt(table.addressHigh[index] as number) << 32n) | BigInt(table.addressLow[index] as number);
}

/** The name of symbol `index` (kernel symbol names are ASCII). */
export function kallsymsName(table: KallsymsTable, index: number): string {
  return latin1Text(table.bytes, table.nameStart[index], table.nameEnd[index]);
}

/** The module of symbol `index`, or null for the kernel image. */
export function kallsymsModule(table: KallsymsTable, index: number): string | null {
  const start = table.moduleStart[index] as number;
  const end = table.moduleEnd[index] as number;
  if (start === end) return null;
  return latin1Text(table.bytes, start, end);
}
