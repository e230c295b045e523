/**
 * /proc/diskstats — proc_diskstats(5) (proc(5) "/proc/diskstats"; fields in the kernel's
 * Documentation/admin-guide/iostats.rst). "major minor name" and 11 counters (14 fields), 15 since
 * 4.18 (discards, 18 fields), 17 since 5.5 (flushes, 20 fields). Sectors are always 512 bytes.
 */
import { ParseError } from "../errors.js";
import type { DiskStats } from "../model/system-files.js";
import { type LineProblem, lineProblem, splitTableLines, toCount, type WithProblems, withProblems } from "./_lines.js";

export type { DiskStats };

/**
 * Parses /proc/diskstats, one entry per line.
 * parseDiskstats(" 254 0 vda 8133 4391 898562 3342 1006 6023 801864 2146 0 1704 5697\n")[0].readSectors === 898562
 */
export function parseDiskstats(text: string): WithProblems<DiskStats[]> {
  const problems: LineProblem[] = [];
  const lines = splitTableLines(text, problems);
  const disks: DiskStats[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    try {
      // The kernel prints no empty line here: one means a record was lost (cut or overwritten).
      if (line === "") throw new ParseError("empty line", line, i + 1);
      const fields = line.trim().split(/ +/);
      const counters = fields.length - 3;
      if (counters !== 11 && counters !== 15 && counters < 17) {
        throw new ParseError(`expected 14, 18 or 20 fields, got ${fields.length}`, line, i + 1);
      }
      const n = fields.slice(3).map((value, index) => toCount(value, `field ${index + 4}`, line, i + 1));
      const at = (index: number): number => n[index] as number;
      const optional = (index: number): number | null => n[index] ?? null;
      disks.push({
        major: toCount(fields[0] as string, "the major number", line, i + 1),
        minor: toCount(fields[1] as string, "the minor number", line, i + 1),
        name: fields[2] as string,
        reads: at(0),
        readsMerged: at(1),
        readSectors: at(2),
        readTimeMs: at(3),
        writes: at(4),
        writesMerged: at(5),
        writeSectors: at(6),
        writeTimeMs: at(7),
        inFlight: at(8),
        ioTimeMs: at(9),
        weightedIoTimeMs: at(10),
        discards: optional(11),
        discardsMerged: optional(12),
        discardSectors: optional(13),
        discardTimeMs: optional(14),
        flushes: optional(15),
        flushTimeMs: optional(16),
        other: n.slice(17),
      });
    } catch (error) {
      if (!(error instanceof ParseError)) throw error;
      problems.push(lineProblem(error, line, i + 1));
    }
  }
  return withProblems(disks, problems);
}
