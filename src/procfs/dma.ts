/**
 * /proc/dma — proc(5) "/proc/dma".
 * ISA DMA channels in use, "%2d: %s" per line (channel 4 is the "cascade" between the two
 * controllers on x86); empty on machines without ISA DMA.
 */
import { ParseError } from "../errors.js";
import type { DmaChannel } from "../model/system-files.js";
import { type LineProblem, lineProblem, splitTableLines, toCount, type WithProblems, withProblems } from "./_lines.js";

export type { DmaChannel };

/**
 * Parses /proc/dma.
 * parseDma(" 4: cascade\n") → [{ channel: 4, device: "cascade" }]
 */
export function parseDma(text: string): WithProblems<DmaChannel[]> {
  const problems: LineProblem[] = [];
  const lines = splitTableLines(text, problems);
  const channels: DmaChannel[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    try {
      if (line === "") continue;
      const match = /^ *(\d+): (.*)$/.exec(line);
      if (!match) throw new ParseError('expected "N: device"', line, i + 1);
      channels.push({ channel: toCount(match[1] as string, "the channel", line, i + 1), device: match[2] as string });
    } catch (error) {
      if (!(error instanceof ParseError)) throw error;
      problems.push(lineProblem(error, line, i + 1));
    }
  }
  return withProblems(channels, problems);
}
