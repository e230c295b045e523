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

/**
 * A line a table parser could not read and skipped. Table parsers (one record per line or per
 * block) never let one bad line hide the others: any user can put a newline or garbage into a
 * socket name, a mount point or a process name, and a responder must still see everything else.
 */
export interface LineProblem {
  /** 1-based line number in the text. */
  readonly line: number;
  readonly reason: string;
  /** The start of the offending line (at most 80 characters). */
  readonly excerpt: string;
}

/** A parse result carrying the lines it skipped. */
export type WithProblems<T> = T & { readonly problems: readonly LineProblem[] };

/**
 * Attaches `problems` to a parse result as a non-enumerable property: callers that only want the
 * rows (and JSON.stringify, and deep equality) see the same value as before; callers that report
 * skipped lines read `problemsOf(result)`.
 */
export function withProblems<T extends object>(value: T, problems: readonly LineProblem[]): WithProblems<T> {
  Object.defineProperty(value, "problems", { value: problems, enumerable: false, configurable: true });
  return value as WithProblems<T>;
}

/** The lines a parse result skipped (none for results of parsers that do not skip). */
export function problemsOf(value: unknown): readonly LineProblem[] {
  if (typeof value !== "object" || value === null) return [];
  const problems = (value as { problems?: unknown }).problems;
  return Array.isArray(problems) ? (problems as LineProblem[]) : [];
}

/** A skipped line, from the ParseError its parse threw or from a reason. */
export function lineProblem(reason: string | ParseError, line: string, lineNumber: number): LineProblem {
  return { line: lineNumber, reason: typeof reason === "string" ? reason : reason.detail, excerpt: line.slice(0, 80) };
}

/**
 * Splits a table into lines like splitLines, but a text cut short (no final "\n") loses only its
 * last line, recorded in `problems`: that line may have been cut mid-value.
 */
export function splitTableLines(text: string, problems: LineProblem[]): string[] {
  if (text === "") return [];
  const lines = text.split("\n");
  const last = lines.pop() as string;
  if (last !== "") problems.push(lineProblem("missing final newline: the line looks truncated (cut short)", last, lines.length + 1));
  return lines;
}

/**
 * Parses each line with `parseLine`, turning a ParseError into a LineProblem and going on;
 * `parseLine` returns undefined for lines that hold no record (blank lines). Anything but a
 * ParseError is a bug and propagates.
 * parseEachLine(lines, 1, problems, (line, n) => parseMapsLine(line, n))
 */
export function parseEachLine<T>(
  lines: readonly string[],
  firstIndex: number,
  problems: LineProblem[],
  parseLine: (line: string, lineNumber: number) => T | undefined,
): T[] {
  const out: T[] = [];
  for (let i = firstIndex; i < lines.length; i++) {
    const line = lines[i] as string;
    try {
      const value = parseLine(line, i + 1);
      if (value !== undefined) out.push(value);
    } catch (error) {
      if (!(error instanceof ParseError)) throw error;
      problems.push(lineProblem(error, line, i + 1));
    }
  }
  return out;
}

/** "3 lines skipped (line 4: expected …)": one warning line for a face to print. */
export function describeProblems(file: string, problems: readonly LineProblem[]): string {
  const first = problems[0];
  if (first === undefined) return "";
  const count = problems.length === 1 ? "1 line" : `${problems.length} lines`;
  return `${file}: skipped ${count} it could not parse (line ${first.line}: ${first.reason}, got ${JSON.stringify(first.excerpt.slice(0, 60))})`;
}
