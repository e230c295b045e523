/**
 * /proc/partitions — proc(5) "/proc/partitions".
 * A "major minor  #blocks  name" header and a blank line, then one right-aligned row per block
 * device and partition. #blocks counts 1024-byte blocks (not 512-byte sectors); empty devices
 * (an unset zram, a loop device with nothing attached) are left out.
 */
import { ParseError } from "../errors.js";
import type { Partition } from "../model/system-files.js";
import { type LineProblem, lineProblem, splitTableLines, toCount, type WithProblems, withProblems } from "./_lines.js";

export type { Partition };

/**
 * Parses /proc/partitions.
 * parsePartitions("major minor  #blocks  name\n\n 254 0 268435456 vda\n")[0].blocks === 268435456
 */
export function parsePartitions(text: string): WithProblems<Partition[]> {
  const problems: LineProblem[] = [];
  const lines = splitTableLines(text, problems);
  const header = lines[0] ?? "";
  if (!/^major +minor +#blocks +name\b/.test(header)) throw new ParseError('expected the "major minor  #blocks  name" header', header, 1);
  const partitions: Partition[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    try {
      if (line === "") continue;
      const fields = line.trim().split(/ +/);
      if (fields.length < 4) throw new ParseError(`expected 4 fields, got ${fields.length}`, line, i + 1);
      partitions.push({
        major: toCount(fields[0] as string, "the major number", line, i + 1),
        minor: toCount(fields[1] as string, "the minor number", line, i + 1),
        blocks: toCount(fields[2] as string, "#blocks", line, i + 1),
        name: fields[3] as string,
        other: fields.slice(4),
      });
    } catch (error) {
      if (!(error instanceof ParseError)) throw error;
      problems.push(lineProblem(error, line, i + 1));
    }
  }
  return withProblems(partitions, problems);
}
