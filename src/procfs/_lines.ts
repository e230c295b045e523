/**
 * Shared helpers for the system-wide /proc parsers (internal to src/procfs/).
 * Every such file ends with "\n", so a missing final newline means the text was cut short; numbers
 * are accepted only when they can be represented exactly.
 */
import { ParseError } from "../errors.js";

/**
 * Splits a whole file into lines, without the empty string after the final "\n".
 * Throws when non-empty text does not end with "\n": the last line may have been cut mid-value.
 * splitLines("a\nb\n") → ["a", "b"]
 */
export function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split("\n");
  const last = lines.pop() as string;
  if (last !== "") {
    throw new ParseError("missing final newline: the text looks truncated", last, lines.length + 1);
  }
  return lines;
}

/**
 * The error for a required line or section that never came: it points at the last line, where a
 * file cut short at a line boundary ends.
 */
export function missing(what: string, lines: readonly string[]): ParseError {
  return new ParseError(`missing ${what}`, lines[lines.length - 1] ?? "", Math.max(lines.length, 1));
}

/** The only line of a one-line file such as loadavg, uptime or version. */
export function singleLine(lines: readonly string[]): string {
  if (lines.length === 0) throw new ParseError("expected one line, got none", "", 1);
  if (lines.length > 1) throw new ParseError(`expected one line, got ${lines.length}`, lines[1] as string, 2);
  return lines[0] as string;
}

/** An unsigned decimal integer that fits a number exactly (counters, page counts, ticks). */
export function toCount(raw: string, what: string, line: string, lineNumber: number): number {
  if (!/^\d+$/.test(raw)) throw new ParseError(`${what} is not an unsigned integer`, line, lineNumber);
  const value = Number(raw);
  if (!Number.isSafeInteger(value)) throw new ParseError(`${what} exceeds 2^53 and cannot be held exactly`, line, lineNumber);
  return value;
}

/** A signed decimal integer that fits a number exactly. */
export function toSigned(raw: string, what: string, line: string, lineNumber: number): number {
  if (!/^-?\d+$/.test(raw)) throw new ParseError(`${what} is not an integer`, line, lineNumber);
  const value = Number(raw);
  if (!Number.isSafeInteger(value)) throw new ParseError(`${what} exceeds 2^53 and cannot be held exactly`, line, lineNumber);
  return value;
}

/** An unsigned decimal integer of any size (up to 2^64 - 1 in practice). */
export function toU64(raw: string, what: string, line: string, lineNumber: number): bigint {
  if (!/^\d+$/.test(raw)) throw new ParseError(`${what} is not an unsigned integer`, line, lineNumber);
  return BigInt(raw);
}

/** A decimal such as "0.06" or "2596.140". */
export function toDecimal(raw: string, what: string, line: string, lineNumber: number): number {
  if (!/^\d+(\.\d+)?$/.test(raw)) throw new ParseError(`${what} is not a decimal number`, line, lineNumber);
  return Number(raw);
}

/** A count of KiB (the kernel's "kB") as bytes, refusing results past 2^53. */
export function kibToBytes(raw: string, what: string, line: string, lineNumber: number): number {
  const bytes = toCount(raw, what, line, lineNumber) * 1024;
  if (!Number.isSafeInteger(bytes)) throw new ParseError(`${what} in bytes exceeds 2^53 and cannot be held exactly`, line, lineNumber);
  return bytes;
}

/**
 * Undoes the kernel's octal escaping of paths and names in mounts, swaps and mountinfo
 * (" " → "\040", "\t" → "\011", "\n" → "\012", "\\" → "\134"). A backslash that does not start a
 * three-digit octal escape is left as it is.
 * decodeOctalEscapes("/mnt/my\\040disk") === "/mnt/my disk"
 */
export function decodeOctalEscapes(text: string): string {
  if (!text.includes("\\")) return text;
  return text.replace(/\\([0-3][0-7]{2})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}
