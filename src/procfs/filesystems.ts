/**
 * /proc/filesystems — proc_filesystems(5) (proc(5) "/proc/filesystems" on older man-pages).
 * One "nodev\tNAME" or "\tNAME" line per registered filesystem type; "nodev" marks types that
 * need no block device. Modules not yet loaded are absent.
 */
import { ParseError } from "../errors.js";
import type { Filesystem } from "../model/system-files.js";
import { type LineProblem, lineProblem, splitTableLines, type WithProblems, withProblems } from "./_lines.js";

export type { Filesystem };

/**
 * Parses /proc/filesystems.
 * parseFilesystems("nodev\tproc\n\text4\n") → [{ name: "proc", nodev: true }, { name: "ext4", nodev: false }]
 */
export function parseFilesystems(text: string): WithProblems<Filesystem[]> {
  const problems: LineProblem[] = [];
  const lines = splitTableLines(text, problems);
  const filesystems: Filesystem[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    try {
      // The kernel prints no empty line here: one means a record was lost (cut or overwritten).
      if (line === "") throw new ParseError("empty line", line, i + 1);
      const match = /^(nodev)?\t(\S+)$/.exec(line);
      if (!match) throw new ParseError('expected "nodev\\tNAME" or "\\tNAME"', line, i + 1);
      filesystems.push({ name: match[2] as string, nodev: match[1] !== undefined });
    } catch (error) {
      if (!(error instanceof ParseError)) throw error;
      problems.push(lineProblem(error, line, i + 1));
    }
  }
  return withProblems(filesystems, problems);
}
