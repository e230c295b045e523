/**
 * /proc/zoneinfo — proc_zoneinfo(5) (proc(5) "/proc/zoneinfo" on older man-pages).
 * Indented blocks per "Node N, zone NAME": the node's counters ("per-node stats", first populated
 * zone only, since 4.8), watermarks (8 spaces), zone counters (6, or 4 before 4.8), per-CPU
 * pagesets, "key: value" tails. Unpopulated zones stop after "protection:". All values are pages.
 */
import { ParseError } from "../errors.js";
import type { Zoneinfo, ZoneinfoNode, ZoneinfoPageset, ZoneinfoZone } from "../model/system-files.js";
import { splitLines, toCount, toSigned } from "./_lines.js";

export type { Zoneinfo, ZoneinfoNode, ZoneinfoPageset, ZoneinfoZone };

interface Pageset {
  cpu: number;
  at: { line: string; lineNumber: number };
  fields: Record<string, number>;
  threshold: number | null;
}

interface ZoneDraft {
  node: number;
  zone: string;
  header: { line: string; lineNumber: number };
  freePages: number | null;
  watermarks: Record<string, number>;
  protection: number[] | null;
  stats: Record<string, number>;
  pagesets: Pageset[];
  /** "key: value" lines outside the pagesets, with where they were. */
  tail: Record<string, { value: string; line: string; lineNumber: number }>;
}

const WATERMARKS = new Set(["boost", "min", "low", "high", "promo", "spanned", "present", "managed", "cma"]);
const PAGESET_FIELDS = new Set(["count", "high", "batch", "high_min", "high_max"]);

/**
 * Parses /proc/zoneinfo.
 * parseZoneinfo(text).zones.find((z) => z.zone === "Normal")?.freePages
 */
export function parseZoneinfo(text: string): Zoneinfo {
  const lines = splitLines(text);
  const nodes: { node: number; stats: Record<string, number> }[] = [];
  const drafts: ZoneDraft[] = [];
  let zone: ZoneDraft | null = null;
  let section: "node" | "zone" | "pagesets" = "zone";
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const lineNumber = i + 1;
    if (line === "") continue;
    const header = /^Node (\d+), zone +(\S+)$/.exec(line);
    if (header) {
      zone = {
        node: toCount(header[1] as string, "the node number", line, lineNumber),
        zone: header[2] as string,
        header: { line, lineNumber },
        freePages: null,
        watermarks: {},
        protection: null,
        stats: {},
        pagesets: [],
        tail: {},
      };
      drafts.push(zone);
      section = "zone";
      continue;
    }
    if (zone === null) throw new ParseError('expected "Node N, zone NAME" first', line, lineNumber);
    const trimmed = line.trim();
    const indent = line.length - line.trimStart().length;
    if (trimmed === "per-node stats") {
      nodes.push({ node: zone.node, stats: {} });
      section = "node";
      continue;
    }
    if (trimmed === "pagesets") {
      section = "pagesets";
      continue;
    }
    const free = /^pages free +(\d+)$/.exec(trimmed);
    if (free) {
      zone.freePages = toCount(free[1] as string, '"pages free"', line, lineNumber);
      section = "zone";
      continue;
    }
    const protection = /^protection: \((.*)\)$/.exec(trimmed);
    if (protection) {
      zone.protection = (protection[1] as string).split(",").map((value) => toCount(value.trim(), '"protection"', line, lineNumber));
      continue;
    }
    const cpu = /^cpu: (\d+)$/.exec(trimmed);
    if (cpu) {
      if (section !== "pagesets") throw new ParseError('"cpu:" outside "pagesets"', line, lineNumber);
      zone.pagesets.push({
        cpu: toCount(cpu[1] as string, "the CPU number", line, lineNumber),
        at: { line, lineNumber },
        fields: {},
        threshold: null,
      });
      continue;
    }
    const threshold = /^vm stats threshold: +(\d+)$/.exec(trimmed);
    if (threshold) {
      const pageset = zone.pagesets[zone.pagesets.length - 1];
      if (pageset === undefined) throw new ParseError('"vm stats threshold" before any "cpu:"', line, lineNumber);
      pageset.threshold = toCount(threshold[1] as string, '"vm stats threshold"', line, lineNumber);
      continue;
    }
    const colon = /^(\w+): +(\S+)$/.exec(trimmed);
    if (colon) {
      const key = colon[1] as string;
      const pageset = zone.pagesets[zone.pagesets.length - 1];
      if (section === "pagesets" && pageset !== undefined && PAGESET_FIELDS.has(key)) {
        pageset.fields[key] = toSigned(colon[2] as string, `"${key}"`, line, lineNumber);
      } else {
        zone.tail[key] = { value: colon[2] as string, line, lineNumber };
      }
      continue;
    }
    const pair = /^(\w+) +(\d+)$/.exec(trimmed);
    if (pair) {
      const key = pair[1] as string;
      const value = toCount(pair[2] as string, `"${key}"`, line, lineNumber);
      const node = nodes[nodes.length - 1];
      if (section === "node" && node !== undefined) node.stats[key] = value;
      else if (section === "zone" && indent >= 8) zone.watermarks[key] = value;
      else if (section === "zone") zone.stats[key] = value;
      else throw new ParseError(`"${key}" inside "pagesets"`, line, lineNumber);
      continue;
    }
    throw new ParseError("unexpected line", line, lineNumber);
  }
  return { nodes, zones: drafts.map(finishZone) };
}

function finishZone(draft: ZoneDraft): ZoneinfoZone {
  const { line, lineNumber } = draft.header;
  const need = (value: number | null | undefined, what: string): number => {
    if (value === undefined || value === null) throw new ParseError(`zone has no ${what} line`, line, lineNumber);
    return value;
  };
  const other: Record<string, string> = {};
  for (const [key, value] of Object.entries(draft.watermarks)) if (!WATERMARKS.has(key)) other[key] = String(value);
  for (const [key, { value }] of Object.entries(draft.tail)) if (key !== "node_unreclaimable" && key !== "start_pfn") other[key] = value;
  const tailCount = (key: string): number | null => {
    const found = draft.tail[key];
    return found === undefined ? null : toCount(found.value, `"${key}"`, found.line, found.lineNumber);
  };
  const unreclaimable = tailCount("node_unreclaimable");
  return {
    node: draft.node,
    zone: draft.zone,
    freePages: need(draft.freePages, '"pages free"'),
    minPages: need(draft.watermarks.min, '"min"'),
    lowPages: need(draft.watermarks.low, '"low"'),
    highPages: need(draft.watermarks.high, '"high"'),
    boostPages: draft.watermarks.boost ?? null,
    promoPages: draft.watermarks.promo ?? null,
    spannedPages: need(draft.watermarks.spanned, '"spanned"'),
    presentPages: need(draft.watermarks.present, '"present"'),
    managedPages: draft.watermarks.managed ?? null,
    cmaPages: draft.watermarks.cma ?? null,
    protectionPages: draft.protection,
    stats: draft.stats,
    pagesets: draft.pagesets.map((pageset) => {
      const field = (key: string): number => {
        const value = pageset.fields[key];
        if (value === undefined) throw new ParseError(`pageset has no "${key}:" line`, pageset.at.line, pageset.at.lineNumber);
        return value;
      };
      return {
        cpu: pageset.cpu,
        countPages: field("count"),
        highPages: field("high"),
        batchPages: field("batch"),
        highMinPages: pageset.fields.high_min ?? null,
        highMaxPages: pageset.fields.high_max ?? null,
        vmStatsThreshold: pageset.threshold,
      };
    }),
    nodeUnreclaimable: unreclaimable === null ? null : unreclaimable !== 0,
    startPfn: tailCount("start_pfn"),
    other,
  };
}
