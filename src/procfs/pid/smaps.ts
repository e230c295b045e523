/**
 * /proc/PID/smaps — proc(5), "/proc/pid/smaps".
 * Blocks of a maps header line followed by "Key:   N kB" lines; "THPeligible:" and
 * "ProtectionKey:" are bare numbers and "VmFlags:" a list of two-letter flags. Keys vary by kernel.
 */
import { ParseError } from "../../errors.js";
import { type LineProblem, lineProblem, type WithProblems, withProblems } from "../_lines.js";
import { type MapsRegion, parseMapsLine, withSections } from "./maps.js";

export interface SmapsRegion extends MapsRegion {
  /** Bytes resident. */
  readonly rss: number;
  /** Proportional set size in bytes: shared pages divided among the processes mapping them. */
  readonly pss: number;
  readonly sharedClean: number;
  readonly sharedDirty: number;
  readonly privateClean: number;
  readonly privateDirty: number;
  readonly swap: number;
  readonly swapPss: number;
  readonly anonymous: number;
  readonly locked: number;
  /** Every "kB" line, converted to bytes, by the kernel's key (Rss, Pss_Dirty, AnonHugePages…). */
  readonly sizes: Readonly<Record<string, number>>;
  /** Two-letter VmFlags (rd wr ex mr mw me ac …); empty on kernels without the line. */
  readonly vmFlags: readonly string[];
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
  let header: MapsRegion | undefined;
  let sizes: Record<string, number> = {};
  let vmFlags: string[] = [];
  let skipping = false;
  const finish = () => {
    if (!header) return;
    const get = (key: string) => sizes[key] ?? 0;
    regions.push({
      ...header,
      rss: get("Rss"),
      pss: get("Pss"),
      sharedClean: get("Shared_Clean"),
      sharedDirty: get("Shared_Dirty"),
      privateClean: get("Private_Clean"),
      privateDirty: get("Private_Dirty"),
      swap: get("Swap"),
      swapPss: get("SwapPss"),
      anonymous: get("Anonymous"),
      locked: get("Locked"),
      sizes,
      vmFlags,
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

/** Sums of the size fields over all regions (pmap -X's total line). */
export interface SmapsTotals
  extends Pick<
    SmapsRegion,
    "rss" | "pss" | "sharedClean" | "sharedDirty" | "privateClean" | "privateDirty" | "swap" | "swapPss" | "anonymous" | "locked"
  > {
  readonly size: number;
}

export function smapsTotals(regions: readonly SmapsRegion[]): SmapsTotals {
  const totals = {
    size: 0,
    rss: 0,
    pss: 0,
    sharedClean: 0,
    sharedDirty: 0,
    privateClean: 0,
    privateDirty: 0,
    swap: 0,
    swapPss: 0,
    anonymous: 0,
    locked: 0,
  };
  for (const r of regions) {
    totals.size += r.size;
    totals.rss += r.rss;
    totals.pss += r.pss;
    totals.sharedClean += r.sharedClean;
    totals.sharedDirty += r.sharedDirty;
    totals.privateClean += r.privateClean;
    totals.privateDirty += r.privateDirty;
    totals.swap += r.swap;
    totals.swapPss += r.swapPss;
    totals.anonymous += r.anonymous;
    totals.locked += r.locked;
  }
  return totals;
}
