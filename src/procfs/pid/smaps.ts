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
  const problems: LineProblem[] = [];
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  const regions: SmapsRegion[] = [];
  let header: Region | undefined;
  let sizes: Record<string, number> = {};
  let vmFlags: string[] = [];
  let skipping = false;
  const finish = () => {
    if (!header) return;
    const get = (key: string) => sizes[key] ?? 0;
    regions.push({
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
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (HEADER_START.test(line)) {
      finish();
      skipping = false;
      sizes = {};
      vmFlags = [];
      try {
        header = parseMapsLine(line, i + 1);
      } catch (error) {
        if (!(error instanceof ParseError)) throw error;
        // The block's fields are skipped with it: they belong to no region we could name.
        problems.push(lineProblem(error, line, i + 1));
        header = undefined;
        skipping = true;
      }
      continue;
    }
    if (skipping) continue;
    if (!header) {
      problems.push(lineProblem("expected a region line before its fields", line, i + 1));
      continue;
    }
    const size = SIZE_LINE.exec(line);
    if (size) {
      sizes[size[1] as string] = Number(size[2]) * 1024;
      continue;
    }
    const other = OTHER_LINE.exec(line);
    if (!other) {
      problems.push(lineProblem('expected "Key: value"', line, i + 1));
      continue;
    }
    if (other[1] === "VmFlags") vmFlags = (other[2] as string).trim().split(/\s+/).filter(Boolean);
  }
  finish();
  return withProblems(withSections(regions), problems);
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
