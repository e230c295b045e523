/**
 * /proc/swaps — proc_swaps(5) (proc(5) "/proc/swaps" on older man-pages).
 * A "Filename Type Size Used Priority" header (tab-separated), then one padded row per swap area;
 * Size and Used are in KiB, and the file name escapes " \t\n\\" as octal (\040...).
 */
import { ParseError } from "../errors.js";
import type { SwapArea } from "../model/system-files.js";
import {
  decodeOctalEscapes,
  kibToBytes,
  type LineProblem,
  lineProblem,
  splitTableLines,
  toSigned,
  type WithProblems,
  withProblems,
} from "./_lines.js";

export type { SwapArea };

/**
 * Parses /proc/swaps; an empty list means no swap is active.
 * parseSwaps("Filename\tType\tSize\tUsed\tPriority\n/dev/dm-2 partition\t131068\t176\t-2\n")[0].usedBytes === 180224
 */
export function parseSwaps(text: string): WithProblems<SwapArea[]> {
  const problems: LineProblem[] = [];
  const lines = splitTableLines(text, problems);
  const header = lines[0] ?? "";
  if (!/^Filename\s+Type\s+Size\s+Used\s+Priority\b/.test(header)) {
    throw new ParseError('expected the "Filename Type Size Used Priority" header', header, 1);
  }
  const areas: SwapArea[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    try {
      if (line === "") continue;
      const fields = line.split(/[ \t]+/);
      if (fields.length < 5 || fields[0] === "") throw new ParseError("expected 5 fields", line, i + 1);
      areas.push({
        filename: decodeOctalEscapes(fields[0] as string),
        type: fields[1] as string,
        sizeBytes: kibToBytes(fields[2] as string, "Size", line, i + 1),
        usedBytes: kibToBytes(fields[3] as string, "Used", line, i + 1),
        priority: toSigned(fields[4] as string, "Priority", line, i + 1),
        other: fields.slice(5),
      });
    } catch (error) {
      if (!(error instanceof ParseError)) throw error;
      problems.push(lineProblem(error, line, i + 1));
    }
  }
  return withProblems(areas, problems);
}
