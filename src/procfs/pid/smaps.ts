/**
 * /proc/PID/smaps — proc(5), "/proc/pid/smaps".
 * Blocks of a maps header line followed by "Key:   N kB" lines; "THPeligible:" and
 * "ProtectionKey:" are bare numbers and "VmFlags:" a list of two-letter flags. Keys vary by kernel.
 */
import { ParseError } from "../../errors.js";
import type { RegionUsage } from "../../model/region.js";
import { type LineProblem, lineProblem, type WithProblems, withProblems } from "../_lines.js";
import { parseMapsLine, type Region, withSections } from "./maps.js";

/** A region with its memory use from smaps (bytes). */
export interface SmapsRegion extends Region {
  readonly usage: RegionUsage;
}

const SIZE_LINE = /^([A-Za-z_]+):\s+(\d+) kB$/;
const OTHER_LINE = /^([A-Za-z_]+):\s*(.*)$/;
const HEADER_START = /^[0-9a-f]+-[0-9a-f]+ /;

/**
 * Parses /proc/PID/smaps into one region per block, with sizes in bytes.
 * parsePidSmaps(text)[0].rss === 8192
 */
export function parsePidSmaps(text: string): WithProblems<SmapsRegion[]> {
  const regions: SmapsRegion[] = [];
  const parser = createSmapsParser((region) => regions.push(region));
  parser.feed(text);
  const problems = parser.end();
  return withProblems(withSections(regions), problems);
}

/** An smaps parser fed piece by piece (see createSmapsParser). */
export interface SmapsParser {
  /** Takes the next piece of the text; a line may be split across pieces. */
  feed(text: string): void;
  /** Finishes the last block; returns the lines that did not parse. */
  end(): readonly LineProblem[];
}

/**
 * A parser that takes smaps text in pieces and hands each region to `onRegion` as soon as its
 * block ends, so the whole text is never held: a process with 60,000 mappings has 20 MB of smaps
 * and 60,000 usage records. `keep(header)` chooses the blocks worth a record; the fields of the
 * others are skipped unparsed. Regions come without sections (withSections needs neighbours).
 * const parser = createSmapsParser((r) => found.push(r), (h) => h.executable); parser.feed(text); parser.end()
 */
export function createSmapsParser(onRegion: (region: SmapsRegion) => void, keep: (header: Region) => boolean = () => true): SmapsParser {
  const problems: LineProblem[] = [];
  let lineNumber = 0;
  /** The text after the last newline of what was fed: the start of a line still coming. */
  let partial = "";
  let header: Region | undefined;
  let sizes: Record<string, number> = {};
  let vmFlags: string[] = [];
  let skipping = false;
  const finish = () => {
    if (!header) return;
    const get = (key: string) => sizes[key] ?? 0;
    onRegion({
      ...header,
      usage: {
        rssBytes: get("Rss"),
        pssBytes: get("Pss"),
        sharedCleanBytes: get("Shared_Clean"),
        sharedDirtyBytes: get("Shared_Dirty"),
        privateCleanBytes: get("Private_Clean"),
        privateDirtyBytes: get("Private_Dirty"),
        swapBytes: get("Swap"),
        swapPssBytes: get("SwapPss"),
        anonymousBytes: get("Anonymous"),
        lockedBytes: get("Locked"),
        kernelBytes: sizes,
        vmFlags,
      },
    });
    header = undefined;
  };
  const line = (text: string) => {
    lineNumber++;
    if (HEADER_START.test(text)) {
      finish();
      skipping = false;
      sizes = {};
      vmFlags = [];
      try {
        header = parseMapsLine(text, lineNumber);
      } catch (error) {
        if (!(error instanceof ParseError)) throw error;
        // The block's fields are skipped with it: they belong to no region we could name.
        problems.push(lineProblem(error, text, lineNumber));
        skipping = true;
        return;
      }
      if (!keep(header)) {
        header = undefined;
        skipping = true;
      }
      return;
    }
    if (skipping) return;
    if (!header) {
      problems.push(lineProblem("expected a region line before its fields", text, lineNumber));
      return;
    }
    const size = SIZE_LINE.exec(text);
    if (size) {
      sizes[size[1] as string] = Number(size[2]) * 1024;
      return;
    }
    const other = OTHER_LINE.exec(text);
    if (!other) {
      problems.push(lineProblem('expected "Key: value"', text, lineNumber));
      return;
    }
    if (other[1] === "VmFlags") vmFlags = (other[2] as string).trim().split(/\s+/).filter(Boolean);
  };
  return {
    feed(text) {
      const lines = (partial + text).split("\n");
      partial = lines.pop() as string;
      for (const text of lines) line(text);
    },
    end() {
      if (partial !== "") line(partial);
      partial = "";
      finish();
      return problems;
    },
  };
}

/** Sums of the size fields over all regions (pmap -X's total line), in bytes. */
export type SmapsTotals = { sizeBytes: number } & Omit<RegionUsage, "kernelBytes" | "vmFlags">;

const TOTAL_KEYS = [
  "rssBytes",
  "pssBytes",
  "sharedCleanBytes",
  "sharedDirtyBytes",
  "privateCleanBytes",
  "privateDirtyBytes",
  "swapBytes",
  "swapPssBytes",
  "anonymousBytes",
  "lockedBytes",
] as const;

export function smapsTotals(regions: readonly SmapsRegion[]): SmapsTotals {
  const totals: { -readonly [K in keyof SmapsTotals]: number } = {
    sizeBytes: 0,
    rssBytes: 0,
    pssBytes: 0,
    sharedCleanBytes: 0,
    sharedDirtyBytes: 0,
    privateCleanBytes: 0,
    privateDirtyBytes: 0,
    swapBytes: 0,
    swapPssBytes: 0,
    anonymousBytes: 0,
    lockedBytes: 0,
  };
  for (const r of regions) {
    totals.sizeBytes += r.sizeBytes;
    for (const key of TOTAL_KEYS) totals[key] += r.usage[key];
  }
  return totals;
}
