/**
 * /proc/vmstat — proc_vmstat(5) (proc(5) "/proc/vmstat" on older man-pages).
 * "name value" lines, one counter each; the set of names changes with nearly every kernel release
 * and config, so every line is kept. Most "nr_*" values are pages; "pgpgin"/"pgpgout" are KiB.
 */
import { ParseError } from "../errors.js";
import type { Vmstat } from "../model/system-files.js";
import { type LineProblem, lineProblem, missing, splitTableLines, toCount, type WithProblems, withProblems } from "./_lines.js";

export type { Vmstat };

/**
 * Parses /proc/vmstat.
 * parseVmstat("nr_free_pages 897151\npgfault 12\n").counters.pgfault === 12
 */
export function parseVmstat(text: string): WithProblems<Vmstat> {
  const problems: LineProblem[] = [];
  const lines = splitTableLines(text, problems);
  const counters: Record<string, number> = {};
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    try {
      if (line === "") continue;
      const match = /^(\S+) (\S+)$/.exec(line);
      if (!match) throw new ParseError('expected "name value"', line, i + 1);
      const name = match[1] as string;
      counters[name] = toCount(match[2] as string, `"${name}"`, line, i + 1);
    } catch (error) {
      if (!(error instanceof ParseError)) throw error;
      problems.push(lineProblem(error, line, i + 1));
    }
  }
  const freePages = counters.nr_free_pages;
  if (freePages === undefined) throw missing('"nr_free_pages" line', lines);
  return withProblems(
    {
      freePages,
      pageFaults: counters.pgfault ?? null,
      majorPageFaults: counters.pgmajfault ?? null,
      swapInPages: counters.pswpin ?? null,
      swapOutPages: counters.pswpout ?? null,
      oomKills: counters.oom_kill ?? null,
      counters,
    },
    problems,
  );
}
