/**
 * /proc/cpuinfo — proc_cpuinfo(5) (proc(5) "/proc/cpuinfo" on older man-pages).
 * "key\t: value" records separated by blank lines; keys differ per architecture (x86 "flags" and
 * "bogomips", arm64 "Features" and "BogoMIPS"), and some architectures add records that are not
 * processors (32-bit ARM's trailing "Hardware"/"Revision" block).
 */
import { ParseError } from "../errors.js";
import type { Cpuinfo, CpuinfoProcessor } from "../model/system-files.js";
import { splitLines, toCount, toDecimal } from "./_lines.js";

export type { Cpuinfo, CpuinfoProcessor };

interface RawRecord {
  readonly pairs: Record<string, string>;
  readonly lineOf: Record<string, { line: string; lineNumber: number }>;
}

/**
 * Parses /proc/cpuinfo into one entry per logical CPU.
 * parseCpuinfo("processor\t: 0\nflags\t\t: fpu vme\n\n").processors[0].flags → ["fpu", "vme"]
 */
export function parseCpuinfo(text: string): Cpuinfo {
  const lines = splitLines(text);
  if (lines.every((line) => line === "")) throw new ParseError('expected at least one "key\t: value" line', text, 1);
  const records: RawRecord[] = [];
  let current: RawRecord | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line === "") {
      current = null;
      continue;
    }
    const colon = line.indexOf(":");
    const key = colon < 0 ? "" : line.slice(0, colon).trim();
    if (key === "") throw new ParseError('expected "key\\t: value"', line, i + 1);
    // A "processor" line opens a new record even without a blank line before it (32-bit ARM
    // prints a "Processor" model line and then "processor : 0" in the same block).
    if (current === null || key === "processor") {
      current = { pairs: {}, lineOf: {} };
      records.push(current);
    }
    current.pairs[key] = line.slice(colon + 1).trim();
    current.lineOf[key] = { line, lineNumber: i + 1 };
  }
  const processors: CpuinfoProcessor[] = [];
  const other: Readonly<Record<string, string>>[] = [];
  for (const record of records) {
    if (record.pairs.processor === undefined) other.push(record.pairs);
    else processors.push(toProcessor(record));
  }
  return { processors, other };
}

function toProcessor({ pairs, lineOf }: RawRecord): CpuinfoProcessor {
  const at = (key: string) => lineOf[key] as { line: string; lineNumber: number };
  const string = (key: string): string | null => pairs[key] ?? null;
  const count = (key: string): number | null => {
    const value = pairs[key];
    return value === undefined ? null : toCount(value, `"${key}"`, at(key).line, at(key).lineNumber);
  };
  const decimal = (...keys: string[]): number | null => {
    for (const key of keys) {
      const value = pairs[key];
      if (value !== undefined) return toDecimal(value, `"${key}"`, at(key).line, at(key).lineNumber);
    }
    return null;
  };
  const words = (...keys: string[]): string[] | null => {
    for (const key of keys) {
      const value = pairs[key];
      if (value !== undefined) return value === "" ? [] : value.split(/\s+/);
    }
    return null;
  };
  let cacheSizeBytes: number | null = null;
  const cache = pairs["cache size"];
  if (cache !== undefined) {
    const match = /^(\d+) KB$/.exec(cache);
    if (!match) throw new ParseError('"cache size" is not "N KB"', at("cache size").line, at("cache size").lineNumber);
    cacheSizeBytes = toCount(match[1] as string, '"cache size"', at("cache size").line, at("cache size").lineNumber) * 1024;
  }
  return {
    processor: count("processor") as number,
    vendorId: string("vendor_id"),
    modelName: string("model name"),
    cpuMhz: decimal("cpu MHz"),
    cacheSizeBytes,
    physicalId: count("physical id"),
    siblings: count("siblings"),
    coreId: count("core id"),
    cpuCores: count("cpu cores"),
    apicId: count("apicid"),
    flags: words("flags", "Features"),
    bugs: words("bugs"),
    bogomips: decimal("bogomips", "BogoMIPS"),
    raw: pairs,
  };
}
