/**
 * Region selectors (SEL) and address expressions, as the command line spells them:
 *   heap, stack, anon, rw (writable), all, a path substring (libc), 0xSTART-0xEND, or several
 *   joined by commas; addresses are hex (0x7ffd…, or bare hex digits) or a region plus/minus an
 *   offset (heap+0x10, libc+4096, 0x7ffd0000-0x20).
 */
import { InvalidArgument, NotFound } from "../errors.js";
import type { Region } from "../procfs/pid/maps.js";

export type SelectorPart =
  | { readonly type: "heap" | "stack" | "anon" | "rw" | "all" | "default" }
  | { readonly type: "range"; readonly start: bigint; readonly end: bigint }
  | { readonly type: "path"; readonly text: string };

export interface RegionSelector {
  /** As the user wrote it (for messages). */
  readonly text: string;
  readonly parts: readonly SelectorPart[];
}

/** A region, or the part of it a range selector asked for. */
export interface SelectedRegion {
  readonly region: Region;
  readonly start: bigint;
  readonly end: bigint;
}

const KEYWORDS = new Set(["heap", "stack", "anon", "rw", "all"]);

/** The default of strings/search: writable private regions (heap, stack, anonymous, .data/.bss). */
export const DEFAULT_SELECTOR: RegionSelector = { text: "writable private regions", parts: [{ type: "default" }] };

const HEX = /^(?:0x)?([0-9a-f]+)$/i;

/** Parses "0x7ffd1000" or "7ffd1000" as an address; anything else → InvalidArgument. */
export function parseHexAddress(text: string, what = "address"): bigint {
  const match = HEX.exec(text.trim());
  if (!match || (match[1] as string).length > 16) throw new InvalidArgument(`malformed ${what} "${text}": expected hex such as 0x7ffd1000`);
  return BigInt(`0x${match[1]}`);
}

/**
 * parseRegionSelector("heap,libc") → two parts; "0x1000-0x2000" → a range.
 * Throws InvalidArgument for an empty selector or a malformed range.
 */
export function parseRegionSelector(text: string): RegionSelector {
  const items = text.split(",").map((s) => s.trim());
  if (text.trim() === "" || items.some((s) => s === "")) throw new InvalidArgument(`empty region selector "${text}"`);
  const parts = items.map((item): SelectorPart => {
    const lower = item.toLowerCase();
    if (KEYWORDS.has(lower)) return { type: lower as "heap" | "stack" | "anon" | "rw" | "all" };
    const range = /^(0x[0-9a-f]+)-(0x[0-9a-f]+)$/i.exec(item);
    if (range) {
      const start = parseHexAddress(range[1] as string);
      const end = parseHexAddress(range[2] as string);
      if (end <= start) throw new InvalidArgument(`empty address range "${item}": the end must be above the start`);
      return { type: "range", start, end };
    }
    if (/^0x/i.test(item) && item.includes("-")) throw new InvalidArgument(`malformed address range "${item}": expected 0xSTART-0xEND`);
    return { type: "path", text: item };
  });
  return { text, parts };
}

function matchesPart(region: Region, part: SelectorPart): boolean {
  switch (part.type) {
    case "heap":
      return region.kind === "heap";
    case "stack":
      return region.kind === "stack";
    case "anon":
      return region.kind === "anon" || region.kind === "heap" || region.kind === "stack";
    case "rw":
      return region.writable;
    case "all":
      return true;
    case "default":
      return region.writable && !region.shared && region.kind !== "vvar" && region.kind !== "vsyscall";
    case "path":
      return region.path?.includes(part.text) === true;
    case "range":
      return region.start < part.end && region.end > part.start;
  }
}

/**
 * The regions a selector picks, in address order, ranges clipped to what was asked.
 * Throws NotFound when it matches nothing: `region selector "libfoo" matches no region of process 42`.
 */
export function selectRegions(regions: readonly Region[], selector: RegionSelector, pid: number): SelectedRegion[] {
  const selected: SelectedRegion[] = [];
  for (const region of regions) {
    let start: bigint | undefined;
    let end: bigint | undefined;
    for (const part of selector.parts) {
      if (!matchesPart(region, part)) continue;
      const s = part.type === "range" && part.start > region.start ? part.start : region.start;
      const e = part.type === "range" && part.end < region.end ? part.end : region.end;
      start = start === undefined || s < start ? s : start;
      end = end === undefined || e > end ? e : end;
    }
    if (start !== undefined && end !== undefined) selected.push({ region, start, end });
  }
  if (selected.length === 0) throw new NotFound(`region selector "${selector.text}" matches no region of process ${pid}`);
  return selected;
}

/** Parses a byte count: decimal, 0x hex, or with a k/m/g suffix (binary units). */
export function parseByteCount(text: string, what = "length"): number {
  const match = /^(0x[0-9a-f]+|\d+)([kmg])?i?b?$/i.exec(text.trim());
  if (!match) throw new InvalidArgument(`malformed ${what} "${text}": expected a number of bytes such as 64, 0x40 or 4k`);
  const base = Number(BigInt(match[1] as string));
  const unit = { k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(match[2] ?? "").toLowerCase() as "k" | "m" | "g"] ?? 1;
  return base * unit;
}

/**
 * Resolves an address expression against a process's regions:
 * "0x7ffd1000", "heap", "heap+0x10", "stack-64", "libc+0x1000" (start of the first match).
 */
export function resolveAddress(text: string, regions: readonly Region[], pid: number): bigint {
  const trimmed = text.trim();
  if (trimmed === "") throw new InvalidArgument("empty address");
  const offsetMatch = /^(.+?)\s*([+-])\s*(0x[0-9a-f]+|\d+)$/i.exec(trimmed);
  const baseText = offsetMatch ? (offsetMatch[1] as string) : trimmed;
  const offset = offsetMatch ? BigInt(offsetMatch[3] as string) * (offsetMatch[2] === "-" ? -1n : 1n) : 0n;
  let base: bigint;
  if (HEX.test(baseText) || /^0x/i.test(baseText)) {
    base = parseHexAddress(baseText);
  } else {
    const selector = parseRegionSelector(baseText);
    if (selector.parts.some((p) => p.type === "all" || p.type === "rw" || p.type === "range"))
      throw new InvalidArgument(`"${baseText}" names no single region: use heap, stack, a path substring or a hex address`);
    const first = selectRegions(regions, selector, pid)[0] as SelectedRegion;
    base = first.start;
  }
  const address = base + offset;
  if (address < 0n) throw new InvalidArgument(`address "${text}" is below zero`);
  return address;
}
